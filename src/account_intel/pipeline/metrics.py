"""Pipeline metrics against the pipeline's success targets: time to close by type, win rate by stage reached,
and per owner and quarter: identified, qualified and won counts and expansion revenue as % of portfolio ARR."""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, Field
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from account_intel.domain.enums import OpportunityStage as Stage
from account_intel.domain.enums import OpportunityType
from account_intel.errors import ValidationFailed
from account_intel.pipeline.stages import OPEN_STAGES, STAGE_NAME, rank
from account_intel.store.accounts import arr_by_account
from account_intel.store.models import Account, Opportunity, OpportunityStageChange, User

TIME_TO_CLOSE_WEEKS: dict[OpportunityType, tuple[int, int]] = {
    OpportunityType.VOLUME_INCREASE: (1, 2),
    OpportunityType.RATE_INCREASE: (2, 3),
    OpportunityType.CONTRACT_EXTENSION: (2, 4),
    OpportunityType.NEW_SERVICE: (3, 6),
    OpportunityType.NEW_DEPARTMENT: (3, 8),
    OpportunityType.NEW_LOCATION: (4, 12),
}
WIN_RATE_BENCHMARK: dict[Stage, tuple[int, int]] = {
    Stage.IDENTIFIED: (10, 15),
    Stage.QUALIFIED: (25, 30),
    Stage.PROPOSAL: (40, 50),
    Stage.NEGOTIATION: (60, 70),
    Stage.VERBAL_AGREEMENT: (85, 95),
}
QUARTER_TARGETS = {"identified": (8, 12), "qualified": (4, 6), "won": (2, 3), "revenue_pct": (15, 20)}
_QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*Q([1-4])\s*$", re.IGNORECASE)


def _pct(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _versus(value: Decimal | int | None, low: int, high: int, *, lower_is_better: bool = False) -> str:
    if value is None:
        return "no data"
    if low <= value <= high:
        return "on target"
    above = value > high
    if lower_is_better:
        return "slower than target" if above else "faster than target"
    return "above target" if above else "below target"


class TimeToClose(BaseModel):
    """Days from identification to a won close for one expansion type, against its benchmark."""

    type: OpportunityType
    won: int
    average_days: Decimal | None
    median_days: Decimal | None
    target_days: tuple[int, int] = Field(description="Benchmark range in days (weeks x 7).")
    status: str


class WinRate(BaseModel):
    """Of the closed opportunities that reached a stage, the share won."""

    stage: Stage
    stage_name: str
    reached: int
    won: int
    win_rate_pct: Decimal | None
    benchmark_pct: tuple[int, int]
    status: str


class OwnerQuarter(BaseModel):
    """One owner's quarter against the AM performance expectations."""

    owner_id: str
    owner_name: str
    quarter: str
    identified: int
    qualified: int
    won: int
    expansion_revenue: Decimal
    portfolio_arr: Decimal = Field(description="ARR of the owner's accounts (AM, else AE) at the quarter start.")
    revenue_pct: Decimal | None
    status: dict[str, str]


class PipelineMetrics(BaseModel):
    """All pipeline metrics for a quarter."""

    as_of: date
    quarter: str
    time_to_close: list[TimeToClose]
    win_rates: list[WinRate]
    owners: list[OwnerQuarter]


def quarter_bounds(quarter: str) -> tuple[date, date]:
    """First and last day of a quarter written `2024-Q4`."""
    match = _QUARTER.match(quarter)
    if match is None:
        raise ValidationFailed(f"Quarter '{quarter}' is not a quarter; write it like 2024-Q4.")
    year, q = int(match[1]), int(match[2])
    start = date(year, 3 * q - 2, 1)
    end = date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1)
    return start, date.fromordinal(end.toordinal() - 1)


def quarter_of(day: date) -> str:
    """The quarter containing `day`, e.g. 2024-Q4."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _reached(opportunity: Opportunity, history: list[OpportunityStageChange]) -> int:
    """Rank of the furthest open stage reached (won counts as every stage)."""
    if opportunity.stage == Stage.CLOSED_WON:
        return rank(Stage.VERBAL_AGREEMENT)
    ranks = [rank(h.to_stage) for h in history if h.to_stage in OPEN_STAGES]
    if opportunity.stage in OPEN_STAGES:
        ranks.append(rank(opportunity.stage))
    return max(ranks, default=rank(Stage.IDENTIFIED))


def time_to_close(opportunities: list[Opportunity]) -> list[TimeToClose]:
    """Average and median days to close won opportunities, by type, against the benchmark table."""
    days: dict[OpportunityType, list[int]] = defaultdict(list)
    for o in opportunities:
        if o.stage == Stage.CLOSED_WON and o.closed_on:
            days[o.type].append((o.closed_on - o.created_at.date()).days)
    rows = []
    for kind, (low, high) in TIME_TO_CLOSE_WEEKS.items():
        values = days.get(kind, [])
        average = (Decimal(sum(values)) / len(values)).quantize(Decimal("0.1")) if values else None
        median = Decimal(str(statistics.median(values))).quantize(Decimal("0.1")) if values else None
        rows.append(
            TimeToClose(
                type=kind,
                won=len(values),
                average_days=average,
                median_days=median,
                target_days=(low * 7, high * 7),
                status=_versus(average, low * 7, high * 7, lower_is_better=True),
            )
        )
    return rows


def win_rates(opportunities: list[Opportunity], history: dict[str, list[OpportunityStageChange]]) -> list[WinRate]:
    """Win rate by stage reached over closed opportunities (won or lost)."""
    closed = [o for o in opportunities if o.stage in (Stage.CLOSED_WON, Stage.CLOSED_LOST)]
    reached = {o.id: _reached(o, history.get(o.id, [])) for o in closed}
    rows = []
    for stage in OPEN_STAGES:
        got_there = [o for o in closed if reached[o.id] >= rank(stage)]
        won = sum(1 for o in got_there if o.stage == Stage.CLOSED_WON)
        pct = _pct(won, len(got_there))
        low, high = WIN_RATE_BENCHMARK[stage]
        rows.append(
            WinRate(
                stage=stage,
                stage_name=STAGE_NAME[stage],
                reached=len(got_there),
                won=won,
                win_rate_pct=pct,
                benchmark_pct=(low, high),
                status=_versus(pct, low, high),
            )
        )
    return rows


def _owner_quarter(
    session: Session,
    owner: User,
    opportunities: list[Opportunity],
    history: dict[str, list[OpportunityStageChange]],
    quarter: str,
) -> OwnerQuarter:
    start, end = quarter_bounds(quarter)
    mine = [o for o in opportunities if o.owner_id == owner.id]
    identified = sum(1 for o in mine if start <= o.created_at.date() <= end)
    qualified = sum(
        1
        for o in mine
        if any(h.to_stage == Stage.QUALIFIED and start <= h.changed_at.date() <= end for h in history.get(o.id, []))
    )
    won = [o for o in mine if o.stage == Stage.CLOSED_WON and o.closed_on and start <= o.closed_on <= end]
    revenue = sum((o.closed_value or o.estimated_value for o in won), Decimal("0.00"))
    account_ids = list(
        session.scalars(
            select(Account.id).where(
                or_(Account.am_id == owner.id, and_(Account.am_id.is_(None), Account.ae_id == owner.id))
            )
        )
    )
    portfolio = (
        sum(arr_by_account(session, start, account_ids).values(), Decimal("0.00")) if account_ids else Decimal("0.00")
    )
    pct = _pct(revenue, portfolio)
    counts = {"identified": identified, "qualified": qualified, "won": len(won), "revenue_pct": pct}
    return OwnerQuarter(
        owner_id=owner.id,
        owner_name=owner.name,
        quarter=quarter,
        identified=identified,
        qualified=qualified,
        won=len(won),
        expansion_revenue=revenue,
        portfolio_arr=portfolio,
        revenue_pct=pct,
        status={key: _versus(counts[key], *QUARTER_TARGETS[key]) for key in QUARTER_TARGETS},
    )


def pipeline_metrics(
    session: Session, *, as_of: date, quarter: str | None = None, owner_id: str | None = None
) -> PipelineMetrics:
    """Every metric for `quarter` (default: the quarter of `as_of`), optionally for one owner."""
    quarter = quarter_of(as_of) if quarter is None else quarter.strip().upper()
    quarter_bounds(quarter)
    stmt = select(Opportunity).where(Opportunity.created_at.is_not(None))
    if owner_id is not None:
        stmt = stmt.where(Opportunity.owner_id == owner_id)
    opportunities = [o for o in session.scalars(stmt) if o.created_at.date() <= as_of]
    history: dict[str, list[OpportunityStageChange]] = defaultdict(list)
    ids = [o.id for o in opportunities]
    for change in session.scalars(select(OpportunityStageChange).where(OpportunityStageChange.opportunity_id.in_(ids))):
        history[change.opportunity_id].append(change)
    owner_ids = sorted({o.owner_id for o in opportunities if o.owner_id} | ({owner_id} if owner_id else set()))
    owners = [u for u in session.scalars(select(User).where(User.id.in_(owner_ids)).order_by(User.name))]
    return PipelineMetrics(
        as_of=as_of,
        quarter=quarter,
        time_to_close=time_to_close(opportunities),
        win_rates=win_rates(opportunities, history),
        owners=[_owner_quarter(session, u, opportunities, history, quarter) for u in owners],
    )
