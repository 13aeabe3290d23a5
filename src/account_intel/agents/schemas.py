"""Output schemas of the agents: every claim cites evidence ids, every figure names its source or formula."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from account_intel.domain.json_forms import Measure

Band = Literal["Green", "Yellow", "Red"]
Route = Literal["expand", "rescue", "none"]
Unit = Literal["usd", "percent", "count", "score", "days", "ratio"]


class Figure(BaseModel):
    """A number in an agent's output: a tool value, or a named formula applied to tool values."""

    label: str = Field(description="What the number is, e.g. 'Potential ARR'.")
    value: Decimal = Field(description="The number exactly as a tool returned it or as the formula gives it.")
    unit: Unit = Field(description="usd, percent, count, score, days or ratio.")
    formula: str | None = Field(default=None, description="Named formula when the value is derived, e.g. 'sum'.")
    inputs: list[Decimal] = Field(default_factory=list, description="Tool values the formula was applied to.")


class Claim(BaseModel):
    """A statement with the evidence ids that support it."""

    text: str = Field(description="One or two sentences. Numbers in it must be tool values.")
    evidence_ids: Annotated[list[str], Field(min_length=1, description="Evidence ids returned by tools.")]
    figures: list[Figure] = Field(default_factory=list, description="The numbers the claim rests on.")
    flags: list[str] = Field(default_factory=list, description="Set by the system: repaired, replaced_by_rules.")


TextSignalKind = Literal["department", "location", "initiative", "vendor_pain", "growth", "org_change"]


class TextSignal(BaseModel):
    """One signal read from the free text of a note, ticket or email, with the words that say it."""

    kind: TextSignalKind = Field(description="department, location, initiative, vendor_pain, growth or org_change.")
    value: str = Field(max_length=80, description="The department, place, initiative, vendor or change named.")
    source_id: str = Field(description="The evidence id of the text it comes from, exactly as given.")
    quote: str = Field(max_length=300, description="The exact words of that text that say it (copied verbatim).")
    meaning: str = Field(max_length=300, description="One sentence: what it means for expansion. No new numbers.")


class TextSignals(BaseModel):
    """Signals read from an account's recent notes, tickets and emails (the first step of finding opportunities)."""

    account_id: str
    signals: list[TextSignal] = Field(default_factory=list, description="At most 12, strongest first.")


class HealthAssessment(BaseModel):
    """The health-scorer's judgment."""

    account_id: str
    score: Measure = Field(description="The computed score exactly as get_health_breakdown returned it.")
    band: Band
    drivers: list[Claim] = Field(description="What drives the score and what moved since the last snapshot.")
    risks: list[Claim] = Field(default_factory=list)
    decline_flagged: bool = Field(description="True on a band drop or a fall of 10 points or more.")
    expansion_ready: bool = Field(description="Health at least Yellow and not declining.")
    summary: str = Field(description="Two sentences for an AE before a call.")


class SegmentPlacement(BaseModel):
    """The segmentation-analyst's placement of the account in the portfolio and the campaign."""

    account_id: str
    segment: Literal["Enterprise", "Mid-Market", "SMB"]
    tier: Literal["T1", "T2", "T3"] = Field(description="Account tier by ARR (T1 the largest accounts).")
    campaign_tier: Literal["close_now", "develop", "nurture", "exclude"] = Field(
        description="Campaign target list: close_now, develop or nurture; exclude for no expansion push."
    )
    route: Route
    rationale: list[Claim]
    peer_benchmark: list[Claim] = Field(default_factory=list)


class Recommendation(BaseModel):
    """One prioritised expansion opportunity, taken from get_opportunities by id."""

    id: str = Field(description="The candidate id from get_opportunities.")
    type: str = Field(description="seat_expansion, tier_upgrade, cross_sell, geographic_expansion, ...")
    pipeline_type: str | None = Field(default=None, description="new_department, new_location, new_service, ...")
    title: str
    target: str | None = Field(default=None, description="Department, product or geography.")
    potential_arr: Figure
    propensity: int = Field(ge=0, le=100)
    probability: int = Field(ge=0, le=100)
    readiness: str
    current_state: str
    trigger: str
    play: str
    timeline: str
    rationale: str = Field(description="Why now and why this order; numbers in it must be tool values.")
    evidence_ids: Annotated[list[str], Field(min_length=1)]
    flags: list[str] = Field(default_factory=list)


class OutreachDraft(BaseModel):
    """A message the agent proposes; the system drafts it in the store and a person approves gated ones."""

    contact_id: str
    purpose: Literal["intro_request", "qbr_invitation", "expansion_follow_up", "multithreading", "rescue_check_in"]
    subject: str
    body: str
    evidence_ids: list[str] = Field(default_factory=list)
    language: str | None = Field(
        default=None, description="Language tag the subject and body are written in: the account's `language`."
    )
    note: str | None = Field(
        default=None,
        description="What the approver should know before sending, e.g. that it is not in the customer's language.",
    )


class OpportunityFindings(BaseModel):
    """The opportunity-identifier's analysis of one account."""

    account_id: str
    route: Route
    recommendations: list[Recommendation]
    total_potential: Figure
    target_90d: Figure
    scenarios: list[Figure] = Field(description="Conservative, base and upside, as the tools computed them.")
    nrr_impact: Figure
    stakeholder_gaps: list[Claim] = Field(default_factory=list)
    risks: list[Claim] = Field(default_factory=list)
    text_signals: list[Claim] = Field(default_factory=list, description="Signals read from free text.")
    outreach: list[OutreachDraft] = Field(default_factory=list)


OUTPUT_SCHEMAS: dict[str, type[BaseModel]] = {
    "HealthAssessment": HealthAssessment,
    "SegmentPlacement": SegmentPlacement,
    "OpportunityFindings": OpportunityFindings,
}
