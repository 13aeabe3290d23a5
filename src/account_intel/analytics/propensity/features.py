"""Expansion features of one account on its as-of date: what a fitted propensity model learns from.

Each feature is a plain number computed from `AccountFacts` alone (the facts loader has already windowed every
dated row by the as-of date, so nothing after it can reach a feature). Unknown stays unknown: a feature without
data is NaN, and the fit imputes it with the training mean (neither good nor bad), never with 0.

- `not_owned`: whitespace breadth, catalog items the account does not own yet (products without a line in force,
  and plans above its highest plan; a lower plan is not whitespace).
- `open_opportunities`: opportunities open on the date.
- `recent_wins`: expansions closed won within the prior-expansion window (`propensity.yaml`).
- `months_since_purchase`: recency, months since the latest line in force started (NaN without lines).
- `usage_near_limit`: the highest share of a plan limit reached in the latest month of any limited metric.
- `tenure_months`: months as a customer (NaN when the start is unknown).
- `log_arr`: log10 of 1 + ARR.
- `health`: the health score on the date (0-100).
- `text_demand`: the department, location and initiative mentions in the account's recent notes, tickets and
  events (`signals.text.text_signals`, one per value, within the text signals' window), what the brief's signals
  read; NaN when the account has no text at all.
- `text_need`: the growth and vendor-pain mentions, the same way.

Each expansion type's model (`TYPE_FEATURES`) also reads the whitespace breadth of its own kind:

- `plans_above`: plans above the account's highest plan (an upgrade's room).
- `modules_not_owned`: modules, add-ons and services without a line in force (a new service's room).
- `departments_unseated`: departments with people and no seat line of their own (a new department's room).
- `locations_unseated`: locations with people and no seat line of their own (a new location's room).
"""

from __future__ import annotations

import math
from datetime import date

from account_intel.analytics.facts import AccountFacts, Catalog
from account_intel.analytics.health.components import DAYS_PER_MONTH, customer_start
from account_intel.analytics.opportunities.targets import wins_before
from account_intel.analytics.propensity.config import PropensityConfig
from account_intel.analytics.signals.models import SignalKind, WindowRule
from account_intel.analytics.signals.text import text_signals
from account_intel.analytics.signals.text_matcher import TextMatcher, account_mentions

FEATURES = (
    "not_owned",
    "open_opportunities",
    "recent_wins",
    "months_since_purchase",
    "usage_near_limit",
    "tenure_months",
    "log_arr",
    "health",
    "text_demand",
    "text_need",
)
BREADTH = ("plans_above", "modules_not_owned", "departments_unseated", "locations_unseated")
TYPE_FEATURES = (*FEATURES, *BREADTH)
NAN = float("nan")
DEMAND_KINDS = frozenset(
    {SignalKind.TEXT_DEPARTMENT_MENTION, SignalKind.TEXT_LOCATION_MENTION, SignalKind.TEXT_INITIATIVE}
)


def not_owned(facts: AccountFacts, catalog: Catalog) -> int:
    """Catalog items the account does not own on its as-of date: products without a line in force, and plans above
    its highest plan (a lower plan is not whitespace)."""
    owned = {line.product_id for line in facts.lines}
    top = max((p.tier_rank or 0 for i, p in catalog.products.items() if i in owned and p.kind == "plan"), default=-1)
    return sum(
        1
        for product_id, product in catalog.products.items()
        if product_id not in owned and not (product.kind == "plan" and (product.tier_rank or 0) <= top)
    )


def months_between(since: date | None, as_of: date) -> float:
    """Months from `since` to `as_of`; NaN when `since` is unknown or after `as_of`."""
    return NAN if since is None or since > as_of else (as_of - since).days / DAYS_PER_MONTH


def usage_near_limit(facts: AccountFacts) -> float:
    """The highest value / limit of the latest point on or before the as-of date of each limited metric (NaN
    without any limited metric)."""
    best = NAN
    for points in facts.usage.values():
        latest = next((p for p in reversed(points) if p.period <= facts.as_of), None)
        if latest is not None and latest.limit:
            share = latest.value / latest.limit
            best = share if math.isnan(best) else max(best, share)
    return best


def text_features(facts: AccountFacts, matcher: TextMatcher, rule: WindowRule) -> dict[str, float]:
    """`text_demand` and `text_need` from the account's text signals (NaN for both without any text)."""
    if not (facts.activities or facts.tickets or facts.org_events):
        return {"text_demand": NAN, "text_need": NAN}
    found = text_signals(facts, account_mentions(facts, matcher), rule)
    demand = sum(1 for s in found if s.kind in DEMAND_KINDS)
    return {"text_demand": float(demand), "text_need": float(len(found) - demand)}


def expansion_features(
    facts: AccountFacts, catalog: Catalog, config: PropensityConfig, health: float, text: dict[str, float]
) -> dict[str, float]:
    """The account's features in `FEATURES` order (NaN: unknown); `text` is `text_features`'s."""
    latest = max((line.start_date for line in facts.lines), default=None)
    return {
        "not_owned": float(not_owned(facts, catalog)),
        "open_opportunities": float(sum(1 for o in facts.opportunities if o.stage == "open")),
        "recent_wins": float(wins_before(facts, config)),
        "months_since_purchase": months_between(latest, facts.as_of),
        "usage_near_limit": usage_near_limit(facts),
        "tenure_months": months_between(customer_start(facts), facts.as_of),
        "log_arr": math.log10(1 + float(facts.arr)),
        "health": float(health),
        "text_demand": text["text_demand"],
        "text_need": text["text_need"],
    }


def breadth(facts: AccountFacts, catalog: Catalog) -> dict[str, float]:
    """The whitespace breadth of each kind (see the module docstring)."""
    owned = {line.product_id for line in facts.lines}
    top = max((p.tier_rank or 0 for i, p in catalog.products.items() if i in owned and p.kind == "plan"), default=-1)
    seated_departments = {line.department_id for line in facts.lines if line.department_id}
    seated_locations = {line.geography_id for line in facts.lines if line.geography_id}
    return {
        "plans_above": float(
            sum(1 for p in catalog.products.values() if p.kind == "plan" and (p.tier_rank or 0) > top)
        ),
        "modules_not_owned": float(sum(1 for i, p in catalog.products.items() if p.kind != "plan" and i not in owned)),
        "departments_unseated": float(
            sum(1 for d in facts.departments if (d.headcount or 0) > 0 and d.id not in seated_departments)
        ),
        "locations_unseated": float(
            sum(1 for g in facts.geographies if (g.headcount or 0) > 0 and g.id not in seated_locations)
        ),
    }
