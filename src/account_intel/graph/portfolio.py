"""The portfolio graph: `plan_accounts` -> one `Send("run_account")` per account -> `summarize_portfolio`.

Each `run_account` runs the per-account graph on the account's own stable thread (`weekly:<iso-week>:<account>`)
through `runs.engine.run_thread`, so a thread whose run record says it completed is not run again and any other
thread continues from its checkpoint. Each thread is first claimed with a lease (`store.leases`): a thread another
process holds becomes a `claimed` item and is left to it. Any exception is caught and becomes a `failed` item: one
account never sinks the run. Items fan in through an `operator.add` reducer; `{"max_concurrency": N}` in the
invoke config bounds how many accounts run at once. The portfolio graph itself keeps no checkpoint: durability
lives in the per-account threads, and a rerun simply plans again.

The per-account graph is compiled once, with the checkpointer, and shared by every `run_account` call (it travels
in the runtime context with the run environment; state holds only serialisable data).
"""

from __future__ import annotations

import operator
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal, TypedDict

from langchain_core.runnables import RunnableConfig
from langgraph.graph import START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime
from langgraph.types import Send
from pydantic import BaseModel, Field

from account_intel.domain.enums import MessageStatus
from account_intel.graph.concurrency import default_concurrency
from account_intel.graph.state import AccountState, RunKind, thread_id
from account_intel.runs import engine
from account_intel.store.leases import LeaseLost, Leases

ItemStatus = Literal["completed", "awaiting_approval", "failed", "skipped", "claimed"]
ITEM_STATUSES: tuple[ItemStatus, ...] = ("completed", "awaiting_approval", "failed", "skipped", "claimed")


class AccountRunItem(BaseModel):
    """What one account's branch reports back to the portfolio (the fan-in item)."""

    account_id: str
    thread_id: str
    status: ItemStatus = Field(
        description="completed or awaiting_approval (ran now), failed (error kept), skipped (finished earlier), "
        "claimed (another run is working on it now)."
    )
    held_by: str | None = Field(default=None, description="For a claimed account: the run that holds it.")
    error: str | None = Field(default=None, description="Exception type and message of a failed account.")
    previous_status: str | None = Field(default=None, description="For a skipped account: how its thread ended.")
    seconds: float = 0.0
    tokens: dict[str, int] = Field(default_factory=dict, description="Calls and tokens used in this process.")
    fallbacks: list[str] = Field(default_factory=list, description="Agents whose llm brain fell back to rules.")
    drafts_awaiting: list[str] = Field(default_factory=list, description="Gated draft ids waiting for a person.")
    deliverables: dict[str, str] = Field(default_factory=dict)


class AccountTask(TypedDict):
    """The payload of one `Send`: everything `run_account` needs, all serialisable."""

    account_id: str
    thread_id: str
    as_of: str
    kind: RunKind
    brain: str


class PortfolioState(TypedDict, total=False):
    """The portfolio run: the planned accounts, the fan-in of their items and the summary."""

    kind: RunKind
    as_of: str
    iso_week: str
    brain: str
    account_ids: list[str]
    planned: int
    results: Annotated[list[dict[str, Any]], operator.add]
    summary: dict[str, Any]


@dataclass
class PortfolioContext:
    """Live objects of a portfolio run: the shared environment, the compiled per-account graph and hooks."""

    env: engine.RunEnvironment
    account_graph: CompiledStateGraph
    summarize: Callable[[list[AccountRunItem], PortfolioState], dict[str, Any]] | None = None
    on_item: Callable[[AccountRunItem], None] | None = None
    leases: Leases | None = None


def iso_week(day: date) -> str:
    """ISO week label of a date, `2024-W48`: the idempotency period of the weekly run."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def plan_accounts(state: PortfolioState) -> dict[str, Any]:
    """Keep each account once, in order; the fan-out edge turns the plan into one Send per account."""
    ids = list(dict.fromkeys(state.get("account_ids", [])))
    return {"account_ids": ids, "planned": len(ids)}


def fan_out(state: PortfolioState) -> list[Send] | Literal["summarize_portfolio"]:
    """One `Send("run_account", task)` per planned account (straight to the summary when there is none)."""
    kind = state.get("kind", "weekly")
    as_of = state["as_of"]
    week = state.get("iso_week") or iso_week(date.fromisoformat(as_of))
    sends = [
        Send(
            "run_account",
            AccountTask(
                account_id=account_id,
                thread_id=thread_id(kind, account_id, as_of=as_of, iso_week=week),
                as_of=as_of,
                kind=kind,
                brain=state.get("brain", "rules"),
            ),
        )
        for account_id in state.get("account_ids", [])
    ]
    return sends or "summarize_portfolio"


def _finished(graph: CompiledStateGraph, env: engine.RunEnvironment, tid: str) -> dict[str, Any] | None:
    """The values of a thread whose run record says it completed, else None (the checkpoint alone never says so)."""
    from account_intel.graph.records import COMPLETED, run_status

    if run_status(env.store, tid) != COMPLETED:
        return None
    snapshot = graph.get_state({"configurable": {"thread_id": tid}})
    return {**snapshot.values, "status": COMPLETED}


def _item(task: AccountTask, values: dict[str, Any], status: ItemStatus, env: engine.RunEnvironment) -> AccountRunItem:
    usage = env.runner.ledger.per_account().get(task["account_id"], {})
    drafts = values.get("drafts", [])
    return AccountRunItem(
        account_id=task["account_id"],
        thread_id=task["thread_id"],
        status=status,
        error=values.get("error") if status == "failed" else None,
        tokens={k: usage.get(k, 0) for k in ("calls", "input_tokens", "output_tokens")} if status != "skipped" else {},
        fallbacks=sorted(name for name, rec in values.get("brains", {}).items() if rec.get("fallback")),
        drafts_awaiting=[
            d["message_id"] for d in drafts if d.get("gated") and d.get("status") == MessageStatus.DRAFT.value
        ],
        deliverables=values.get("deliverables", {}),
    )


def _record_failure(env: engine.RunEnvironment, task: AccountTask, error: str) -> None:
    """Keep the failure in agent_runs (status failed, with its error); a rerun resumes and overwrites it."""
    from account_intel.graph.records import write_run_record

    context = env.context_for(task["account_id"], date.fromisoformat(task["as_of"]), task["thread_id"])
    write_run_record(context, dict(task), status="failed", error=error)


def run_account(task: AccountTask, runtime: Runtime[PortfolioContext]) -> dict[str, Any]:
    """Claim, then run (or resume) one account's thread; any exception becomes a `failed` item instead of sinking
    the run, and a thread another run holds becomes a `claimed` item."""
    ctx = runtime.context
    started = time.perf_counter()
    holder = ctx.leases.claim(task["thread_id"]) if ctx.leases is not None else None
    if holder is not None:
        item = AccountRunItem(
            account_id=task["account_id"], thread_id=task["thread_id"], status="claimed", held_by=holder
        )
    else:
        try:
            item = _run_claimed(task, ctx)
        finally:
            if ctx.leases is not None:
                ctx.leases.release(task["thread_id"])
    item.seconds = round(time.perf_counter() - started, 3)
    if ctx.on_item is not None:
        ctx.on_item(item)
    return {"results": [item.model_dump(mode="json")]}


def _run_claimed(task: AccountTask, ctx: PortfolioContext) -> AccountRunItem:
    """The thread of a claimed account: skipped when its record says completed, else run or resumed."""
    leases = ctx.leases
    try:
        done = _finished(ctx.account_graph, ctx.env, task["thread_id"])
        if done is not None:
            item = _item(task, done, "skipped", ctx.env)
            item.previous_status = done.get("status")
            return item
        initial: AccountState = {**task}  # type: ignore[typeddict-item]
        renew = (lambda: leases.keep(task["thread_id"])) if leases is not None else None
        values = engine.run_thread(ctx.account_graph, ctx.env, initial, on_step=renew)
        status = values.get("status")
        return _item(task, values, status if status in ("completed", "awaiting_approval") else "failed", ctx.env)
    except LeaseLost:  # the other run finishes it; this one records nothing over its work
        holder = leases.holder(task["thread_id"]) if leases is not None else None
        return AccountRunItem(
            account_id=task["account_id"], thread_id=task["thread_id"], status="claimed", held_by=holder
        )
    except Exception as exc:  # one account's failure, whatever it is, must not sink the run
        error = f"{type(exc).__name__}: {exc}"[:1000]
        item = AccountRunItem(account_id=task["account_id"], thread_id=task["thread_id"], status="failed", error=error)
        try:
            _record_failure(ctx.env, task, error)
        except Exception as record_exc:  # the store itself may be what failed
            item.error = f"{error} (not recorded: {type(record_exc).__name__}: {record_exc})"[:1000]
        return item


def summarize_portfolio(state: PortfolioState, runtime: Runtime[PortfolioContext]) -> dict[str, Any]:
    """Counts by status, then the use case's portfolio report (pipeline, GRR/NRR, target list, capacity)."""
    items = [AccountRunItem.model_validate(row) for row in state.get("results", [])]
    counts = {status: 0 for status in ITEM_STATUSES}
    for item in items:
        counts[item.status] += 1
    summary: dict[str, Any] = {"planned": state.get("planned", 0), "counts": counts}
    if runtime.context.summarize is not None:
        summary.update(runtime.context.summarize(items, state))
    return {"summary": summary}


PortfolioGraph = CompiledStateGraph[PortfolioState, PortfolioContext, PortfolioState, PortfolioState]


def build_portfolio_graph() -> PortfolioGraph:
    """`plan_accounts -> Send(run_account) x N -> summarize_portfolio`; no checkpointer (see the module doc)."""
    graph = StateGraph(PortfolioState, context_schema=PortfolioContext)
    graph.add_node("plan_accounts", plan_accounts)
    graph.add_node("run_account", run_account)  # type: ignore[arg-type]  # a Send node takes its task, not the state
    graph.add_node("summarize_portfolio", summarize_portfolio)
    graph.add_edge(START, "plan_accounts")
    graph.add_conditional_edges("plan_accounts", fan_out, ["run_account", "summarize_portfolio"])
    graph.add_edge("run_account", "summarize_portfolio")
    return graph.compile(name="portfolio")


def run_portfolio(
    context: PortfolioContext,
    *,
    account_ids: list[str],
    as_of: date,
    brain: str,
    kind: RunKind = "weekly",
    concurrency: int | None = None,
) -> PortfolioState:
    """Fan the accounts out under `max_concurrency` and return the final portfolio state (items and summary)."""
    initial: PortfolioState = {
        "kind": kind,
        "as_of": as_of.isoformat(),
        "iso_week": iso_week(as_of),
        "brain": brain,
        "account_ids": account_ids,
        "results": [],
    }
    bound = default_concurrency(brain) if concurrency is None else concurrency
    config: RunnableConfig = {"max_concurrency": max(1, bound), "recursion_limit": 10}
    return build_portfolio_graph().invoke(initial, config, context=context)  # type: ignore[return-value]
