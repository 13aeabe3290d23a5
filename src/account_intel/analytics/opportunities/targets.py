"""What an expansion candidate is about, and the structured facts about its target that both paths read.

A `Target` names the candidate (type, scope, department, location or product); the helpers here decide, from
structured data only (no free text), the pieces of readiness that the per-account analysis and the portfolio
scan share: access to the target, budget timing (new-budget events, renewal, fiscal year), an office that is
not open yet, and expansions won before. Both paths call these, so they agree by construction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

from account_intel.analytics.facts import AccountFacts, ContactFact
from account_intel.analytics.opportunities.readiness import Access
from account_intel.analytics.propensity.config import ExpansionType, PropensityConfig
from account_intel.domain.enums import OpportunityType

Scope = Literal["department", "geography", "product", "account"]
TYPE_LABEL = {
    ExpansionType.SEAT_EXPANSION: "Seat expansion",
    ExpansionType.TIER_UPGRADE: "Tier upgrade",
    ExpansionType.CROSS_SELL: "Cross-sell",
    ExpansionType.GEOGRAPHIC_EXPANSION: "Geographic expansion",
    ExpansionType.NEW_SERVICE: "New service",
    ExpansionType.VOLUME_INCREASE: "Volume increase",
    ExpansionType.RATE_INCREASE: "Rate increase",
    ExpansionType.CONTRACT_EXTENSION: "Contract extension",
}
# The pipeline has no "upgrade" type: a higher plan buys more capacity (limits, seats, SLA) of the same platform,
# so the pipeline records a tier upgrade as a volume increase.
PIPELINE_TYPE = {
    ExpansionType.SEAT_EXPANSION: OpportunityType.NEW_DEPARTMENT,
    ExpansionType.TIER_UPGRADE: OpportunityType.VOLUME_INCREASE,
    ExpansionType.CROSS_SELL: OpportunityType.NEW_SERVICE,
    ExpansionType.GEOGRAPHIC_EXPANSION: OpportunityType.NEW_LOCATION,
    ExpansionType.NEW_SERVICE: OpportunityType.NEW_SERVICE,
    ExpansionType.VOLUME_INCREASE: OpportunityType.VOLUME_INCREASE,
    ExpansionType.RATE_INCREASE: OpportunityType.RATE_INCREASE,
    ExpansionType.CONTRACT_EXTENSION: OpportunityType.CONTRACT_EXTENSION,
}
ID_MAX = 96  # opportunities.recommendation_id is VARCHAR(96)
_SLUG = re.compile(r"[^A-Za-z0-9]+")


@dataclass(frozen=True, slots=True)
class Target:
    """What a candidate is about."""

    kind: ExpansionType
    scope: Scope
    name: str
    department_id: str | None = None
    geography_id: str | None = None
    product_id: str | None = None
    served: bool = False  # the remainder of a department that already has seats
    metric: str | None = None  # the usage metric a usage package extends


@lru_cache(maxsize=4096)
def slug(text: str) -> str:
    """Letters and digits, other runs as '-' ('London, UK' -> 'London-UK')."""
    return _SLUG.sub("-", text).strip("-") or "account"


def candidate_id(account_id: str, kind: ExpansionType, target: str) -> str:
    """Stable id `opp:<account>:<type>:<target>` (at most 96 characters)."""
    return f"opp:{account_id}:{kind.value}:{slug(target)}"[:ID_MAX]


def active_contacts(facts: AccountFacts) -> list[ContactFact]:
    """Contacts active on the as-of date (first met by then, not left)."""
    as_of = facts.as_of
    return [
        c
        for c in facts.contacts
        if c.active
        and (c.left_on is None or c.left_on > as_of)
        and (c.first_contact_on is None or c.first_contact_on <= as_of)
    ]


def access_to(target: Target, contacts: list[ContactFact]) -> Access:
    """A contact in the target department (or, account-wide, an active champion); else a champion elsewhere."""
    champion = any(c.role == "champion" for c in contacts)
    if target.scope == "department":
        if any(c.department_id == target.department_id for c in contacts):
            return "target"
        return "champion" if champion else "none"
    if champion:
        return "target"
    return "champion" if contacts else "none"


def wins_before(facts: AccountFacts, config: PropensityConfig) -> int:
    """Expansions closed won within the window before the as-of date."""
    since = facts.as_of - timedelta(days=config.prior_expansions.window_days)
    return sum(
        1 for o in facts.opportunities if o.stage == "closed_won" and o.closed_on is not None and o.closed_on > since
    )


def days_to_renewal(facts: AccountFacts) -> int | None:
    """Days from the as-of date to the renewal date (None without one)."""
    return None if facts.renewal_date is None else (facts.renewal_date - facts.as_of).days


def fiscal_year_start(facts: AccountFacts) -> date:
    """The start of the fiscal year in which the as-of date falls."""
    month, as_of = facts.fiscal_year_start_month, facts.as_of
    year = as_of.year if as_of.month >= month else as_of.year - 1
    return date(year, month, 1)


def budget_events(facts: AccountFacts, target: Target, config: PropensityConfig) -> list[str]:
    """Ids of new-budget org events for the target's department or location within the budget window."""
    if target.scope not in ("department", "geography"):
        return []
    since = facts.as_of - timedelta(days=config.readiness.budget_days)
    name = target.name.lower()
    city = name.split(",")[0].strip()
    out = []
    for e in facts.org_events:
        if e.kind != "new_budget" or not since < e.occurred_on <= facts.as_of:
            continue
        scope = (e.department if target.scope == "department" else e.geography) or ""
        if scope.lower() in (name, city):
            out.append(e.id)
    return out


def account_budget(facts: AccountFacts, config: PropensityConfig) -> list[str]:
    """Account-wide budget moments: the renewal within `renewal_days`, a fiscal year started within
    `fresh_fiscal_days`."""
    reasons = []
    days = days_to_renewal(facts)
    if days is not None and 0 <= days <= config.readiness.renewal_days:
        reasons.append("renewal")
    if (facts.as_of - fiscal_year_start(facts)).days < config.readiness.fresh_fiscal_days:
        reasons.append("fiscal")
    return reasons


def structural_budget(facts: AccountFacts, target: Target, config: PropensityConfig) -> tuple[bool, list[str]]:
    """Budget likely from structured data, and why: budget events for the target, and the account's moments."""
    reasons = [f"org_event:{eid}" for eid in budget_events(facts, target, config)]
    reasons += account_budget(facts, config)
    return bool(reasons), reasons


def not_open(facts: AccountFacts, target: Target) -> str | None:
    """The id of a new-office event naming the location ('office not yet opened'), if any."""
    if target.scope != "geography":
        return None
    full = target.name.lower()
    city = full.split(",")[0].strip()
    for e in facts.org_events:
        if e.kind == "new_office" and (e.geography or "").lower() in (full, city):
            return e.id
    return None
