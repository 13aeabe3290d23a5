"""The account brief use case: one account through the graph on its stable thread `brief:<account>:<as-of>`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from account_intel.agents.brains import Brain
from account_intel.agents.schemas import HealthAssessment, OpportunityFindings, SegmentPlacement
from account_intel.clock import Clock
from account_intel.graph.build import build_account_graph
from account_intel.graph.checkpoint import open_checkpointer
from account_intel.graph.state import AccountState, thread_id
from account_intel.llm.factory import LLMFactory
from account_intel.runs.brief_key import inputs_key
from account_intel.runs.engine import RunEnvironment, make_environment, run_thread
from account_intel.settings import Settings
from account_intel.store.accounts import find_account
from account_intel.store.engine import Store


class BriefResult(BaseModel):
    """The outcome of one account's run: the agents' grounded outputs, drafts, deliverables and usage."""

    account_id: str
    thread_id: str
    status: str
    health: HealthAssessment | None = None
    placement: SegmentPlacement | None = None
    findings: OpportunityFindings | None = None
    grounding: dict[str, Any] = Field(default_factory=dict)
    drafts: list[dict[str, Any]] = Field(default_factory=list)
    deliverables: dict[str, str] = Field(default_factory=dict)
    brains: dict[str, Any] = Field(default_factory=dict)
    tokens: dict[str, int] = Field(default_factory=dict)
    markdown: str = ""
    interrupts: list[dict[str, Any]] = Field(default_factory=list)
    error: str | None = None
    cached: bool = Field(default=False, description="True when an earlier run with the same inputs was returned.")
    computed_at: str | None = Field(default=None, description="When the deliverable was computed (UTC, ISO 8601).")
    inputs_key: str | None = Field(default=None, description="Digest of everything the deliverable depends on.")


def result_from_state(values: dict[str, Any], env: RunEnvironment) -> BriefResult:
    """A BriefResult from a thread's final state."""
    md_path = values.get("deliverables", {}).get("brief_md")
    markdown = Path(md_path).read_text(encoding="utf-8") if md_path and Path(md_path).exists() else ""
    usage = env.runner.ledger.per_account().get(values["account_id"], {})
    return BriefResult(
        account_id=values["account_id"],
        thread_id=values["thread_id"],
        status=values.get("status", "unknown"),
        health=values.get("health"),
        placement=values.get("placement"),
        findings=values.get("findings"),
        grounding=values.get("grounding", {}),
        drafts=values.get("drafts", []),
        deliverables=values.get("deliverables", {}),
        brains=values.get("brains", {}),
        tokens={
            "calls": usage.get("calls", 0),
            "input_tokens": usage.get("input_tokens", 0),
            "output_tokens": usage.get("output_tokens", 0),
        },
        markdown=markdown,
        interrupts=values.get("interrupts", []),
        error=values.get("error"),
        cached=bool(values.get("cached", False)),
        computed_at=values.get("computed_at"),
        inputs_key=values.get("inputs_key"),
    )


def run_brief(
    *,
    store: Store,
    settings: Settings,
    account: str,
    as_of: date,
    brain: Brain,
    out_dir: Path,
    clock: Clock,
    llm: LLMFactory | None = None,
    kind: Literal["brief", "qbr"] = "brief",
    sleep: Any = None,
    refresh: bool = False,
    monotonic: Any = None,
    on_node: Callable[[str], None] | None = None,
) -> BriefResult:
    """Brief (or QBR packet) for one account; rerunning it with the same inputs (`brief_key`) returns the same
    thread's result, marked cached; changed inputs, or `refresh`, compute a new one on a thread of its own.
    `on_node` is told each graph node's name as it finishes (nothing runs, so nothing is told, for a cached one)."""
    with store.sessions() as session:
        found = find_account(session, account)
        account_id, qbr_date = found.id, found.next_qbr_date
    env = make_environment(
        store=store, settings=settings, brain=brain, out_dir=out_dir, clock=clock, llm=llm, sleep=sleep,
        monotonic=monotonic,
    )  # fmt: skip
    base = thread_id(kind, account_id, as_of=as_of.isoformat(), qbr_date=qbr_date.isoformat() if qbr_date else None)
    key = inputs_key(store=store, settings=settings, account_id=account_id, as_of=as_of, kind=kind, brain=brain)
    now = clock.now()
    with open_checkpointer(store.url, settings.home, busy_timeout=store.busy_timeout) as saver:
        graph = build_account_graph(saver)
        tid, cached = pick_thread(graph, base, key, refresh=refresh, stamp=now.strftime("%Y%m%dT%H%M%S"))
        initial: AccountState = {
            "account_id": account_id,
            "as_of": as_of.isoformat(),
            "kind": kind,
            "thread_id": tid,
            "brain": brain,
            "inputs_key": key,
            "computed_at": now.isoformat(timespec="seconds"),
        }
        values = run_thread(graph, env, initial, on_node=on_node)
    return result_from_state({**values, "cached": cached}, env)


def _finished(graph: Any, tid: str) -> tuple[bool, str | None]:
    """Whether a thread has state, and the inputs key it was computed with."""
    snapshot = graph.get_state({"configurable": {"thread_id": tid}})
    return bool(snapshot.values), snapshot.values.get("inputs_key") if snapshot.values else None


def pick_thread(graph: Any, base: str, key: str, *, refresh: bool, stamp: str) -> tuple[str, bool]:
    """The thread to run: the stable one while unused or computed with the same key (cached when finished), else a
    thread named by the key; `refresh` always starts a new one."""
    if refresh:
        return f"{base}~{key[:10]}~{stamp}", False
    for tid in (base, f"{base}~{key[:10]}"):
        used, stored = _finished(graph, tid)
        if not used:
            return tid, False
        if stored == key:
            snapshot = graph.get_state({"configurable": {"thread_id": tid}})
            return tid, not snapshot.next
    return f"{base}~{key[:10]}~{stamp}", False
