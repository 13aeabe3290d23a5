"""The run record of one account thread (table agent_runs), upserted so a rerun updates rather than duplicates."""

from __future__ import annotations

from datetime import date
from typing import Any

from account_intel.graph.context import GraphContext
from account_intel.store.events import record_event
from account_intel.store.models import AgentRun


def write_run_record(ctx: GraphContext, state: dict[str, Any], *, status: str, error: str | None = None) -> None:
    """Insert or update the row for this thread, adding the tokens this account used since the row's last write.

    Written with status `awaiting_approval` when the thread pauses at the gate, then `completed` or `failed`."""
    usage = ctx.runner.ledger.unrecorded(state["thread_id"], state["account_id"]) if ctx.runner else {}
    now = ctx.clock.now()
    with ctx.store.transaction() as session:
        run = session.get(AgentRun, state["thread_id"])
        if run is None:
            run = AgentRun(
                thread_id=state["thread_id"],
                kind=state.get("kind", "brief"),
                account_id=state["account_id"],
                as_of=date.fromisoformat(state["as_of"]),
                brain=state.get("brain", "rules"),
                status=status,
                started_at=now,
            )
            session.add(run)
        run.status = status
        run.brain = ran_brain(state.get("brains", {}), asked=state.get("brain", "rules"))
        run.finished_at = now if status in {"completed", "failed"} else None
        run.model_calls = run.model_calls or 0
        run.model_calls += usage.get("calls", 0)
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
        )


def ran_brain(brains: dict[str, Any], *, asked: str) -> str:
    """What actually ran: `llm` when every agent ran on it, `rules` when none did, `llm+rules` when some fell back;
    the brain asked for while no agent has run yet."""
    kinds = {b.get("brain") for b in brains.values() if isinstance(b, dict)}
    if not kinds:
        return asked
    if kinds == {"llm"}:
        return "llm"
    return "rules" if "llm" not in kinds else "llm+rules"
