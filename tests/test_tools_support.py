"""Helpers shared by the tool tests: a demo store, a tool context, calling a tool the way ToolNode does."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from langchain.tools import ToolRuntime
from langchain_core.messages import ToolMessage
from langchain_core.messages.utils import count_tokens_approximately
from langchain_core.tools import BaseTool

from account_intel.demo.loader import load_portfolio
from account_intel.demo.portfolio import DemoSpec
from account_intel.domain.tiering import Thresholds
from account_intel.settings import Settings
from account_intel.store.engine import Store
from account_intel.tools.context import ToolContext

AS_OF = date(2024, 11, 30)
TECHFLOW = "ACCT-3421"
DEMO_ACCOUNTS = 30


def demo_store(folder: Path) -> Store:
    """A SQLite store holding the demo portfolio (30 accounts, seed 7, as of 2024-11-30)."""
    store = Store(f"sqlite:///{folder / 'demo.db'}")
    with store.transaction() as session:
        load_portfolio(session, DemoSpec(accounts=DEMO_ACCOUNTS, seed=7, as_of=AS_OF), thresholds=Thresholds())
    return store


def tool_context(store: Store, account_id: str | None = TECHFLOW, **settings: Any) -> ToolContext:
    """A tool context on the demo date, scoped to `account_id` (None: unscoped)."""
    return ToolContext(
        sessions=store.sessions, settings=Settings(**settings), as_of=AS_OF, account_id=account_id, run_id="run-test"
    )


def call(tool: BaseTool, context: ToolContext, **args: Any) -> ToolMessage:
    """Invoke a tool with a tool call and a minimal ToolRuntime, as ToolNode does."""
    runtime = ToolRuntime(
        state={}, context=context, config={}, stream_writer=lambda _: None, tool_call_id="1", store=None
    )
    message = tool.invoke({"type": "tool_call", "id": "1", "name": tool.name, "args": {**args, "runtime": runtime}})
    assert isinstance(message, ToolMessage)
    return message


def tokens(message: ToolMessage) -> int:
    """Approximate tokens of a tool result (tiktoken needs the network)."""
    return count_tokens_approximately([message])


def evidence_ids(data: Any) -> set[str]:
    """Every evidence id in a parsed tool result: `id` and `evidence_id` values and `evidence_ids` lists.

    Candidate ids of get_opportunities (`opp:...`) name recommendations, not store rows, and are left out.
    """
    found: set[str] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            if key in {"id", "evidence_id"} and isinstance(value, str):
                if not value.startswith("opp:"):
                    found.add(value)
            elif key == "evidence_ids":
                found.update(value)
            else:
                found |= evidence_ids(value)
    elif isinstance(data, list):
        for item in data:
            found |= evidence_ids(item)
    return found


def parsed(message: ToolMessage) -> Any:
    """The JSON content of a tool result."""
    return json.loads(str(message.content))
