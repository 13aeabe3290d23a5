"""The features a fitted model reads, computed one way for the backtest that fits it and the brief that uses it.

- churn: the health components' sub-scores (the packaged health rules, NaN when a component has no data), and
  tenure and the committed term in months, unclamped (the sub-scores stop rising at their full points).
- expansion: `propensity.features.expansion_features`, with the default health score; a model of one expansion
  type adds that breadth of each kind (`propensity.features.breadth`).
"""

from __future__ import annotations

import math

from account_intel.analytics.facts import AccountFacts, Catalog
from account_intel.analytics.health.components import line_term
from account_intel.analytics.health.config import COMPONENTS
from account_intel.analytics.health.models import QuickHealth
from account_intel.analytics.propensity.config import PropensityConfig
from account_intel.analytics.propensity.features import breadth, expansion_features, months_between, text_features
from account_intel.analytics.signals.models import WindowRule
from account_intel.analytics.signals.text_matcher import TextMatcher

CHURN_FEATURES = (*COMPONENTS, "tenure_months", "term_months")
LABELS = {
    **{c: f"{c} sub-score" for c in COMPONENTS},
    "tenure_months": "months as a customer",
    "term_months": "committed term (months)",
    "not_owned": "products not yet owned",
    "open_opportunities": "open opportunities",
    "recent_wins": "recent expansion wins",
    "months_since_purchase": "months since the last purchase",
    "usage_near_limit": "usage near its limit",
    "log_arr": "ARR (log10)",
    "health": "health score",
    "plans_above": "plans above the current one",
    "modules_not_owned": "modules and services not owned",
    "departments_unseated": "departments without seats",
    "locations_unseated": "locations without seats",
}


def label(feature: str) -> str:
    """What a feature is, in words (its name when it has no label)."""
    return LABELS.get(feature, feature.replace("_", " "))


def tenure_months(facts: AccountFacts) -> float:
    """Months as a customer on the as-of date; NaN when the start is unknown."""
    return months_between(facts.customer_since, facts.as_of)


def term_months(facts: AccountFacts) -> float:
    """The longest committed term of the lines in force, in months; NaN when no line has a known term."""
    return max((t for line in facts.lines if (t := line_term(line)) is not None), default=math.nan)


def churn_features(facts: AccountFacts, health: QuickHealth) -> dict[str, float]:
    """The churn model's features of one account (NaN: unknown)."""
    subs = {c: math.nan if (v := health.sub_scores[c]) is None else float(v) for c in COMPONENTS}
    return subs | {"tenure_months": tenure_months(facts), "term_months": term_months(facts)}


def model_features(
    facts: AccountFacts,
    catalog: Catalog,
    health: QuickHealth,
    config: PropensityConfig,
    *,
    matcher: TextMatcher,
    text_rule: WindowRule,
) -> dict[str, dict[str, float]]:
    """The feature rows of one account: churn, expansion, and `expansion_by_type` (expansion with the breadth of
    each kind, what the models of one expansion type read). `matcher` and `text_rule` read its text signals."""
    text = text_features(facts, matcher, text_rule)
    expansion = expansion_features(facts, catalog, config, health.score, text)
    return {
        "churn": churn_features(facts, health),
        "expansion": expansion,
        "expansion_by_type": expansion | breadth(facts, catalog),
    }
