"""Live objects of a graph run, passed in the LangGraph runtime context (never in state)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from account_intel.clock import Clock
from account_intel.settings import Settings
from account_intel.store.engine import Store
from account_intel.tools.context import ToolContext


@dataclass
class GraphContext:
    """Store, settings, the agent runner, the tool context of this account, and where deliverables go."""

    store: Store
    settings: Settings
    runner: Any  # account_intel.agents.brains.AgentRunner (typed loosely to keep the graph free of brain imports)
    tools: ToolContext
    out_dir: Path
    clock: Clock
    actor: str = "agent"
    deliver: Callable[..., Any] | None = None
    extras: dict[str, Any] = field(default_factory=dict)
