"""The nodes of one account's run, in order: each a verb phrase, each returning typed routing."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Literal

from langgraph.runtime import Runtime
from langgraph.types import Command, interrupt

from account_intel.domain.enums import AccountStatus, MessageStatus
from account_intel.graph.context import GraphContext
from account_intel.graph.state import AccountState
from account_intel.store.as_of import status_on
from account_intel.store.models import Account

if TYPE_CHECKING:
    from account_intel.agents.text_reader import Reading


def load_context(state: AccountState, runtime: Runtime[GraphContext]) -> Command[Literal["score_health", "record_run"]]:
    """Check the account exists and can be analysed; a churned account is analysed but gets no expansion."""
    ctx = runtime.context
    with ctx.store.sessions() as session:
        account = session.get(Account, state["account_id"])
        if account is None:
            return Command(
                goto="record_run", update={"status": "failed", "error": f"Account {state['account_id']} not found."}
            )
        day = date.fromisoformat(state["as_of"])
        status = status_on(account.status, account.customer_since, account.churned_on, day)
        note = "churned account: nothing to expand" if status == AccountStatus.CHURNED else ""
    return Command(goto="score_health", update={"status": "running", "skip_reason": note, "brains": {}})


def score_health(state: AccountState, runtime: Runtime[GraphContext]) -> Command[Literal["place_in_segment"]]:
    """The health-scorer judges health from the computed score."""
    outcome = runtime.context.runner.run("health-scorer", runtime.context.tools, task=_task(state))
    return Command(
        goto="place_in_segment",
        update={
            "health": outcome.output.model_dump(mode="json"),
            "brains": {**state.get("brains", {}), "health-scorer": outcome.record()},
        },
    )


def place_in_segment(state: AccountState, runtime: Runtime[GraphContext]) -> Command[Literal["find_opportunities"]]:
    """The segmentation-analyst places the account and routes it: expand, rescue or none."""
    outcome = runtime.context.runner.run("segmentation-analyst", runtime.context.tools, task=_task(state))
    return Command(
        goto="find_opportunities",
        update={
            "placement": outcome.output.model_dump(mode="json"),
            "brains": {**state.get("brains", {}), "segmentation-analyst": outcome.record()},
        },
    )


def find_opportunities(state: AccountState, runtime: Runtime[GraphContext]) -> Command[Literal["check_grounding"]]:
    """The opportunity-identifier finds, sizes and prioritises expansion (none for a Red or churned account).

    On the llm brain it first reads the account's notes, tickets and emails for signals (each quoted from its
    source and verified); they reach the agent as upstream data and its findings as text-signal claims."""
    from account_intel.agents.text_reader import with_text_claims

    ctx = runtime.context
    reading = _read_text(ctx) if ctx.runner.mode == "llm" else None
    task = _task(state)
    brains = dict(state.get("brains", {}))
    if reading is not None:
        task["text_signals"] = [s.model_dump(mode="json") for s in reading.signals]
        brains["text-reader"] = reading.record()
    outcome = ctx.runner.run("opportunity-identifier", ctx.tools, task=task)
    findings = outcome.output
    if reading is not None:
        findings = with_text_claims(findings, reading)  # type: ignore[arg-type]
    brains["opportunity-identifier"] = outcome.record()
    return Command(goto="check_grounding", update={"findings": findings.model_dump(mode="json"), "brains": brains})


def _read_text(ctx: GraphContext) -> Reading:
    from account_intel.agents.text_reader import read_free_text
    from account_intel.analytics.health.account import account_facts
    from account_intel.analytics.signals.text_matcher import default_matcher

    tools = ctx.tools
    with tools.sessions() as session:
        facts, _ = account_facts(session, account_id=str(tools.account_id), as_of=tools.as_of)
    return read_free_text(ctx.runner, tools, facts, default_matcher(home=ctx.settings.home))


def check_grounding(state: AccountState, runtime: Runtime[GraphContext]) -> Command[Literal["compose_deliverables"]]:
    """Every claim cites evidence from this run and every number is a tool value; repair once, else replace."""
    from account_intel.agents.repair import ground_outputs

    health, placement, findings, report = ground_outputs(
        runtime.context.runner, runtime.context.tools, state, _task(state)
    )
    return Command(
        goto="compose_deliverables",
        update={"health": health, "placement": placement, "findings": findings, "grounding": report},
    )


def compose_deliverables(state: AccountState, runtime: Runtime[GraphContext]) -> Command[Literal["route_outbound"]]:
    """Write the brief (Markdown and JSON) and, for a QBR run, the QBR packet; plan the outreach drafts."""
    from account_intel.deliverables.compose import compose

    paths = compose(runtime.context, state)
    return Command(goto="route_outbound", update={"deliverables": paths})


def route_outbound(
    state: AccountState, runtime: Runtime[GraphContext]
) -> Command[Literal["await_approval", "deliver"]]:
    """Put the outreach drafts in the store (once per thread) and apply the outbound policy to each recipient."""
    from account_intel.deliverables.outreach import draft_outreach

    drafts = draft_outreach(runtime.context, state)
    gated = [d for d in drafts if d["gated"] and d["status"] == MessageStatus.DRAFT.value]
    return Command(goto="await_approval" if gated else "deliver", update={"drafts": drafts})


def await_approval(state: AccountState, runtime: Runtime[GraphContext]) -> Command[Literal["deliver"]]:
    """Pause until a person decides on each gated draft; decisions are read from the store, not the resume value."""
    from account_intel.deliverables.outreach import refresh_drafts

    drafts = refresh_drafts(runtime.context, state.get("drafts", []))
    pending = [d for d in drafts if d["gated"] and d["status"] == MessageStatus.DRAFT.value]
    if pending:  # the run row says it waits (written again, unchanged but for new tokens, when a resume re-enters)
        from account_intel.graph.records import write_run_record

        write_run_record(runtime.context, {**state, "drafts": drafts}, status="awaiting_approval")
    while pending:
        interrupt(
            {
                "thread_id": state.get("thread_id"),
                "account_id": state["account_id"],
                "reason": "outbound message to a gated recipient needs a human approval",
                "drafts": pending,
            }
        )
        drafts = refresh_drafts(runtime.context, drafts)
        pending = [d for d in drafts if d["gated"] and d["status"] == MessageStatus.DRAFT.value]
    return Command(goto="deliver", update={"drafts": drafts, "status": "running"})


def deliver(state: AccountState, runtime: Runtime[GraphContext]) -> Command[Literal["record_run"]]:
    """Send approved and ungated drafts through the outbox (SMTP when configured, else .eml files)."""
    from account_intel.deliverables.outreach import deliver_drafts, refresh_drafts

    sent = deliver_drafts(runtime.context, state.get("drafts", []))
    drafts = refresh_drafts(runtime.context, state.get("drafts", []))
    return Command(goto="record_run", update={"delivered": sent, "drafts": drafts})


def record_run(state: AccountState, runtime: Runtime[GraphContext]) -> Command[Literal["__end__"]]:
    """Store the run record: status, brains used and fallbacks, tokens, grounding, deliverables."""
    from account_intel.graph.records import write_run_record

    status = "failed" if state.get("status") == "failed" else "completed"
    write_run_record(runtime.context, state, status=status)
    return Command(goto="__end__", update={"status": status})


def _task(state: AccountState) -> dict[str, object]:
    return {
        "account_id": state["account_id"],
        "as_of": date.fromisoformat(state["as_of"]),
        "kind": state.get("kind", "brief"),
        "health": state.get("health"),
        "placement": state.get("placement"),
        "thread_id": state.get("thread_id"),
    }
