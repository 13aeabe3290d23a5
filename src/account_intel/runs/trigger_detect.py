"""Which expansion and risk triggers fire on a day: pure functions over `AccountFacts`, each with its key.

A firing's key names the account, the trigger and its period, so the daily scan fires each one once:
`qbr_d30:<account>:<qbr-date>`, `renewal_180:<account>:<renewal-date>`, `nps_8:<account>:<survey-id>`,
`spike:<account>:<feature>:<quarter>`, `new_dept:<account>:<department>`, `whitespace:<account>:<quarter>` and
`health_decline:<account>:<iso-week>`. The action says what the scan does about it: `qbr_packet` (start the QBR
packet, due 7 days before the QBR), `t1_play` (a T1 account's brief, now), `csm_task` (a task for the CSM) or
`next_weekly` (the next weekly brief covers it).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from account_intel.analytics.facts import AccountFacts, Catalog
from account_intel.analytics.health.config import HealthConfig
from account_intel.analytics.health.models import HealthSnapshotData, QuickHealth
from account_intel.analytics.health.score import compute_health
from account_intel.analytics.signals import rules as rules
from account_intel.analytics.signals.account import decline_signals
from account_intel.analytics.signals.models import Signal, SignalConfig
from account_intel.analytics.whitespace.map import potential_only
from account_intel.domain.qbr_timing import QBR_READY_DAYS

Action = Literal["qbr_packet", "t1_play", "csm_task", "next_weekly"]
WHITESPACE_MIN_RATIO = Decimal("0.5")  # whitespace potential >= 50% of the current contract value


class Detection(BaseModel):
    """A trigger that holds for an account on the scan day, before the store says whether it already fired."""

    key: str = Field(description="Unique per account, trigger and period.")
    account_id: str
    trigger: str
    period: str
    action: Action
    due_on: date | None = None
    summary: str
    strength: float = 0.0
    evidence_ids: list[str] = Field(default_factory=list)
    data: dict[str, Any] = Field(default_factory=dict)


def quarter(day: date) -> str:
    """Calendar quarter label, `2024Q4`."""
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def week_label(day: date) -> str:
    """ISO week label, `2024-W48`."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _detection(
    facts: AccountFacts, signal: Signal, trigger: str, period: str, action: Action, **extra: Any
) -> Detection:
    return Detection(
        key=f"{trigger}:{facts.account_id}:{period}",
        account_id=facts.account_id,
        trigger=trigger,
        period=period,
        action=action,
        summary=signal.summary,
        strength=signal.strength,
        evidence_ids=signal.evidence_ids[:10],
        data={k: v for k, v in signal.data.items() if v is not None},
        **extra,
    )


def expansion_triggers(facts: AccountFacts, catalog: Catalog, config: SignalConfig) -> list[Detection]:
    """Usage spike, NPS >= 8, renewal in 180 days, new-department contact and whitespace: the T1 play for a T1
    account (its brief now), the next weekly brief for the others."""
    action: Action = "t1_play" if facts.tier == "T1" else "next_weekly"
    found: list[Detection] = []
    for s in rules.usage_spike(facts, catalog, config.usage_spike):
        found.append(_detection(facts, s, "spike", f"{s.feature or s.data.get('metric')}:{quarter(s.date)}", action))
    for s in rules.satisfaction(facts, config.satisfaction):
        if s.kind.value == "nps_promoter":
            found.append(_detection(facts, s, "nps_8", s.evidence[0].row_id, action))
    for s in rules.renewal_window(facts, config.renewal):
        found.append(_detection(facts, s, "renewal_180", s.date.isoformat(), action, due_on=s.date))
    for s in rules.new_department_contact(facts, config.new_department_contact):
        found.append(_detection(facts, s, "new_dept", str(s.data["department_id"]), action))
    acv, potential = potential_only(facts, catalog)
    base = acv if acv > 0 else facts.arr
    if potential > 0 and (not base or potential >= base * WHITESPACE_MIN_RATIO):
        for s in rules.whitespace_detected(facts, config.whitespace, potential, base or None, []):
            found.append(_detection(facts, s, "whitespace", quarter(facts.as_of), action))
    return found


def qbr_trigger(facts: AccountFacts, config: SignalConfig) -> list[Detection]:
    """QBR within 30 days (D-30): start the QBR packet, due 7 days before the QBR."""
    return [
        _detection(
            facts, s, "qbr_d30", s.date.isoformat(), "qbr_packet", due_on=s.date - timedelta(days=QBR_READY_DAYS)
        )
        for s in rules.qbr_upcoming(facts, config.qbr)
    ]


def decline_trigger(
    facts: AccountFacts,
    catalog: Catalog,
    quick: QuickHealth,
    previous: HealthSnapshotData | None,
    config: SignalConfig,
    health: HealthConfig,
) -> list[Detection]:
    """Health decline against the last weekly snapshot (band drop or >= 10 points): flagged at once, a CSM task.

    The score-only path finds it; only then is the full health computed, for the components that fell and their
    evidence."""
    if previous is None:
        return []
    quick_hits = rules.health_decline(
        as_of=facts.as_of,
        score=quick.score,
        band=quick.band,
        previous_score=previous.score,
        previous_band=previous.band.value,
        previous_week=previous.week,
        rule=config.health_decline,
    )
    if not quick_hits:
        return []
    signals = decline_signals(compute_health(facts, catalog, health), previous, config) or quick_hits
    return [
        _detection(facts, s, "health_decline", week_label(facts.as_of), "csm_task", due_on=facts.as_of + timedelta(2))
        for s in signals
    ]
