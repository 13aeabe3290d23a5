"""The weekly run: every account in scope through the graph once per ISO week, then the portfolio report.

Steps: select the accounts (active, and matching the segment expression evaluated on set-based portfolio rows), store
this week's health snapshots for them (so next week's "why it moved" and the daily health-decline trigger have a
baseline), fan the accounts out through the portfolio graph (`graph.portfolio`), then summarise: counts by status,
tokens, fallbacks, drafts awaiting approval, and the portfolio report under `<home>/runs/weekly-<iso-week>/`.

Idempotent per ISO week: each account runs on thread `weekly:<iso-week>:<account>`; a thread whose run record says
it completed is not run again (it is reported as `skipped`), any other thread resumes from its checkpoint or starts
again, and drafts are created once per thread, contact and purpose. Overlapping runs are safe: a run claims each
thread with a lease, and a thread another run holds is reported as `claimed`. The week's counts are read from the
run records. Queued trigger firings (action `next_weekly`) of accounts whose brief finished are marked done.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select, update

from account_intel.agents.brains import Brain
from account_intel.analytics.facts import iter_portfolio_facts, load_catalog, load_facts
from account_intel.analytics.health.config import HealthConfig, load_weights
from account_intel.analytics.health.overrides import active_overrides
from account_intel.analytics.health.score import compute_health, score_only
from account_intel.analytics.health.snapshots import save_snapshots
from account_intel.analytics.portfolio.scan import ScanSpec, segment_mask
from account_intel.analytics.propensity.config import load_propensity_config
from account_intel.analytics.propensity.fast import ScanConfig, fast_candidates
from account_intel.analytics.segments.filter import compile_segment
from account_intel.analytics.signals.mention_store import refresh_mentions
from account_intel.analytics.signals.models import load_signal_config
from account_intel.clock import Clock
from account_intel.domain.enums import AccountStatus
from account_intel.domain.tiering import Thresholds
from account_intel.graph.build import build_account_graph
from account_intel.graph.checkpoint import open_checkpointer
from account_intel.graph.portfolio import (
    ITEM_STATUSES,
    AccountRunItem,
    PortfolioContext,
    PortfolioState,
    default_concurrency,
    iso_week,
    run_portfolio,
)
from account_intel.llm.factory import LLMFactory
from account_intel.runs.engine import RunEnvironment, make_environment
from account_intel.runs.weekly_report import write_weekly_report
from account_intel.settings import Settings
from account_intel.store.accounts import arr_by_account
from account_intel.store.as_of import active_on
from account_intel.store.engine import Store
from account_intel.store.leases import Leases
from account_intel.store.models import Account, AgentRun, TriggerFiring

CHUNK = 500
ZERO = Decimal("0.00")


class AccountFailure(BaseModel):
    """An account whose run failed, with its error (rerun the week to retry it)."""

    account_id: str
    thread_id: str
    error: str | None


class AwaitingDraft(BaseModel):
    """A gated outbound draft waiting for a person (`account-intel approvals show ID`)."""

    account_id: str
    message_id: str


class ClaimedAccount(BaseModel):
    """An account this run skipped because another run holds its thread."""

    account_id: str
    held_by: str | None


class WeeklySummary(BaseModel):
    """The outcome of one weekly run (this process) and where its portfolio report was written."""

    run_id: str = Field(description="weekly-<iso-week>: the idempotency key of the run.")
    iso_week: str
    as_of: date
    segment: str | None
    brain: str
    concurrency: int
    accounts: int = Field(description="Accounts in scope (planned).")
    counts: dict[str, int] = Field(
        description="Items by status this run: completed, awaiting_approval, failed, skipped, claimed."
    )
    week_counts: dict[str, int] = Field(
        description="The week's threads in scope by how their run records stand; unfinished: no record yet, or "
        "still running (in another run, or stopped midway)."
    )
    tokens: dict[str, int] = Field(description="Model calls and tokens used by this run.")
    fallbacks: int = Field(description="Agent runs whose llm brain fell back to rules.")
    fallback_accounts: list[str] = Field(default_factory=list)
    drafts_awaiting: list[AwaitingDraft] = Field(default_factory=list)
    failures: list[AccountFailure] = Field(default_factory=list)
    claimed_elsewhere: list[ClaimedAccount] = Field(
        default_factory=list, description="Accounts another run was working on; that run reports them."
    )
    snapshots_stored: int = 0
    queued_triggers_done: int = Field(default=0, description="next_weekly trigger firings covered by this week's run.")
    report_md: str | None = None
    report_json: str | None = None
    seconds: float = Field(default=0.0, description="Wall time of the run (the report shows it up to the summary).")

    @property
    def exit_code(self) -> int:
        """0 when no account failed; 3 when some did (the run finished; a rerun retries only those)."""
        return 3 if self.failures else 0


@dataclass
class WeeklyHooks:
    """Progress callbacks for an entry point: a phase starts with a total, then advances."""

    phase: Callable[[str, int], None] = field(default=lambda name, total: None)
    advance: Callable[[int], None] = field(default=lambda n: None)


def weekly_folder(settings: Settings, week: str) -> Path:
    """`<home>/runs/weekly-<iso-week>/`: the report, and the account briefs under `accounts/`."""
    return Path(settings.home).expanduser() / "runs" / f"weekly-{week}"


def select_accounts(
    store: Store,
    *,
    as_of: date,
    segment: str | None,
    health: HealthConfig,
    thresholds: Thresholds,
    chunk_size: int = 2000,
) -> list[str]:
    """Active accounts in scope, by id. A segment expression is evaluated on the portfolio scan's rows (the same
    fields and values as `analytics.portfolio`), chunk by chunk and vectorised, never by walking ORM objects."""
    with store.sessions() as session:
        if not segment:
            stmt = select(Account.id).where(active_on(as_of)).order_by(Account.id)
            return list(session.scalars(stmt))
        compile_segment(segment)  # a bad expression fails here, pointing at the offending characters
        spec = ScanSpec(
            as_of=as_of,
            config=ScanConfig(load_propensity_config(), load_signal_config()),
            health=health,
            thresholds=thresholds,
            segment=segment,
        )
        catalog = load_catalog(session)
        chosen: list[str] = []
        for facts_list in iter_portfolio_facts(session, as_of, chunk_size=chunk_size, scan=True):
            active = [f for f in facts_list if f.status == AccountStatus.ACTIVE.value]
            ids = [f.account_id for f in active]
            arr = arr_by_account(session, as_of, ids)
            overrides = active_overrides(session, account_ids=ids, as_of=as_of) if ids else {}
            rows = []
            for facts in active:
                quick = score_only(facts, catalog, health)
                override = overrides.get(facts.account_id)
                band = override.band.value if override is not None and override.band is not None else quick.band
                score = float(override.score) if override is not None and override.score is not None else quick.score
                found = (
                    []
                    if band == "Red"
                    else fast_candidates(facts, catalog, quick, band, spec.config, counted_only=True)
                )
                rows.append((facts, quick, band, score, arr.get(facts.account_id, ZERO), found))
            chosen += [row[0].account_id for row, keep in zip(rows, segment_mask(rows, spec), strict=True) if keep]
        return chosen


def store_weekly_snapshots(
    store: Store,
    *,
    account_ids: list[str],
    as_of: date,
    config: HealthConfig,
    clock: Clock,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """This ISO week's health snapshot of each account (an upsert: a rerun replaces, never duplicates).

    Chunks follow the store's contiguous id ranges (the facts loader reads by range), so accounts scattered by a
    segment cost at most one pass over the portfolio."""
    stored = 0
    at = clock.now()
    wanted = set(account_ids)
    with store.sessions() as session:
        catalog = load_catalog(session)
        every = list(session.scalars(select(Account.id).order_by(Account.id)))
    for start in range(0, len(every), CHUNK):
        chunk = [a for a in every[start : start + CHUNK] if a in wanted]
        if not chunk:
            continue
        with store.transaction() as session:
            facts = load_facts(session, as_of, chunk)
            results = [compute_health(facts[a], catalog, config) for a in chunk if a in facts]
            stored += save_snapshots(session, results=results, at=at)
        if on_progress is not None:
            on_progress(len(chunk))
    return stored


def mark_queued_triggers(store: Store, *, account_ids: list[str], as_of: date) -> int:
    """Open `next_weekly` firings of accounts whose weekly brief finished: this week's brief covered them."""
    done = 0
    for start in range(0, len(account_ids), CHUNK):
        with store.transaction() as session:
            result = session.execute(
                update(TriggerFiring)
                .where(
                    TriggerFiring.account_id.in_(account_ids[start : start + CHUNK]),
                    TriggerFiring.action == "next_weekly",
                    TriggerFiring.status == "open",
                    TriggerFiring.fired_on <= as_of,
                )
                .values(status="done")
            )
            done += result.rowcount or 0  # type: ignore[attr-defined]
    return done


WEEK_STANDINGS = ("completed", "awaiting_approval", "failed")


def week_counts(store: Store, thread_ids: list[str]) -> dict[str, int]:
    """How the given threads stand by their run records, so the week's counts cannot disagree with agent_runs."""
    counts = {s: 0 for s in (*WEEK_STANDINGS, "unfinished")}
    found: dict[str, str] = {}
    with store.sessions() as session:
        for start in range(0, len(thread_ids), CHUNK):
            chunk = thread_ids[start : start + CHUNK]
            stmt = select(AgentRun.thread_id, AgentRun.status).where(AgentRun.thread_id.in_(chunk))
            found.update((tid, status) for tid, status in session.execute(stmt))
    for tid in thread_ids:
        status = found.get(tid)
        counts[status if status in WEEK_STANDINGS else "unfinished"] += 1
    return counts


def _summarise(items: list[AccountRunItem], env: RunEnvironment) -> dict[str, Any]:
    """The run's counts, tokens, fallbacks, drafts awaiting approval and failures (JSON-ready)."""
    counts = {s: 0 for s in ITEM_STATUSES}
    for item in items:
        counts[item.status] += 1
    ran = [i for i in items if i.status not in ("skipped", "claimed")]
    return {
        "counts": counts,
        "week_counts": week_counts(env.store, [i.thread_id for i in items]),
        "tokens": env.runner.ledger.totals(),
        "fallbacks": sum(len(i.fallbacks) for i in ran),
        "fallback_accounts": sorted(i.account_id for i in ran if i.fallbacks),
        "drafts_awaiting": [{"account_id": i.account_id, "message_id": m} for i in items for m in i.drafts_awaiting],
        "failures": [
            {"account_id": i.account_id, "thread_id": i.thread_id, "error": i.error}
            for i in items
            if i.status == "failed"
        ],
        "claimed_elsewhere": [
            {"account_id": i.account_id, "held_by": i.held_by} for i in items if i.status == "claimed"
        ],
    }


def run_weekly(
    *,
    store: Store,
    settings: Settings,
    as_of: date,
    brain: Brain,
    clock: Clock,
    segment: str | None = None,
    concurrency: int | None = None,
    llm: LLMFactory | None = None,
    hooks: WeeklyHooks | None = None,
    sleep: Any = None,
) -> WeeklySummary:
    """Run the week (see the module docstring); rerunning the same ISO week finishes what is left, nothing more."""
    started = time.perf_counter()
    hooks = hooks or WeeklyHooks()
    concurrency = default_concurrency(brain) if concurrency is None else concurrency
    week = iso_week(as_of)
    folder = weekly_folder(settings, week)
    health = load_weights(home=settings.home)
    thresholds = Thresholds.from_settings(settings)
    refresh_mentions(store, home=settings.home)
    account_ids = select_accounts(store, as_of=as_of, segment=segment, health=health, thresholds=thresholds)
    hooks.phase("snapshots", len(account_ids))
    snapshots = store_weekly_snapshots(
        store, account_ids=account_ids, as_of=as_of, config=health, clock=clock, on_progress=hooks.advance
    )
    env = make_environment(
        store=store, settings=settings, brain=brain, out_dir=folder / "accounts", clock=clock, llm=llm, sleep=sleep
    )

    def summarize(items: list[AccountRunItem], state: PortfolioState) -> dict[str, Any]:
        hooks.phase("report", 0)
        finished = [i.account_id for i in items if "completed" in (i.status, i.previous_status)]
        summary = WeeklySummary(
            run_id=f"weekly-{week}",
            iso_week=week,
            as_of=as_of,
            segment=segment,
            brain=brain,
            concurrency=concurrency,
            accounts=state.get("planned", len(items)),
            snapshots_stored=snapshots,
            queued_triggers_done=mark_queued_triggers(store, account_ids=finished, as_of=as_of),
            seconds=round(time.perf_counter() - started, 2),
            **_summarise(items, env),
        )
        paths = write_weekly_report(
            store, settings, folder=folder, summary=summary, items=items, health=health, thresholds=thresholds
        )
        return summary.model_copy(update=paths).model_dump(mode="json")

    hooks.phase("accounts", len(account_ids))
    with open_checkpointer(store.url, settings.home, busy_timeout=store.busy_timeout) as saver:
        context = PortfolioContext(
            env=env,
            account_graph=build_account_graph(saver),
            summarize=summarize,
            on_item=lambda item: hooks.advance(1),
            leases=Leases(store, seconds=settings.run_lease_seconds),
        )
        final = run_portfolio(
            context, account_ids=account_ids, as_of=as_of, brain=brain, kind="weekly", concurrency=concurrency
        )
    summary = WeeklySummary.model_validate(final["summary"])
    return summary.model_copy(update={"seconds": round(time.perf_counter() - started, 2)})
