"""The portfolio tool: the expansion pipeline by priority, type, segment and campaign list, retention, target list.

It reads every account (or those of a segment expression) and needs no account in scope. In a run scoped to one
account it still answers with the aggregates (for a peer comparison), but its target list holds only that
account's rows: other accounts' names and candidates stay out of a scoped run.
"""

from __future__ import annotations

from datetime import date

from langchain.tools import ToolRuntime, tool
from pydantic import BaseModel, Field

from account_intel.analytics.health.config import load_weights
from account_intel.analytics.portfolio.pipeline import PortfolioReport, TargetRow, portfolio_report
from account_intel.domain.tiering import Thresholds
from account_intel.tools.context import ToolContext
from account_intel.tools.results import Amount, emit
from account_intel.tools.scope import scoped_account, tool_errors
from account_intel.tools.specs import SideEffect


class PortfolioInput(BaseModel):
    """Which accounts, and how long a target list."""

    segment: str | None = Field(
        default=None,
        max_length=1000,
        description='Segment expression, e.g. tier == "T1" and health >= 70; omit for the whole portfolio.',
    )
    top: int = Field(default=10, ge=1, le=25, description="Rows of the target list to return.")


class TierOut(BaseModel):
    """Accounts of one pipeline priority: P1 high/high, P2 high/medium, P3 medium/high, P4 medium/medium."""

    tier: int | None = Field(
        default=None, description="Pipeline priority 1-4 (P1-P4); null for accounts below every priority."
    )
    accounts: int
    total_potential: Amount
    average_propensity: float
    expected: Amount = Field(description="Σ counted potential × each opportunity's close probability.")


class TypeOut(BaseModel):
    """Counted opportunities of one expansion type."""

    type: str
    opportunities: int
    total_potential: Amount
    share_pct: Amount
    expected: Amount


class SegmentOut(BaseModel):
    """Active accounts of one segment."""

    segment: str
    accounts: int
    arr: Amount
    with_opportunities: int
    total_potential: Amount
    expected: Amount
    average_propensity: float


class CampaignOut(BaseModel):
    """Counted opportunities of one campaign target list (close now, develop, nurture)."""

    opportunities: int
    total_potential: Amount
    expected: Amount


class RetentionOut(BaseModel):
    """Next quarter: expected churn from health bands, conservative expansion, GRR and NRR."""

    starting_arr: Amount
    expected_churn: Amount
    expected_expansion: Amount = Field(description="Conservative 90-day expansion.")
    grr_pct: Amount | None = None
    nrr_pct: Amount | None = None
    period_start: date
    period_end: date


class TargetOut(BaseModel):
    """A candidate on the campaign target list, with its owner when assigned."""

    id: str
    account_id: str
    account_name: str
    type: str
    target: str
    campaign_tier: str = Field(description="Campaign target list: close_now, develop or nurture.")
    pipeline_tier: int | None = Field(default=None, description="Pipeline priority 1-4 (P1-P4); null if none.")
    propensity: float
    potential: Amount
    probability: Amount
    priority: Amount = Field(description="Ranking score: potential × propensity / 100 × readiness weight.")
    close_by: date
    owner_id: str | None = None


class PortfolioPipelineResult(BaseModel):
    """The portfolio's expansion pipeline on the as-of date."""

    as_of: date
    segment: str | None = None
    accounts_scanned: int
    active_accounts: int
    rescue_accounts: int = Field(description="Red accounts: rescue play, no expansion.")
    accounts_with_opportunities: int
    opportunities: int
    total_potential: Amount
    expected_value: Amount
    tiers: list[TierOut]
    types: list[TypeOut]
    segments: list[SegmentOut]
    campaign: dict[str, CampaignOut]
    retention: RetentionOut
    target_list: list[TargetOut] = Field(description="Best first; in a scoped run only the account in scope.")
    target_list_total: int
    unassigned: int = Field(description="Close-now and develop opportunities no owner had room for.")


def _target(row: TargetRow) -> TargetOut:
    return TargetOut(
        id=row.id,
        account_id=row.account_id,
        account_name=row.account_name,
        type=row.type,
        target=row.target,
        campaign_tier=row.campaign_tier.value,
        pipeline_tier=row.pipeline_tier,
        propensity=row.propensity,
        potential=row.potential,
        probability=row.probability,
        priority=row.priority,
        close_by=row.close_by,
        owner_id=row.owner_id,
    )


def _result(report: PortfolioReport, rows: list[TargetRow], top: int) -> PortfolioPipelineResult:
    retention = report.retention
    forecast = retention.forecast
    return PortfolioPipelineResult(
        as_of=report.as_of,
        segment=report.segment_expression,
        accounts_scanned=report.accounts_scanned,
        active_accounts=report.active_accounts,
        rescue_accounts=report.rescue_accounts,
        accounts_with_opportunities=report.accounts_with_opportunities,
        opportunities=report.opportunities,
        total_potential=report.total_potential,
        expected_value=report.expected_value,
        tiers=[
            TierOut(
                tier=t.tier,
                accounts=t.accounts,
                total_potential=t.total_potential,
                average_propensity=t.average_propensity,
                expected=t.expected,
            )
            for t in report.tiers
        ],
        types=[
            TypeOut(
                type=t.type,
                opportunities=t.opportunities,
                total_potential=t.total_potential,
                share_pct=t.share_pct,
                expected=t.expected,
            )
            for t in report.types
        ],
        segments=[
            SegmentOut(
                segment=s.segment,
                accounts=s.accounts,
                arr=s.arr,
                with_opportunities=s.accounts_with_opportunities,
                total_potential=s.total_potential,
                expected=s.expected,
                average_propensity=s.average_propensity,
            )
            for s in report.segments
            if s.accounts
        ],
        campaign={
            c.campaign_tier.value: CampaignOut(
                opportunities=c.opportunities, total_potential=c.total_potential, expected=c.expected
            )
            for c in report.campaign
        },
        retention=RetentionOut(
            starting_arr=retention.starting_arr,
            expected_churn=retention.churn.expected_churn,
            expected_expansion=retention.expansion.conservative,
            grr_pct=forecast.grr_pct if forecast else None,
            nrr_pct=forecast.nrr_pct if forecast else None,
            period_start=retention.period_start,
            period_end=retention.period_end,
        ),
        target_list=[_target(row) for row in rows[:top]],
        target_list_total=len(rows),
        unassigned=report.unassigned,
    )


@tool(args_schema=PortfolioInput)
def get_portfolio_pipeline(segment: str | None = None, top: int = 10, *, runtime: ToolRuntime[ToolContext]) -> str:
    """Portfolio pipeline by priority, type, segment and campaign list, next quarter's GRR/NRR, and the target list."""
    context = runtime.context
    settings = context.settings
    with tool_errors(), context.sessions() as session:
        scope = scoped_account(session, context, None).id if context.account_id is not None else None
        report = portfolio_report(
            session,
            context.as_of,
            segment=segment or None,
            health_config=load_weights(home=settings.home),
            thresholds=Thresholds.from_settings(settings),
        )
    rows = [row for row in report.target_list if scope is None or row.account_id == scope]
    return emit(context, _result(report, rows, top))


SIDE_EFFECT = SideEffect.READ
TOOLS = (get_portfolio_pipeline,)
