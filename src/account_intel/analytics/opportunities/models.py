"""Result types of the expansion analysis: one ranked opportunity with everything that explains it."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from account_intel.analytics.evidence import Evidence
from account_intel.analytics.opportunities.bant import Bant
from account_intel.analytics.opportunities.readiness import ReadinessResult
from account_intel.analytics.opportunities.sizing import Sized
from account_intel.analytics.portfolio.targeting import CampaignTier
from account_intel.analytics.propensity.config import Effort, ExpansionType, PlayKey
from account_intel.analytics.propensity.score import Propensity
from account_intel.domain.enums import OpportunityType

Strategy = Literal["land_and_expand", "cross_sell", "upsell", "platform_play"]
TargetKind = Literal["department", "geography", "product", "account"]


class MatchedSignal(BaseModel):
    """A signal of the account that bears on this opportunity's target."""

    kind: str = Field(description="Signal kind, e.g. org_change, usage_limit, text_initiative.")
    strength: float = Field(description="0-1, as detected.")
    summary: str
    evidence_ids: list[str] = Field(default_factory=list)


class PlayRecommendation(BaseModel):
    """The play to run and the multi-thread strategy it follows."""

    key: PlayKey = Field(description="seat_expansion, tier_upgrade, cross_sell, renewal or rescue.")
    name: str
    strategy: Strategy | None = Field(description="land_and_expand, cross_sell, upsell or platform_play.")
    steps: list[str] = Field(default_factory=list)


class ExpansionOpportunity(BaseModel):
    """One candidate expansion: what, why now, how likely, how much, how soon and how to run it."""

    id: str = Field(description="Stable id, e.g. opp:ACCT-3421:seat_expansion:Marketing.")
    account_id: str
    name: str = Field(description="Short name, e.g. 'Seat expansion: Marketing'.")
    type: ExpansionType = Field(description="Expansion type.")
    pipeline_type: OpportunityType = Field(description="Opportunity type the pipeline creates it as (CS-driven).")
    target: str = Field(description="Department, location, product or plan it is about.")
    target_kind: TargetKind
    product_id: str | None = Field(default=None, description="Catalog item sold.")
    whitespace_key: str | None = Field(default=None, description="Row of the whitespace map it comes from.")
    level: str | None = Field(default=None, description="Whitespace level: HIGH, MED or LOW.")
    current_state: str
    trigger: str = Field(description="What makes it an opportunity now, from the data.")
    potential: Sized = Field(description="ARR if won (contract value for a contract extension), at list price.")
    counted: Sized | None = Field(
        default=None, description="What the whitespace map counts of it in the account's potential (no overlap)."
    )
    in_totals: bool = Field(description="Counted in totals, scenarios and forecasts (no double counting).")
    adds_arr: bool = Field(default=True, description="False for a contract extension (it extends the term).")
    note: str | None = Field(default=None, description="Why it is not (fully) counted, when it is not.")
    signals: list[MatchedSignal] = Field(default_factory=list, description="Signals that bear on the target.")
    propensity: Propensity
    readiness: ReadinessResult
    effort: Effort
    probability: Decimal = Field(description="Close probability 0-1 (propensity curve x readiness factor).")
    expected_value: Sized = Field(description="potential x probability (0 for a contract extension).")
    priority: Sized = Field(description="Ranking score: potential x propensity / 100 x readiness weight.")
    pipeline_tier: int | None = Field(description="Pipeline priority 1-4 (P1-P4) by propensity and value; None if low.")
    campaign_tier: CampaignTier = Field(description="Campaign target list: close_now, develop or nurture.")
    timeline_days: tuple[int, int] = Field(description="Days to close (from, to).")
    play: PlayRecommendation
    bant: Bant
    evidence: list[Evidence] = Field(default_factory=list)

    @property
    def evidence_ids(self) -> list[str]:
        """Ids of the evidence items."""
        return [e.id for e in self.evidence]

    @property
    def close_day(self) -> int:
        """Expected close, days from the as-of date (end of the timeline)."""
        return self.timeline_days[1]
