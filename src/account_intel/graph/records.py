"""The run record of one account thread (table agent_runs): written so a rerun updates rather than duplicates, and
a completed record is final, with exactly one `run.completed` event."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from account_intel.graph.context import GraphContext
from account_intel.store.engine import Store
from account_intel.store.events import record_event
from account_intel.store.models import AgentRun

COMPLETED = "completed"


def completion_key(thread_id: str) -> str:
    """The unique key of a thread's `run.completed` event: a thread completes once."""
    return f"run.completed:{thread_id}"


def run_status(store: Store, thread_id: str) -> str | None:
    """How the thread's run record stands (None: no record yet); only `completed` means finished."""
    with store.sessions() as session:
        return session.scalar(select(AgentRun.status).where(AgentRun.thread_id == thread_id))


def write_run_record(ctx: GraphContext, state: dict[str, Any], *, status: str, error: str | None = None) -> None:
    """Insert or update the row for this thread, adding the tokens this account used since the row's last write.

    Written with status `awaiting_approval` when the thread pauses at the gate, then `completed` or `failed`. A
    completed row is final: a repeated write (a resumed node, an overlapping process) changes nothing and adds no
    event. The row is claimed by a conditional update, so of two concurrent writers one wins."""
    usage = ctx.runner.ledger.unrecorded(state["thread_id"], state["account_id"]) if ctx.runner else {}
    now = ctx.clock.now()
    with ctx.store.transaction() as session:
        _insert_if_absent(session, state, status=status, now=now)
        won = session.execute(
            update(AgentRun)
            .where(AgentRun.thread_id == state["thread_id"], AgentRun.status != COMPLETED)
            .values(status=status)
            .execution_options(synchronize_session=False)
        )
        if not won.rowcount:  # type: ignore[attr-defined]
            return
        run = session.get(AgentRun, state["thread_id"], populate_existing=True)
        assert run is not None
        run.brain = ran_brain(state.get("brains", {}), asked=state.get("brain", "rules"))
        run.finished_at = now if status in {COMPLETED, "failed"} else None
        run.model_calls = (run.model_calls or 0) + usage.get("calls", 0)
        run.input_tokens = (run.input_tokens or 0) + usage.get("input_tokens", 0)
        run.output_tokens = (run.output_tokens or 0) + usage.get("output_tokens", 0)
        run.brains = state.get("brains", {})
        run.grounding = state.get("grounding", {})
        run.deliverables = state.get("deliverables", {})
        run.error = error or state.get("error")
        record_event(
            session,
            kind=f"run.{status}",
            at=now,
            account_id=state["account_id"],
            entity_type="run",
            entity_id=state["thread_id"],
            actor=ctx.actor,
            payload={"thread_id": state["thread_id"], "brains": run.brains, "tokens": usage},
            dedupe_key=completion_key(state["thread_id"]) if status == COMPLETED else None,
        )


def _insert_if_absent(session: Session, state: dict[str, Any], *, status: str, now: datetime) -> None:
    """The thread's row, inserted unless it exists (no error when another writer inserted it first)."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(AgentRun).values(
        thread_id=state["thread_id"],
        kind=state.get("kind", "brief"),
        account_id=state["account_id"],
        as_of=date.fromisoformat(state["as_of"]),
        brain=state.get("brain", "rules"),
        status="running" if status == COMPLETED else status,
        started_at=now,
        model_calls=0,
        input_tokens=0,
        output_tokens=0,
        brains={},
        grounding={},
        deliverables={},
    )
    session.execute(stmt.on_conflict_do_nothing(index_elements=[AgentRun.thread_id]))


def ran_brain(brains: dict[str, Any], *, asked: str) -> str:
    """What actually ran: `llm` when every agent ran on it, `rules` when none did, `llm+rules` when some fell back;
    the brain asked for while no agent has run yet."""
    kinds = {b.get("brain") for b in brains.values() if isinstance(b, dict)}
    if not kinds:
        return asked
    if kinds == {"llm"}:
        return "llm"
    return "rules" if "llm" not in kinds else "llm+rules"
