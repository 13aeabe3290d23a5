"""Targeting: pipeline priorities (P1-P4), campaign target lists and capacity-respecting assignment.

Pipeline priorities, with configurable `TierRules` (defaults in brackets; the code keeps the name `tier`):

    propensity band: high >= 65, medium >= 45, else low       (P1/P2 typically at 65-90, P3/P4 at 45-65)
    value band:      high >= 25,000, medium >= 5,000, else low (high-value priorities average $28-39K, medium $10-15K)
    P1 = high propensity & high value      P2 = high propensity & medium value
    P3 = medium propensity & high value    P4 = medium propensity & medium value
    anything with a low band has no priority (None).

Campaign target list: ranking score = potential x propensity/100 x readiness weight
(immediate 1.0, near 0.6, later 0.3), and

    close now = priority P1 or P2 (high propensity) and readiness immediate
    develop   = any priority, readiness immediate or near, and not close now
    nurture   = everything else (readiness later, or no priority)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from account_intel.analytics.portfolio.forecast import round_money
from account_intel.errors import ValidationFailed

Band = Literal["high", "medium", "low"]
Score = Annotated[Decimal, Field(ge=0, le=100)]
Money = Annotated[Decimal, Field(ge=0)]


class TierRules(BaseModel):
    """Thresholds of the four pipeline priorities (P1-P4); a value at a threshold belongs to the higher band."""

    model_config = ConfigDict(frozen=True)

    high_propensity: Score = Field(default=Decimal(65), description="Propensity at or above: high.")
    medium_propensity: Score = Field(default=Decimal(45), description="Propensity at or above: medium.")
    high_value: Money = Field(default=Decimal(25000), description="Potential ARR at or above: high value.")
    medium_value: Money = Field(default=Decimal(5000), description="Potential ARR at or above: medium value.")

    @model_validator(mode="after")
    def _ordered(self) -> TierRules:
        if self.medium_propensity > self.high_propensity or self.medium_value > self.high_value:
            raise ValueError("medium thresholds must not exceed high thresholds")
        return self


DEFAULT_TIER_RULES = TierRules()
# Close probability within 90 days per pipeline priority (P1-P4).
DEFAULT_CLOSE_PROBABILITY: Mapping[int, Decimal] = {
    1: Decimal("0.65"),
    2: Decimal("0.45"),
    3: Decimal("0.30"),
    4: Decimal("0.20"),
}


class TierDecision(BaseModel):
    """A pipeline priority and the two bands it came from."""

    model_config = ConfigDict(frozen=True)

    tier: int | None = Field(description="Priority 1-4 (P1-P4), or None when either band is low.")
    propensity_band: Band = Field(description="high, medium or low propensity.")
    value_band: Band = Field(description="high, medium or low potential value.")


def _band(value: Decimal, high: Decimal, medium: Decimal) -> Band:
    return "high" if value >= high else "medium" if value >= medium else "low"


def pipeline_tier(propensity: Decimal, potential: Decimal, rules: TierRules = DEFAULT_TIER_RULES) -> TierDecision:
    """Priority from propensity (0-100) and potential ARR: P1 high/high, P2 high/medium, P3 medium/high, P4 m/m."""
    p = _band(Decimal(propensity), rules.high_propensity, rules.medium_propensity)
    v = _band(Decimal(potential), rules.high_value, rules.medium_value)
    tiers = {("high", "high"): 1, ("high", "medium"): 2, ("medium", "high"): 3, ("medium", "medium"): 4}
    return TierDecision(tier=tiers.get((p, v)), propensity_band=p, value_band=v)


class TierSummary(BaseModel):
    """One pipeline priority's size and probability-weighted value."""

    model_config = ConfigDict(frozen=True)

    tier: int = Field(description="Pipeline priority 1-4 (P1-P4).")
    accounts: int = Field(description="Accounts (or opportunities) with the priority.")
    total_potential: Money = Field(description="Sum of potential ARR.")
    average_potential: Money = Field(description="total_potential / accounts.")
    close_probability: Decimal = Field(description="Probability of closing within the window.")
    expected: Money = Field(description="total_potential x close_probability.")


def summarise_tiers(
    entries: Iterable[tuple[int, Decimal]], close_probability: Mapping[int, Decimal] = DEFAULT_CLOSE_PROBABILITY
) -> list[TierSummary]:
    """Per-priority count, potential, average and expected value from (priority, potential) pairs; P1 first."""
    totals: dict[int, tuple[int, Decimal]] = {}
    for tier, potential in entries:
        count, total = totals.get(tier, (0, Decimal(0)))
        totals[tier] = (count + 1, total + Decimal(potential))
    out = []
    for tier in sorted(totals):
        count, total = totals[tier]
        if tier not in close_probability:
            raise ValidationFailed(f"No close probability for priority P{tier}.")
        out.append(
            TierSummary(
                tier=tier,
                accounts=count,
                total_potential=round_money(total),
                average_potential=round_money(total / count),
                close_probability=close_probability[tier],
                expected=round_money(total * close_probability[tier]),
            )
        )
    return out


def per_owner(total: int, owners: int) -> Decimal:
    """Average load per owner with one decimal place, half up (220 accounts / 8 CSMs = 27.5)."""
    if owners < 1:
        raise ValidationFailed("At least one owner is needed to compute a load per owner.")
    return (Decimal(total) / owners).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# --- campaign target list -------------------------------------------------------------------------------------------


class Readiness(StrEnum):
    """How soon an account can buy (BANT timing): immediate <= 30 days, near 30-90 days, later beyond."""

    IMMEDIATE = "immediate"
    NEAR = "near"
    LATER = "later"


READINESS_WEIGHT: Mapping[Readiness, Decimal] = {
    Readiness.IMMEDIATE: Decimal("1.0"),
    Readiness.NEAR: Decimal("0.6"),
    Readiness.LATER: Decimal("0.3"),
}


class CampaignTier(StrEnum):
    """The campaign target lists: close now, develop, nurture."""

    CLOSE_NOW = "close_now"
    DEVELOP = "develop"
    NURTURE = "nurture"


def priority_score(propensity: Decimal, potential: Decimal, readiness: Readiness) -> Decimal:
    """The ranking score: potential x propensity/100 x readiness weight, in ARR (two places)."""
    return round_money(Decimal(potential) * Decimal(propensity) / 100 * READINESS_WEIGHT[readiness])


def campaign_tier(tier: int | None, readiness: Readiness) -> CampaignTier:
    """Close now: priority P1-P2 and immediate; develop: any priority and immediate or near; else nurture."""
    if tier in (1, 2) and readiness is Readiness.IMMEDIATE:
        return CampaignTier.CLOSE_NOW
    if tier is not None and readiness in (Readiness.IMMEDIATE, Readiness.NEAR):
        return CampaignTier.DEVELOP
    return CampaignTier.NURTURE


class Candidate(BaseModel):
    """An expansion candidate for a campaign."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="Opportunity or account id.")
    propensity: Score = Field(description="Expansion propensity, 0-100.")
    potential: Money = Field(description="Potential ARR.")
    readiness: Readiness = Field(description="How soon the account can buy.")


class TargetEntry(BaseModel):
    """A candidate placed on the campaign target list."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="Opportunity or account id.")
    campaign_tier: CampaignTier = Field(description="close_now, develop or nurture.")
    pipeline_tier: int | None = Field(description="Pipeline priority 1-4 (P1-P4), or None.")
    priority: Decimal = Field(description="potential x propensity/100 x readiness weight.")


def build_target_list(candidates: Iterable[Candidate], rules: TierRules = DEFAULT_TIER_RULES) -> list[TargetEntry]:
    """Target list ordered by campaign tier, then priority (highest first), then id."""
    order = {tier: index for index, tier in enumerate(CampaignTier)}
    entries = []
    for c in candidates:
        tier = pipeline_tier(c.propensity, c.potential, rules).tier
        entries.append(
            TargetEntry(
                id=c.id,
                campaign_tier=campaign_tier(tier, c.readiness),
                pipeline_tier=tier,
                priority=priority_score(c.propensity, c.potential, c.readiness),
            )
        )
    return sorted(entries, key=lambda e: (order[e.campaign_tier], -e.priority, e.id))


# --- capacity-respecting assignment --------------------------------------------------------------------------------


class OwnerCapacity(BaseModel):
    """An AE or CSM and how many open opportunities they can carry."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="User id.")
    capacity: int = Field(ge=0, description="Maximum open opportunities.")
    open_count: int = Field(default=0, ge=0, description="Open opportunities already owned.")


class AssignmentRequest(BaseModel):
    """An opportunity to assign, with its priority and preferred owners (the account's AE/CSM first)."""

    model_config = ConfigDict(frozen=True)

    opportunity_id: str = Field(description="Opportunity id.")
    priority: Decimal = Field(description="Higher goes first.")
    preferred_owner_ids: tuple[str, ...] = Field(default=(), description="Owners in order of affinity.")


class Assignment(BaseModel):
    """An opportunity given to an owner."""

    model_config = ConfigDict(frozen=True)

    opportunity_id: str = Field(description="Opportunity id.")
    owner_id: str = Field(description="Owner it was given to.")
    via: Literal["affinity", "fallback"] = Field(description="A preferred owner, or the least-loaded other owner.")


class Unassigned(BaseModel):
    """An opportunity no owner could take."""

    model_config = ConfigDict(frozen=True)

    opportunity_id: str = Field(description="Opportunity id.")
    reason: Literal["capacity", "no_eligible_owner"] = Field(description="Every eligible owner was full, or none.")


class AssignmentPlan(BaseModel):
    """The outcome of a capacity-respecting assignment."""

    model_config = ConfigDict(frozen=True)

    assignments: list[Assignment] = Field(description="In priority order.")
    unassigned: list[Unassigned] = Field(description="In priority order.")
    load: dict[str, int] = Field(description="Open opportunities per owner afterwards (existing + assigned).")


def assign_by_capacity(
    requests: Sequence[AssignmentRequest], owners: Sequence[OwnerCapacity], *, fallback: bool = True
) -> AssignmentPlan:
    """Greedy assignment by priority (ties by id): a preferred owner with room, else (with `fallback`) the owner
    with most room left (ties by id); never beyond an owner's capacity. Deterministic for the same input."""
    if len({o.id for o in owners}) != len(owners):
        raise ValidationFailed("Owner ids must be unique.")
    if len({r.opportunity_id for r in requests}) != len(requests):
        raise ValidationFailed("Each opportunity can be assigned once: opportunity ids must be unique.")
    load = {o.id: o.open_count for o in owners}
    capacity = {o.id: o.capacity for o in owners}
    assignments: list[Assignment] = []
    unassigned: list[Unassigned] = []
    for request in sorted(requests, key=lambda r: (-r.priority, r.opportunity_id)):
        preferred = [o for o in request.preferred_owner_ids if o in load]
        chosen = next((o for o in preferred if load[o] < capacity[o]), None)
        via: Literal["affinity", "fallback"] = "affinity"
        if chosen is None and fallback:
            room = [o for o in load if o not in preferred and load[o] < capacity[o]]
            others = sorted(room, key=lambda o: (load[o] - capacity[o], o))
            chosen, via = (others[0] if others else None), "fallback"
        if chosen is None:
            eligible = preferred or (list(load) if fallback else [])
            reason: Literal["capacity", "no_eligible_owner"] = "capacity" if eligible else "no_eligible_owner"
            unassigned.append(Unassigned(opportunity_id=request.opportunity_id, reason=reason))
            continue
        load[chosen] += 1
        assignments.append(Assignment(opportunity_id=request.opportunity_id, owner_id=chosen, via=via))
    return AssignmentPlan(assignments=assignments, unassigned=unassigned, load=load)
