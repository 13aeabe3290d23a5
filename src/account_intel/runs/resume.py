"""Resuming a graph thread paused at await_approval, from any process, after a decision is in the store."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from account_intel.clock import Clock
from account_intel.graph.build import build_account_graph
from account_intel.graph.checkpoint import open_checkpointer
from account_intel.runs.engine import make_environment, resume_thread
from account_intel.settings import Settings
from account_intel.store.engine import Store


def resume_after_decision(*, store: Store, settings: Settings, thread_id: str, clock: Clock) -> dict[str, Any]:
    """Resume the thread: await_approval re-reads the decisions, then deliver and record_run run."""
    env = make_environment(
        store=store, settings=settings, brain="rules", out_dir=Path(settings.home).expanduser() / "runs", clock=clock
    )
    with open_checkpointer(store.url, settings.home, busy_timeout=store.busy_timeout) as saver:
        values = resume_thread(build_account_graph(saver), env, thread_id)
    return {
        "thread_id": thread_id,
        "status": values.get("status"),
        "delivered": values.get("delivered", []),
        "as_of": values.get("as_of", date.min.isoformat()),
    }
