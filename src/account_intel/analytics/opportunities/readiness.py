"""Readiness (when the customer can buy), effort and timeline of an expansion opportunity.

`decide_readiness` is a pure function over a few plain facts about the opportunity, shared by the per-account
analysis and the portfolio scan. Rules, first match wins:

1. rate increase and contract extension are timed by the renewal: <= 30 days immediate, <= 60 30-60, <= 90 60-90,
   else 90+ (no renewal date: 90+).
2. a location that is not yet open: 90+ ("office not yet opened").
3. no demand signal at all (only headcount or a catalog gap): 90+, there is nothing to time it by.
4. budget approved for the target (a note), or the need voiced by a customer contact in a conversation: immediate.
5. budget likely (a new-budget event for the target, an initiative the module serves, the renewal soon, a fiscal
   year just started): 30-60.
6. a quick buy (seats, usage): 30-60; a considered purchase (tier, module, service, location): 60-90
   ("60-90 days (budget cycle timing)").
Rules 5 and 6 then move one step later for a Yellow account, one step for a target without a contact of its own
(an active champion elsewhere can introduce) and two steps without any active champion.

Timeline = (max(cycle start, readiness start), max(cycle end, readiness end)) with the configured cycle lengths.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from account_intel.analytics.evidence import Evidence
from account_intel.analytics.propensity.config import Effort, ExpansionType, PropensityConfig, ReadinessBucket

Budget = Literal["approved", "likely", "unknown"]
Access = Literal["target", "champion", "none"]

CONSIDERED = frozenset(
    {
        ExpansionType.TIER_UPGRADE,
        ExpansionType.CROSS_SELL,
        ExpansionType.NEW_SERVICE,
        ExpansionType.GEOGRAPHIC_EXPANSION,
    }
)
RENEWAL_TYPES = frozenset({ExpansionType.RATE_INCREASE, ExpansionType.CONTRACT_EXTENSION})
REASON_TEXT = {
    "renewal": "timed by the renewal",
    "not_open": "location not yet open",
    "no_signal": "no demand signal yet",
    "budget_approved": "budget approved",
    "voiced": "need voiced by a customer contact",
    "budget_likely": "budget likely",
    "quick_buy": "quick buy",
    "considered": "considered purchase (needs a business case and budget)",
    "yellow": "Yellow health: one step later",
    "no_target_contact": "no contact in the target: one step later",
    "no_champion": "no active champion: two steps later",
}


@dataclass(frozen=True, slots=True)
class ReadinessFacts:
    """What readiness is decided from (plain data)."""

    kind: ExpansionType
    band: str
    budget: Budget
    voiced: bool
    has_signal: bool
    not_open: bool
    access: Access
    days_to_renewal: int | None


def _by_days(days: int | None) -> ReadinessBucket:
    if days is None or days < 0:
        return ReadinessBucket.D90_PLUS
    if days <= 30:
        return ReadinessBucket.IMMEDIATE
    if days <= 60:
        return ReadinessBucket.D30_60
    return ReadinessBucket.D60_90 if days <= 90 else ReadinessBucket.D90_PLUS


def decide_readiness(f: ReadinessFacts) -> tuple[ReadinessBucket, tuple[str, ...]]:
    """The readiness bucket and the codes of the rules that decided it (see `REASON_TEXT`)."""
    return readiness_bucket(f.kind, f.band, f.budget, f.voiced, f.has_signal, f.not_open, f.access, f.days_to_renewal)


def readiness_bucket(
    kind: ExpansionType,
    band: str,
    budget: Budget,
    voiced: bool,
    has_signal: bool,
    not_open: bool,
    access: Access,
    days_to_renewal: int | None,
) -> tuple[ReadinessBucket, tuple[str, ...]]:
    """`decide_readiness` on plain arguments (the portfolio scan calls it once per candidate)."""
    if kind in RENEWAL_TYPES:
        return _by_days(days_to_renewal), ("renewal",)
    if not_open:
        return ReadinessBucket.D90_PLUS, ("not_open",)
    if not has_signal:
        return ReadinessBucket.D90_PLUS, ("no_signal",)
    if budget == "approved" or voiced:
        reasons = tuple(r for r, on in (("budget_approved", budget == "approved"), ("voiced", voiced)) if on)
        return ReadinessBucket.IMMEDIATE, reasons
    if budget == "likely":
        bucket, first = ReadinessBucket.D30_60, "budget_likely"
    elif kind in CONSIDERED:
        bucket, first = ReadinessBucket.D60_90, "considered"
    else:
        bucket, first = ReadinessBucket.D30_60, "quick_buy"
    reasons = [first]
    steps = 0
    if band == "Yellow":
        steps += 1
        reasons.append("yellow")
    if access == "champion":
        steps += 1
        reasons.append("no_target_contact")
    elif access == "none":
        steps += 2
        reasons.append("no_champion")
    return (bucket.later(steps) if steps else bucket), tuple(reasons)


def timeline(config: PropensityConfig, kind: ExpansionType, bucket: ReadinessBucket) -> tuple[int, int]:
    """Days to close (start, end): the type's cycle, not before the readiness window."""
    start, end = config.cycle_days[kind]
    ready_start, ready_end = bucket.window
    return max(start, ready_start), max(end, ready_end)


def timing_share(window: tuple[int, int], days: int) -> float:
    """Share of a uniform close window that falls on or before `days` (the 'timing' factor)."""
    start, end = window
    if days >= end:
        return 1.0
    if days <= start or end == start:
        return 0.0
    return (days - start) / (end - start)


def effort_of(config: PropensityConfig, kind: ExpansionType) -> Effort:
    """Effort to close, by type (from its play)."""
    return config.effort[kind]


class ReadinessResult(BaseModel):
    """When the customer can buy, why, and the rows behind it."""

    bucket: ReadinessBucket = Field(description="immediate, 30-60, 60-90 or 90+ days.")
    reasons: list[str] = Field(description="The rules that decided it, in words.")
    budget: Budget = Field(description="Budget evidence: approved, likely or unknown.")
    access: Access = Field(description="A contact in the target, only a champion elsewhere, or none.")
    evidence: list[Evidence] = Field(default_factory=list)
