"""The daily trigger scan: detect, fire each trigger once, act, and flag QBR packets that are late.

1. Detect, set-based: the portfolio's facts in chunks (`iter_portfolio_facts`), the previous weekly snapshots per
   chunk, and the pure rules of `trigger_detect` per account. Only active accounts.
2. Fire: a `trigger_firings` row per new key (insert-or-ignore, so two scans never fire one key twice) and one
   `trigger.fired` event with it, in the same transaction.
3. Act on the firings not yet acted on (new, or failed on an earlier day, up to three attempts): `qbr_packet` runs
   the per-account graph with kind "qbr" on thread `qbr:<account>:<qbr-date>`; `t1_play` runs a T1 account's brief
   now; `csm_task` opens a task for the account's CSM; `next_weekly` waits for the weekly run, which marks it done.
4. Late packets: a QBR within 7 days whose QBR thread has not completed is late: one `qbr.packet_late` event per
   thread, and a line in every day's summary until it is ready.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from account_intel.agents.brains import Brain
from account_intel.analytics.facts import iter_portfolio_facts, load_catalog
from account_intel.analytics.health.config import load_weights
from account_intel.analytics.health.score import score_only
from account_intel.analytics.health.snapshots import previous_snapshots
from account_intel.analytics.signals.models import load_signal_config
from account_intel.clock import Clock
from account_intel.domain.enums import AccountStatus, MessageStatus, TaskStatus
from account_intel.llm.factory import LLMFactory
from account_intel.pipeline.ids import new_id
from account_intel.runs.brief import run_brief
from account_intel.runs.trigger_detect import (
    QBR_READY_DAYS,
    Detection,
    decline_trigger,
    expansion_triggers,
    qbr_trigger,
)
from account_intel.settings import Settings
from account_intel.store.as_of import active_on
from account_intel.store.engine import Store
from account_intel.store.events import record_event
from account_intel.store.models import Account, AgentRun, Event, OutboundMessage, Task, TriggerFiring

ACTOR = "trigger-scan"
MAX_ATTEMPTS = 3
RUNNABLE = ("qbr_packet", "t1_play", "csm_task")
CHUNK = 500


class FiredTrigger(BaseModel):
    """A firing and what the scan did about it."""

    key: str
    account_id: str
    trigger: str
    action: str
    status: str = Field(description="open (next_weekly), done, awaiting_approval, failed.")
    new: bool = Field(description="Fired by this scan (False: an earlier firing acted on again).")
    summary: str = ""
    result: str | None = Field(default=None, description="Thread id of a packet or brief, or the task id.")
    error: str | None = None


class LatePacket(BaseModel):
    """A QBR within 7 days whose packet thread has not completed."""

    account_id: str
    qbr_date: date
    thread_id: str
    reason: str
    flagged_now: bool = Field(description="The qbr.packet_late event was written by this scan.")


class TriggerScanSummary(BaseModel):
    """The outcome of one daily scan."""

    day: date
    accounts_scanned: int
    fired: list[FiredTrigger] = Field(default_factory=list, description="Firings new today and firings acted on.")
    by_trigger: dict[str, int] = Field(default_factory=dict, description="New firings per trigger.")
    late: list[LatePacket] = Field(default_factory=list)
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        """0, or 3 when an action failed (the firing stays; the next scan retries it)."""
        return 3 if any(f.status == "failed" for f in self.fired) else 0


@dataclass
class ScanHooks:
    """Progress callbacks for an entry point: a phase starts with a total, then advances."""

    phase: Callable[[str, int], None] = field(default=lambda name, total: None)
    advance: Callable[[int], None] = field(default=lambda n: None)


def detect(store: Store, *, day: date, settings: Settings, hooks: ScanHooks) -> tuple[int, list[Detection]]:
    """Every trigger that holds today, over the active portfolio in chunks."""
    config = load_signal_config(home=settings.home)
    health = load_weights(home=settings.home)
    scanned, found = 0, []
    with store.sessions() as session:
        catalog = load_catalog(session)
        for facts_list in iter_portfolio_facts(session, day, chunk_size=CHUNK):
            active = [f for f in facts_list if f.status == AccountStatus.ACTIVE.value]
            previous = previous_snapshots(
                session, account_ids=[f.account_id for f in active], before=day, weights_name=health.name
            )
            for facts in active:
                found += qbr_trigger(facts, config)
                found += expansion_triggers(facts, catalog, config)
                before = previous.get(facts.account_id)
                if before is not None:
                    quick = score_only(facts, catalog, health)
                    found += decline_trigger(facts, catalog, quick, before, config, health)
            scanned += len(active)
            hooks.advance(len(facts_list))
    return scanned, found


def _insert(session: Session) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def fire(store: Store, detections: list[Detection], *, day: date, clock: Clock) -> list[Detection]:
    """Insert the firings not yet stored (insert-or-ignore on the key, in bulk) and a `trigger.fired` event for each
    row actually inserted, in the same transaction."""
    new: list[Detection] = []
    at = clock.now()
    for start in range(0, len(detections), CHUNK):
        chunk = list({d.key: d for d in detections[start : start + CHUNK]}.values())
        with store.transaction() as session:
            known = set(session.scalars(select(TriggerFiring.key).where(TriggerFiring.key.in_([d.key for d in chunk]))))
            fresh = [d for d in chunk if d.key not in known]
            if not fresh:
                continue
            rows = [
                {
                    "key": d.key,
                    "account_id": d.account_id,
                    "trigger": d.trigger,
                    "period": d.period[:32],
                    "fired_on": day,
                    "due_on": d.due_on,
                    "action": d.action,
                    "status": "open",
                    "payload": d.model_dump(mode="json", include={"summary", "strength", "evidence_ids", "data"}),
                }
                for d in fresh
            ]
            stmt = _insert(session)(TriggerFiring).on_conflict_do_nothing().returning(TriggerFiring.key)
            inserted = set(session.scalars(stmt, rows))  # a key another scan fired a moment ago is not returned
            for d in fresh:
                if d.key not in inserted:
                    continue
                record_event(
                    session,
                    kind="trigger.fired",
                    at=at,
                    account_id=d.account_id,
                    entity_type="trigger",
                    entity_id=d.key,
                    actor=ACTOR,
                    payload={"trigger": d.trigger, "period": d.period, "action": d.action, "summary": d.summary},
                )
                new.append(d)
    return new


def _pending(store: Store, day: date) -> list[TriggerFiring]:
    with store.sessions() as session:
        stmt = (
            select(TriggerFiring)
            .where(
                TriggerFiring.action.in_(RUNNABLE),
                TriggerFiring.status.in_(("open", "failed")),
                TriggerFiring.fired_on <= day,
            )
            .order_by(TriggerFiring.fired_on, TriggerFiring.key)
        )
        rows = list(session.scalars(stmt))
    past = {r.key for r in rows if r.action == "qbr_packet" and date.fromisoformat(r.period) < day}  # QBR is over
    return [r for r in rows if r.key not in past and r.payload.get("attempts", 0) < MAX_ATTEMPTS]


def _settle(store: Store, key: str, *, status: str, result: str | None, error: str | None) -> None:
    with store.transaction() as session:
        firing = session.get(TriggerFiring, key)
        assert firing is not None
        attempts = firing.payload.get("attempts", 0) + 1
        firing.status = status
        firing.payload = {**firing.payload, "attempts": attempts, "result": result, "error": error}


def _csm_task(store: Store, firing: TriggerFiring, clock: Clock) -> str:
    """Open a task for the account's CSM (the AE when there is none) and settle the firing, in one transaction."""
    at = clock.now()
    with store.transaction() as session:
        account = session.get(Account, firing.account_id)
        assert account is not None
        summary = firing.payload.get("summary", "health declined")
        task = Task(
            id=new_id(session, Task, prefix="TSK", sequence="task", at=at, width=6),
            account_id=account.id,
            title=f"Health decline at {account.name}: {summary}"[:200],
            kind="health_decline",
            due_date=firing.due_on,
            assignee_id=account.csm_id or account.ae_id,
            status=TaskStatus.OPEN,
            created_at=at,
        )
        session.add(task)
        row = session.get(TriggerFiring, firing.key)
        assert row is not None
        row.status = "done"
        row.payload = {**row.payload, "attempts": row.payload.get("attempts", 0) + 1, "result": task.id}
        return task.id


def act(
    store: Store,
    settings: Settings,
    *,
    day: date,
    brain: Brain,
    clock: Clock,
    llm: LLMFactory | None,
    hooks: ScanHooks,
) -> list[FiredTrigger]:
    """Run every pending action once; a failure is kept on the firing and retried by the next scan."""
    pending = _pending(store, day)
    hooks.phase("actions", len(pending))
    out_dir = Path(settings.home).expanduser() / "runs"
    outcomes: list[FiredTrigger] = []
    for firing in pending:
        result: str | None = None
        error: str | None = None
        try:
            if firing.action == "csm_task":
                result, status = _csm_task(store, firing, clock), "done"
            else:
                kind: Literal["brief", "qbr"] = "qbr" if firing.action == "qbr_packet" else "brief"
                brief = run_brief(
                    store=store,
                    settings=settings,
                    account=firing.account_id,
                    as_of=day,
                    brain=brain,
                    out_dir=out_dir,
                    clock=clock,
                    llm=llm,
                    kind=kind,
                )
                result = brief.thread_id
                status = {"completed": "done", "awaiting_approval": "awaiting_approval"}.get(brief.status, "failed")
                error = brief.error if status == "failed" else None
        except Exception as exc:  # one account's failure must not stop the scan; the next scan retries it
            status, error = "failed", f"{type(exc).__name__}: {exc}"[:1000]
        if firing.action != "csm_task" or status == "failed":
            _settle(store, firing.key, status=status, result=result, error=error)
        outcomes.append(
            FiredTrigger(
                key=firing.key,
                account_id=firing.account_id,
                trigger=firing.trigger,
                action=firing.action,
                status=status,
                new=False,
                summary=firing.payload.get("summary", ""),
                result=result,
                error=error,
            )
        )
        hooks.advance(1)
    return outcomes


def late_packets(store: Store, *, day: date, clock: Clock) -> list[LatePacket]:
    """QBRs within 7 days whose `qbr:<account>:<date>` thread has not completed; flag each thread once."""
    horizon = day + timedelta(days=QBR_READY_DAYS)
    with store.transaction() as session:
        due = session.execute(
            select(Account.id, Account.next_qbr_date).where(
                active_on(day), Account.next_qbr_date >= day, Account.next_qbr_date <= horizon
            )
        ).all()
        threads: dict[str, tuple[str, date]] = {f"qbr:{a}:{qbr.isoformat()}": (a, qbr) for a, qbr in due if qbr}
        ids = list(threads)
        runs = {r.thread_id: r for r in session.scalars(select(AgentRun).where(AgentRun.thread_id.in_(ids)))}
        waiting = set(
            session.scalars(
                select(OutboundMessage.thread_id).where(
                    OutboundMessage.thread_id.in_(ids), OutboundMessage.status == MessageStatus.DRAFT
                )
            )
        )
        flagged = set(
            session.scalars(select(Event.entity_id).where(Event.kind == "qbr.packet_late", Event.entity_id.in_(ids)))
        )
        late = []
        for tid, (account_id, qbr) in sorted(threads.items()):
            run = runs.get(tid)
            if run is not None and run.status == "completed":
                continue
            if run is not None:
                reason = f"{run.status}: {run.error}" if run.error else run.status
            elif tid in waiting:
                reason = "awaiting approval of the QBR invitation"
            else:
                reason = "packet not started or not finished"
            new = tid not in flagged
            if new:
                record_event(
                    session,
                    kind="qbr.packet_late",
                    at=clock.now(),
                    account_id=account_id,
                    entity_type="thread",
                    entity_id=tid,
                    actor=ACTOR,
                    payload={"qbr_date": qbr.isoformat(), "reason": reason, "days_to_qbr": (qbr - day).days},
                )
            late.append(LatePacket(account_id=account_id, qbr_date=qbr, thread_id=tid, reason=reason, flagged_now=new))
    return late


def run_triggers(
    *,
    store: Store,
    settings: Settings,
    day: date,
    brain: Brain,
    clock: Clock,
    llm: LLMFactory | None = None,
    hooks: ScanHooks | None = None,
) -> TriggerScanSummary:
    """The daily scan (see the module docstring); running it again the same day or the next fires nothing twice."""
    started = time.perf_counter()
    hooks = hooks or ScanHooks()
    with store.sessions() as session:
        total = session.scalar(select(func.count()).select_from(Account)) or 0
    hooks.phase("scan", total)
    scanned, detections = detect(store, day=day, settings=settings, hooks=hooks)
    new = fire(store, detections, day=day, clock=clock)
    fired = {
        d.key: FiredTrigger(
            key=d.key,
            account_id=d.account_id,
            trigger=d.trigger,
            action=d.action,
            status="open",
            new=True,
            summary=d.summary,
        )
        for d in new
    }
    for outcome in act(store, settings, day=day, brain=brain, clock=clock, llm=llm, hooks=hooks):
        fired[outcome.key] = outcome.model_copy(update={"new": outcome.key in fired})
    by_trigger: dict[str, int] = {}
    for d in new:
        by_trigger[d.trigger] = by_trigger.get(d.trigger, 0) + 1
    return TriggerScanSummary(
        day=day,
        accounts_scanned=scanned,
        fired=sorted(fired.values(), key=lambda f: f.key),
        by_trigger=dict(sorted(by_trigger.items())),
        late=late_packets(store, day=day, clock=clock),
        seconds=round(time.perf_counter() - started, 2),
    )
