"""What the per-account analysis reads from free text for readiness: budget approvals and needs voiced by customers.

Text is data: it is matched against fixed patterns, never followed. These two facts are what free text adds to the
structured readiness rules (see `analytics.readiness`); the per-account analysis and the portfolio scan both call
them.

- Budget approved: a clause (text between `.`, `;`, `!`, `?` or a line break) of a note from the last
  `budget_days` that says a budget is approved, allocated, confirmed, secured or signed off, and names the target.
- Voiced: a department or location mentioned, with a need cue (hiring, vendors, budget, logins, ...), in an
  activity of the last `voiced_days` that a customer contact took part in (the client mentions a new
  department in conversation).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache

from account_intel.analytics.facts import AccountFacts, ActivityFact, Catalog
from account_intel.analytics.opportunities.targets import Target
from account_intel.analytics.propensity.config import ExpansionType, PropensityConfig
from account_intel.analytics.signals.models import Signal, SignalKind
from account_intel.analytics.whitespace.demand import MODULE_TERMS, NEED_CUES, PLAN_TERMS, module_key

_CLAUSES = re.compile(r"[.;!?\n]+")
_BUDGET = re.compile(r"\bbudget", re.IGNORECASE)
_APPROVED = re.compile(r"\b(?:approved|allocated|confirmed|secured|signed[\s-]off)\b", re.IGNORECASE)
_NEED = re.compile(r"\b(?:" + NEED_CUES + r")\b", re.IGNORECASE)


@lru_cache(maxsize=2048)
def _term(term: str) -> re.Pattern[str]:
    return re.compile(r"\b" + r"\s+".join(re.escape(w) for w in term.split()), re.IGNORECASE)


def target_terms(target: Target, catalog: Catalog) -> tuple[str, ...]:
    """Words that name the target in a note."""
    if target.scope == "department":
        return (target.name,)
    if target.scope == "geography":
        city, _, country = (part.strip() for part in target.name.partition(","))
        return tuple(t for t in (target.name, city, country) if t)
    product = catalog.products.get(target.product_id or "")
    terms: list[str] = [target.name]
    if target.kind in (ExpansionType.TIER_UPGRADE, ExpansionType.VOLUME_INCREASE):
        terms += PLAN_TERMS
    elif product is not None and target.kind is ExpansionType.CROSS_SELL:
        terms += MODULE_TERMS.get(module_key(product, MODULE_TERMS) or "", ())
    return tuple(terms)


@dataclass(slots=True)
class TextReadiness:
    """An account's recent notes, split for the two checks."""

    clauses: list[tuple[ActivityFact, str]] = field(default_factory=list)  # budget-approval clauses, recent
    recent: dict[str, ActivityFact] = field(default_factory=dict)  # activity id -> activity (voiced window)
    needs: set[str] = field(default_factory=set)  # ids of recent activities with a need cue


def read_text(facts: AccountFacts, config: PropensityConfig) -> TextReadiness:
    """Collect the budget-approval clauses and the recent activities with a need cue."""
    out = TextReadiness()
    budget_since = facts.as_of - timedelta(days=config.readiness.budget_days)
    voiced_since = facts.as_of - timedelta(days=config.readiness.voiced_days)
    for a in facts.activities:
        if not budget_since < a.occurred_on <= facts.as_of:
            continue
        text = f"{a.subject or ''}. {a.body or ''}"
        for clause in _CLAUSES.split(text):
            if _BUDGET.search(clause) and _APPROVED.search(clause):
                out.clauses.append((a, clause))
        if a.occurred_on > voiced_since:
            out.recent[a.id] = a
            if _NEED.search(text):
                out.needs.add(a.id)
    return out


def budget_approvals(text: TextReadiness, terms: tuple[str, ...]) -> list[ActivityFact]:
    """Activities with a budget-approval clause that names one of the terms."""
    found: dict[str, ActivityFact] = {}
    for activity, clause in text.clauses:
        if any(_term(t).search(clause) for t in terms):
            found.setdefault(activity.id, activity)
    return list(found.values())


def voiced_in(
    text: TextReadiness, source_ids: list[str], active_ids: set[str], extra_needs: set[str]
) -> list[ActivityFact]:
    """Recent activities among the mention sources that a customer contact took part in and that carry a need."""
    out = []
    for source in source_ids:
        prefix, _, row_id = source.partition(":")
        activity = text.recent.get(row_id) if prefix == "activity" else None
        if activity is None or not active_ids.intersection(activity.contact_ids):
            continue
        if activity.id in text.needs or source in extra_needs:
            out.append(activity)
    return out


NEED_KINDS = (SignalKind.TEXT_GROWTH, SignalKind.TEXT_VENDOR_PAIN)
MENTION_KINDS = (SignalKind.TEXT_DEPARTMENT_MENTION, SignalKind.TEXT_LOCATION_MENTION)


def need_sources(signals: Iterable[Signal]) -> set[str]:
    """Evidence ids of the sources of the growth and vendor-pain signals: a need voiced there counts."""
    return {eid for s in signals if s.kind in NEED_KINDS for eid in s.evidence_ids}


def mention_sources(signals: Iterable[Signal]) -> list[str]:
    """Evidence ids of the sources of the department and location mentions among a target's signals."""
    return [eid for s in signals if s.kind in MENTION_KINDS for eid in s.evidence_ids]
