"""The portfolio expansion pipeline and the campaign target list, from one scan.

- Pipeline priorities by account: an account's propensity is its best counted candidate's, its value the sum
  of its counted potential; P1 high/high, P2 high/medium, P3 medium/high, P4 medium/medium (`targeting`), and a
  row for accounts below every priority, so the rows add up to the totals. Expected = Σ counted potential × each
  candidate's close probability, the same figure as the report's expected value.
- By type (counted opportunities) and by segment (Enterprise, Mid-Market, SMB by ARR as of the date).
- Retention (`forecast`): starting ARR of active accounts, expected churn from health bands (a quarter), expected
  expansion = counted potential x close probability of candidates closing within 90 days, and the conservative
  target (70% of it); GRR and NRR for that quarter (the 90 days after the as-of date), not annualised.
- Target list: close now, develop, nurture by priority; close-now then develop opportunities go to
  owners within `users.capacity` (open opportunities already owned count), CSM first, the AE first for a tier
  upgrade or above $50K (larger deals go to Sales); nurture is left to automated plays.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from decimal import Decimal

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from account_intel.analytics.health.config import HealthConfig, load_weights
from account_intel.analytics.portfolio.forecast import (
    DEFAULT_CHURN_PROBABILITIES,
    ChurnExposure,
    ExpectedChurn,
    ExpectedExpansion,
    PipelineItem,
    RetentionForecast,
    expected_churn,
    expected_expansion,
    retention_forecast,
    round_money,
)
from account_intel.analytics.portfolio.scan import Kept, Progress, ScanSpec, ScanTotals, scan
from account_intel.analytics.portfolio.targeting import (
    AssignmentRequest,
    CampaignTier,
    OwnerCapacity,
    assign_by_capacity,
)
from account_intel.analytics.propensity.config import load_propensity_config
from account_intel.analytics.propensity.fast import ScanConfig
from account_intel.analytics.signals.models import load_signal_config
from account_intel.domain.enums import OpportunityStage, UserRole
from account_intel.domain.json_forms import Measure
from account_intel.domain.tiering import Thresholds
from account_intel.store.models import Opportunity, User

ZERO = Decimal("0.00")
WINDOW_DAYS = 90
UNTIERED = 99  # sort key of the row for accounts below every priority (stored under 0 in the scan's sums)
SALES_HANDOFF = Decimal(50_000)  # qualified opportunities above $50K go to Sales (the AE)
CLOSED = (OpportunityStage.CLOSED_WON, OpportunityStage.CLOSED_LOST)


class TierRow(BaseModel):
    """One pipeline priority (accounts)."""

    tier: int | None = Field(description="Priority 1-4 (P1-P4); None for accounts below every priority.")
    accounts: int
    total_potential: Decimal
    average_potential: Decimal
    average_propensity: float
    expected: Decimal = Field(description="Sum of counted potential x each candidate's close probability.")


class TypeRow(BaseModel):
    """Counted opportunities of one type."""

    type: str
    opportunities: int
    total_potential: Decimal
    share_pct: Measure
    expected: Decimal
    average_propensity: float


class SegmentRow(BaseModel):
    """Active accounts of one segment (by ARR)."""

    segment: str
    accounts: int
    arr: Decimal
    accounts_with_opportunities: int
    total_potential: Decimal
    share_pct: Measure
    average_potential: Decimal = Field(description="Per account with an opportunity.")
    expected: Decimal
    average_propensity: float = Field(description="Mean account propensity over accounts with an opportunity.")


class CampaignRow(BaseModel):
    """Counted opportunities of one campaign target list (close now, develop or nurture)."""

    campaign_tier: CampaignTier
    opportunities: int
    total_potential: Decimal
    expected: Decimal


class TargetRow(BaseModel):
    """A candidate on the target list, with its owner when assigned."""

    id: str
    account_id: str
    account_name: str
    segment: str
    type: str
    pipeline_type: str
    target: str
    campaign_tier: CampaignTier
    pipeline_tier: int | None
    propensity: float
    potential: Decimal = Field(description="Counted potential.")
    probability: Measure
    priority: Decimal
    readiness: str
    close_by: date
    owner_id: str | None = None
    via: str | None = Field(default=None, description="affinity (the account's own owner) or fallback.")


class Retention(BaseModel):
    """GRR and NRR of the next quarter: starting ARR, expected churn and expected expansion."""

    period_start: date = Field(description="First day of the period (the day after the as-of date).")
    period_end: date = Field(description="Last day of the period (as-of + 90 days).")
    starting_arr: Decimal
    churn: ExpectedChurn
    expansion: ExpectedExpansion
    forecast: RetentionForecast | None = Field(description="With the conservative expansion; None without ARR.")


class PortfolioReport(BaseModel):
    """The portfolio's expansion pipeline, retention forecast and campaign target list on one date."""

    as_of: date
    segment_expression: str | None
    accounts_scanned: int
    active_accounts: int = Field(description="Active accounts in the segment (all when no expression).")
    churned_accounts: int
    prospect_accounts: int
    rescue_accounts: int = Field(description="Red (effective band): routed to the rescue play, no expansion.")
    accounts_with_opportunities: int
    opportunities: int = Field(description="Counted candidates (no overlaps, alternatives or contract extensions).")
    total_potential: Decimal
    expected_value: Decimal = Field(description="Sum of counted potential x close probability.")
    average_potential: Decimal = Field(description="Per account with an opportunity.")
    tiers: list[TierRow]
    types: list[TypeRow]
    segments: list[SegmentRow]
    campaign: list[CampaignRow]
    retention: Retention
    target_list: list[TargetRow] = Field(description="Best first; close-now and develop rows carry an owner.")
    owner_load: dict[str, int] = Field(description="Open opportunities per owner after assignment.")
    unassigned: int = Field(description="Close-now and develop opportunities on the list no owner had room for.")
    seconds: float


def _pct(part: Decimal, whole: Decimal) -> Decimal:
    return (part * 100 / whole).quantize(Decimal("0.1")) if whole else Decimal(0)


def owners(session: Session) -> list[OwnerCapacity]:
    """Active AEs, CSMs and AMs with their capacity and the open opportunities they already own."""
    open_counts = dict(
        session.execute(
            select(Opportunity.owner_id, func.count())
            .where(Opportunity.owner_id.is_not(None), Opportunity.stage.not_in(CLOSED))
            .group_by(Opportunity.owner_id)
        ).all()
    )
    roles = (UserRole.AE, UserRole.CSM, UserRole.AM)
    users = session.scalars(select(User).where(User.active.is_(True), User.role.in_(roles)).order_by(User.id))
    return [OwnerCapacity(id=u.id, capacity=u.capacity, open_count=open_counts.get(u.id, 0)) for u in users]


def portfolio_report(
    session: Session,
    as_of: date,
    *,
    segment: str | None = None,
    health_config: HealthConfig | None = None,
    thresholds: Thresholds | None = None,
    url: str | None = None,
    workers: int = 1,
    on_progress: Progress | None = None,
    chunk_size: int = 2000,
) -> PortfolioReport:
    """Scan the portfolio and build the report (see the module docstring)."""
    started = time.perf_counter()
    team = owners(session)
    room = sum(max(0, o.capacity - o.open_count) for o in team)
    spec = ScanSpec(
        as_of=as_of,
        config=ScanConfig(load_propensity_config(), load_signal_config()),
        health=health_config or load_weights(),
        thresholds=thresholds or Thresholds(),
        segment=segment,
        keep=max(100, 2 * room),
        chunk_size=chunk_size,
    )
    totals = scan(session, spec, url=url, workers=workers, on_progress=on_progress)
    return build_report(totals, spec, team, seconds=time.perf_counter() - started)


def build_report(totals: ScanTotals, spec: ScanSpec, team: list[OwnerCapacity], *, seconds: float) -> PortfolioReport:
    """Turn the scan's sums into the report, assigning the target list to owners."""
    tiers = []
    for tier in sorted(totals.tiers, key=lambda t: t or UNTIERED):
        accounts, potential, expected, propensity = totals.tiers[tier]
        tiers.append(
            TierRow(
                tier=tier or None,
                accounts=accounts,
                total_potential=round_money(potential),
                average_potential=round_money(potential / accounts),
                average_propensity=float(round(propensity / accounts, 1)),
                expected=round_money(expected),
            )
        )
    types = [
        TypeRow(
            type=name,
            opportunities=count,
            total_potential=round_money(potential),
            share_pct=_pct(potential, totals.potential),
            expected=round_money(expected),
            average_propensity=float(round(propensity / count, 1)),
        )
        for name, (count, potential, expected, propensity) in sorted(totals.types.items(), key=lambda kv: -kv[1][1])
    ]
    segments = []
    for name in ("Enterprise", "Mid-Market", "SMB"):
        accounts, arr, with_opps, potential, expected, propensity = totals.segments.get(
            name, (0, ZERO, 0, ZERO, ZERO, 0)
        )
        segments.append(
            SegmentRow(
                segment=name,
                accounts=accounts,
                arr=round_money(arr),
                accounts_with_opportunities=with_opps,
                total_potential=round_money(potential),
                share_pct=_pct(potential, totals.potential),
                average_potential=round_money(potential / with_opps) if with_opps else ZERO,
                expected=round_money(expected),
                average_propensity=float(round(propensity / with_opps, 1)) if with_opps else 0.0,
            )
        )
    campaign = [
        CampaignRow(
            campaign_tier=tier,
            opportunities=totals.campaign.get(tier.value, (0, ZERO, ZERO))[0],
            total_potential=round_money(totals.campaign.get(tier.value, (0, ZERO, ZERO))[1]),
            expected=round_money(totals.campaign.get(tier.value, (0, ZERO, ZERO))[2]),
        )
        for tier in CampaignTier
    ]
    targets, load, unassigned = target_list(totals.finish(), team, spec.as_of)
    return PortfolioReport(
        as_of=spec.as_of,
        segment_expression=spec.segment,
        accounts_scanned=totals.scanned,
        active_accounts=totals.in_segment,
        churned_accounts=totals.churned,
        prospect_accounts=totals.prospects,
        rescue_accounts=totals.rescue,
        accounts_with_opportunities=totals.with_opportunities,
        opportunities=totals.opportunities,
        total_potential=round_money(totals.potential),
        expected_value=round_money(totals.expected),
        average_potential=(
            round_money(totals.potential / totals.with_opportunities) if totals.with_opportunities else ZERO
        ),
        tiers=tiers,
        types=types,
        segments=segments,
        campaign=campaign,
        retention=retention(totals, spec.as_of),
        target_list=targets,
        owner_load=load,
        unassigned=unassigned,
        seconds=round(seconds, 2),
    )


def retention(totals: ScanTotals, as_of: date) -> Retention:
    """Expected churn by band, expected expansion within 90 days, and the quarter's GRR/NRR."""
    exposures = [
        ChurnExposure(account_id=f"band:{band}", arr=arr, band=band)  # type: ignore[arg-type]
        for band, arr in sorted(totals.arr_by_band.items())
    ]
    churn = expected_churn(exposures, DEFAULT_CHURN_PROBABILITIES)  # summed per band: the same sum, exactly
    churn = churn.model_copy(update={"accounts": sum(totals.accounts_by_band.values())})
    items = [
        PipelineItem(
            id=f"p{probability}:d{day}",
            potential=potential,
            probability=probability,
            expected_close=as_of + timedelta(days=day),
        )
        for (probability, day), potential in sorted(totals.closing.items())
    ]
    expansion = expected_expansion(items, as_of=as_of, window_days=WINDOW_DAYS)
    forecast = None
    if totals.starting_arr > 0:
        forecast = retention_forecast(
            totals.starting_arr, expansion=expansion.conservative, churn=churn.expected_churn, periods_per_year=4
        )
    return Retention(
        period_start=as_of + timedelta(days=1),
        period_end=expansion.window_end,
        starting_arr=round_money(totals.starting_arr),
        churn=churn,
        expansion=expansion,
        forecast=forecast,
    )


def _preferred(kept: Kept) -> tuple[str, ...]:
    csm, ae, am = kept.owners
    c = kept.candidate
    sales_led = c.type.value == "tier_upgrade" or (c.counted or ZERO) > SALES_HANDOFF
    order = (ae, csm, am) if sales_led else (csm, am, ae)
    return tuple(o for o in order if o)


def target_list(
    kept: list[Kept], team: list[OwnerCapacity], as_of: date
) -> tuple[list[TargetRow], dict[str, int], int]:
    """Rows in target-list order; close-now opportunities are assigned first, then develop, within capacity."""
    rows = {
        k.candidate.id: TargetRow(
            id=k.candidate.id,
            account_id=k.candidate.account_id,
            account_name=k.account_name,
            segment=k.segment,
            type=k.candidate.type.value,
            pipeline_type=k.candidate.pipeline_type.value,
            target=k.candidate.target,
            campaign_tier=k.candidate.campaign_tier,
            pipeline_tier=k.candidate.pipeline_tier,
            propensity=k.candidate.propensity,
            potential=k.candidate.counted or ZERO,
            probability=k.candidate.probability,
            priority=k.candidate.priority,
            readiness=k.candidate.readiness.value,
            close_by=as_of + timedelta(days=k.candidate.timeline[1]),
        )
        for k in kept
    }
    load = {o.id: o.open_count for o in team}
    unassigned = 0
    for tier in (CampaignTier.CLOSE_NOW, CampaignTier.DEVELOP):
        requests = [
            AssignmentRequest(
                opportunity_id=k.candidate.id, priority=k.candidate.priority, preferred_owner_ids=_preferred(k)
            )
            for k in kept
            if k.candidate.campaign_tier is tier
        ]
        if not requests or not team:
            unassigned += len(requests)
            continue
        current = [OwnerCapacity(id=o.id, capacity=o.capacity, open_count=load[o.id]) for o in team]
        plan = assign_by_capacity(requests, current)
        load = dict(plan.load)
        unassigned += len(plan.unassigned)
        for a in plan.assignments:
            rows[a.opportunity_id] = rows[a.opportunity_id].model_copy(update={"owner_id": a.owner_id, "via": a.via})
    return list(rows.values()), load, unassigned
