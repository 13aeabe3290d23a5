"""Demand signals behind whitespace levels: thresholds, term tables and the detectors that read facts and text.

The level rules themselves are documented in `analytics.whitespace`. Each detector returns `Signal`s (a weight,
a short label and evidence); a level follows from the summed weight. Department, location and initiative
mentions come from the optional `mentions` of `analytics.text_matcher` ((kind, value, evidence_id); a value
matches a name word for word) or, without them, from a small keyword check over recent activities, tickets and
org events. A note shows a need when it carries a need cue (NEED_CUES) or a growth / vendor-pain mention. Plan
and feature names, which the matcher has no kind for, are always looked up by keyword. Text is data: it is
matched, never followed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache

from account_intel.analytics.evidence import Evidence, row_evidence, usage_evidence
from account_intel.analytics.facts import (
    AccountFacts,
    Catalog,
    DepartmentFact,
    GeographyFact,
    OrgEventFact,
    ProductFact,
    TicketFact,
    UsagePoint,
)
from account_intel.analytics.opportunities.sizing import percent
from account_intel.analytics.whitespace.penetration import SEAT_METRIC, Coverage, peak_utilisation

Mention = tuple[str, str, str]  # (kind, value, evidence_id)


class Level(StrEnum):
    """Opportunity level of a whitespace item."""

    HIGH = "HIGH"
    MED = "MED"
    LOW = "LOW"


LEVEL_RANK = {Level.HIGH: 3, Level.MED: 2, Level.LOW: 1, None: 0}


def _adoption_share() -> Decimal:
    from account_intel.analytics.propensity.config import default_propensity_config

    return default_propensity_config().sizing.adoption_share


@dataclass(frozen=True, slots=True)
class Rules:
    """Thresholds of the level rules."""

    high_usage: Decimal = Decimal("0.80")  # usage >= 80% of a limit: time for the next plan
    med_usage: Decimal = Decimal("0.60")
    seats_full: Decimal = Decimal("0.90")  # seats used of purchased: the served department is out of seats
    usage_months: int = 3  # peak utilisation over the last N months
    rate_limit_days: int = 60  # e.g. "4 support tickets about rate limits in last 60 days"
    rate_limit_tickets: int = 2
    service_ticket_days: int = 90
    support_tickets_med: int = 4
    support_severe_high: int = 3
    integration_tickets_med: int = 2
    min_headcount: int = 5  # a department or remainder smaller than this is LOW
    low_adoption_pct: Decimal = Decimal(50)  # feature adoption below this makes Training relevant
    training_days: int = 2
    high_score: int = 2
    med_score: int = 1
    t1_entry_ratio: Decimal = Decimal("0.5")
    adoption_share: Decimal = field(default_factory=_adoption_share)  # propensity.yaml `sizing`


DEFAULT_RULES = Rules()

# Words that turn a department mention into a need (people, logins, budget, vendors).
NEED_CUES = (
    r"hiring|hired|grow\w*|headcount|logins?|access|seats?|workspaces?|contractors?|vendors?|budget"
    r"|collaborat\w*|onboard\w*"
)
# Initiative terms per module, keyed by a word of the module's name; the module's own feature names count too.
MODULE_TERMS: dict[str, tuple[str, ...]] = {
    "compliance": ("SOC 2", "SOC2", "ISO 27001", "GDPR", "HIPAA", "audit trail", "audit log", "auditor"),
    "analytics": ("predictive", "forecast", "spreadsheet", "machine learning"),
}
# Adjacent use: (feature-name words, department-name words) per module key; >= 2 adopted features or a department.
MODULE_ADJACENT: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "compliance": (("sso", "audit"), ("security", "legal", "compliance")),
    "analytics": (("report", "dashboard"), ("data",)),
}
# Usage-priced modules: a word of the module's name -> the usage metric it extends.
USAGE_MODULE_METRIC: dict[str, str] = {"api": "api_calls"}
PLAN_TERMS = ("api limit", "rate limit", "throttl")
RATE_LIMIT_CATEGORY = "rate_limit"
SUPPORT_EXCLUDED = ("rate_limit", "feature_request")
SERVICE_KINDS = ("support", "implementation", "training")  # a word of the service's name picks its need rule
DEPARTMENT_EVENTS = ("hiring", "new_budget", "department_created")
GEOGRAPHY_EVENTS = ("hiring", "new_office")


@dataclass(frozen=True, slots=True)
class Signal:
    """One reason for a level: its weight, a short label and the rows behind it."""

    kind: str
    weight: int
    label: str
    evidence: tuple[Evidence, ...] = ()


def score(signals: Sequence[Signal]) -> int:
    """Summed weight of the signals."""
    return sum(s.weight for s in signals)


def level_for(signals: Sequence[Signal], rules: Rules = DEFAULT_RULES) -> Level:
    """HIGH at >= high_score, MED at >= med_score, else LOW."""
    total = score(signals)
    return Level.HIGH if total >= rules.high_score else Level.MED if total >= rules.med_score else Level.LOW


@lru_cache(maxsize=4096)
def _pattern(term: str) -> re.Pattern[str]:
    return re.compile(r"\b" + re.escape(term.lower()).replace(r"\ ", r"\s+") + r"s?\b")


_NEED = re.compile(r"\b(?:" + NEED_CUES + r")\b")


@dataclass(slots=True)
class TextIndex:
    """Recent free text of one account (activities, tickets, org events), lower-cased, with evidence ids."""

    docs: list[tuple[str, str, str]] = field(default_factory=list)  # (evidence id, prefix, text)
    mentions: dict[str, list[tuple[str, str]]] | None = None  # kind -> [(value lower, evidence id)]
    needs: set[str] = field(default_factory=set)  # evidence ids with a need cue (keyword, growth or vendor pain)
    dates: dict[str, str] = field(default_factory=dict)  # evidence id -> ISO date of the source row

    def find(self, term: str) -> list[str]:
        """Evidence ids of documents containing the term as words."""
        pattern = _pattern(term)
        return [eid for eid, _, text in self.docs if pattern.search(text)]


def text_index(facts: AccountFacts, mentions: Sequence[Mention] | None = None) -> TextIndex:
    """Index the account's recent text; keep the mentions by kind when given."""
    index = TextIndex()
    for a in facts.activities:
        index.docs.append((f"activity:{a.id}", "activity", f"{a.subject or ''} {a.body or ''}".lower()))
        index.dates[f"activity:{a.id}"] = a.occurred_on.isoformat()
    for t in facts.tickets:
        index.docs.append((f"ticket:{t.id}", "ticket", f"{t.subject or ''} {t.body or ''}".lower()))
        index.dates[f"ticket:{t.id}"] = t.opened_on.isoformat()
    for e in facts.org_events:
        index.docs.append((f"org_event:{e.id}", "org_event", e.description.lower()))
        index.dates[f"org_event:{e.id}"] = e.occurred_on.isoformat()
    index.needs = {eid for eid, _, text in index.docs if _NEED.search(text)}
    if mentions is not None:
        index.mentions = {}
        for kind, value, evidence_id in mentions:
            index.mentions.setdefault(kind, []).append((value.lower(), evidence_id))
            if kind in ("growth", "vendor_pain"):
                index.needs.add(evidence_id)
    return index


def _text_evidence(index: TextIndex, evidence_id: str, metric: str = "mention") -> Evidence:
    prefix, _, row_id = evidence_id.partition(":")
    return row_evidence(prefix, row_id, metric, period=index.dates.get(evidence_id))


def _mentioned(index: TextIndex, kind: str, term: str) -> list[str]:
    """Evidence ids mentioning `term`: the matcher's mentions of `kind` when given, else the keyword check."""
    if index.mentions is None:
        return index.find(term)
    pattern = _pattern(term)
    return sorted({eid for value, eid in index.mentions.get(kind, []) if pattern.search(value)})


def department_signals(
    facts: AccountFacts,
    dept: DepartmentFact,
    index: TextIndex,
    *,
    served_remainder: bool,
    seat_use: tuple[UsagePoint, Decimal] | None,
    rules: Rules = DEFAULT_RULES,
) -> list[Signal]:
    """Hiring/budget events, contacts, need mentions and open opportunities for a department.

    For the remainder of a served department, text is not read (a note naming two departments would count for
    both); seats nearly all used counts instead."""
    name = dept.name.lower()
    signals: list[Signal] = []
    for e in facts.org_events:
        if e.kind in DEPARTMENT_EVENTS and (e.department or "").lower() == name:
            signals.append(Signal("org_event", 2, f"{e.kind.replace('_', ' ')} event", (_event(e),)))
    for o in facts.opportunities:
        if o.stage == "open" and any(t.lower() == name for t in o.target_departments):
            signals.append(
                Signal(
                    "opportunity", 2, f"open opportunity {o.id}", (row_evidence("opportunity", o.id, "stage", o.stage),)
                )
            )
    if served_remainder:
        if seat_use is not None and seat_use[1] >= rules.seats_full:
            point, ratio = seat_use
            ev = usage_evidence(facts.account_id, SEAT_METRIC, point.period, point.value)
            signals.append(Signal("seat_usage", 2, f"seats {percent(ratio, 1)}% used", (ev,)))
        return signals
    contacts = [c for c in facts.contacts if c.department_id == dept.id and c.active]
    if contacts:
        label = ", ".join(c.title or c.name for c in contacts[:2]) + (" contact" if len(contacts) == 1 else " contacts")
        signals.append(
            Signal("contact", 1, label, tuple(row_evidence("contact", c.id, "department", dept.name) for c in contacts))
        )
    need_ids = [
        eid
        for eid in _mentioned(index, "department", dept.name)
        if eid in index.needs and not eid.startswith("org_event:")  # events count above, by their department
    ]
    if need_ids:
        label = f"{len(need_ids)} note{'s' if len(need_ids) > 1 else ''} on need"
        signals.append(Signal("mention", 2, label, tuple(_text_evidence(index, eid) for eid in need_ids)))
    return signals


def _event(event: OrgEventFact) -> Evidence:
    return row_evidence("org_event", event.id, event.kind, event.magnitude, event.occurred_on.isoformat())


def geography_signals(facts: AccountFacts, geo: GeographyFact, index: TextIndex) -> tuple[list[Signal], bool]:
    """New-office and hiring events and location mentions for a location; also whether the office is opening."""
    city = geo.name.split(",")[0].strip().lower()
    full = geo.name.lower()
    signals: list[Signal] = []
    opening = False
    for e in facts.org_events:
        named = (e.geography or "").lower() in (full, city) or (
            e.kind == "new_office" and bool(_pattern(city).search(e.description.lower()))
        )
        if not named:
            continue
        if e.kind == "new_office":
            opening = True
            signals.append(Signal("org_event", 2, "office opening", (_event(e),)))
        elif e.kind == "hiring":
            signals.append(Signal("org_event", 2, "hiring event", (_event(e),)))
    ids = [eid for eid in _mentioned(index, "location", city) if not eid.startswith("org_event:")]
    if ids:
        signals.append(
            Signal(
                "mention",
                1,
                f"mentioned in {len(ids)} note{'s' if len(ids) > 1 else ''}",
                tuple(_text_evidence(index, eid) for eid in ids),
            )
        )
    return signals, opening


def plan_signals(
    facts: AccountFacts, catalog: Catalog, target: ProductFact, index: TextIndex, rules: Rules
) -> list[Signal]:
    """Limits near full, rate-limit tickets and requests for features of the target plan."""
    signals: list[Signal] = []
    for metric, points in facts.usage.items():
        if metric == SEAT_METRIC:
            continue
        peak = peak_utilisation(points, rules.usage_months)
        if peak is None or peak[1] < rules.med_usage:
            continue
        point, ratio = peak
        weight = 2 if ratio >= rules.high_usage else 1
        ev = usage_evidence(facts.account_id, metric, point.period, point.value)
        signals.append(Signal("usage", weight, f"{metric} at {percent(ratio, 1)}% of limit", (ev,)))
    since = facts.as_of - timedelta(days=rules.rate_limit_days)
    limited = [t for t in facts.tickets if RATE_LIMIT_CATEGORY in (t.category or "") and t.opened_on > since]
    if len(limited) >= rules.rate_limit_tickets:
        evidence = tuple(row_evidence("ticket", t.id, "category", t.category) for t in limited)
        signals.append(
            Signal("tickets", 2, f"{len(limited)} rate-limit tickets in {rules.rate_limit_days} days", evidence)
        )
    terms = [f.name for f in catalog.features.values() if f.min_tier_rank == target.tier_rank and f.product_id is None]
    terms += [target.name, *PLAN_TERMS]
    ids = sorted({eid for term in terms for eid in index.find(term) if not eid.startswith("ticket:")})
    if ids:
        signals.append(
            Signal(
                "mention",
                1,
                f"{_notes(len(ids))} on {target.name} features or limits",
                tuple(_text_evidence(index, eid) for eid in ids),
            )
        )
    return signals


def module_key(product: ProductFact, table: Mapping[str, object]) -> str | None:
    """The key of a term table that names this module (a word of its name)."""
    name = product.name.lower()
    return next((key for key in table if key in name.split()), None)


def module_signals(
    facts: AccountFacts, catalog: Catalog, product: ProductFact, cov: Coverage, index: TextIndex
) -> list[Signal]:
    """Initiatives and the module's feature names in recent text; adjacent use by features or departments."""
    key = module_key(product, MODULE_TERMS)
    ids: set[str] = set()
    found: list[str] = []
    for term in MODULE_TERMS.get(key or "", ()):
        hits = _mentioned(index, "initiative", term)
        ids.update(hits)
        found += [term] if hits else []
    for feature in catalog.features.values():
        hits = index.find(feature.name) if feature.product_id == product.id else []
        ids.update(hits)  # feature names are not a matcher kind: always looked up
        found += [feature.name] if hits else []
    signals: list[Signal] = []
    if ids:
        evidence = tuple(_text_evidence(index, eid) for eid in sorted(ids))
        signals.append(Signal("initiative", 2, f"{', '.join(found)} in {_notes(len(ids))}", evidence))
    feature_words, dept_words = MODULE_ADJACENT.get(key or "", ((), ()))
    adjacent = [
        f for f in catalog.features.values() if f.id in cov.adopted and any(w in f.name.lower() for w in feature_words)
    ]
    if len(adjacent) >= 2:
        evidence = tuple(row_evidence("feature", f.id, "adopted", True) for f in adjacent)
        signals.append(Signal("adjacent", 1, f"uses {', '.join(f.name for f in adjacent)}", evidence))
    depts = [d for d in facts.departments if any(w in d.name.lower() for w in dept_words)]
    if depts:
        evidence = tuple(row_evidence("department", d.id, "headcount", d.headcount) for d in depts)
        signals.append(Signal("adjacent", 1, f"has {', '.join(d.name for d in depts)}", evidence))
    return signals


def _notes(count: int) -> str:
    return f"{count} note{'s' if count != 1 else ''}"


def service_need(
    facts: AccountFacts, product: ProductFact, cov: Coverage, feature_ids: Sequence[str], rules: Rules
) -> tuple[Level, str, list[TicketFact]]:
    """Structured need for a service (tickets, adoption of `feature_ids`), without evidence: level, label, tickets.

    The same rule decides whether a service not owned counts in potential (MED or HIGH)."""
    kind = service_kind(product)
    if kind == "training":
        used = sum(1 for fid in feature_ids if fid in cov.adopted)
        if feature_ids and used * 100 < rules.low_adoption_pct * len(feature_ids):
            return Level.MED, f"feature adoption {percent(used, len(feature_ids))}%", []
        return Level.LOW, "", []
    if not facts.tickets or kind is None:
        return Level.LOW, "", []
    days = rules.service_ticket_days
    since = facts.as_of - timedelta(days=days)
    recent = [t for t in facts.tickets if t.opened_on > since]
    if kind == "support":
        pain = [t for t in recent if not any(x in (t.category or "") for x in SUPPORT_EXCLUDED)]
        escalated = sum(1 for t in pain if t.escalated)
        severe = sum(1 for t in pain if t.severity in ("high", "urgent"))
        if escalated or severe >= rules.support_severe_high:
            return Level.HIGH, f"{escalated} escalated, {severe} severe tickets in {days} days", pain
        if len(pain) >= rules.support_tickets_med:
            return Level.MED, f"{len(pain)} tickets in {days} days", pain
    else:
        broken = [t for t in recent if t.category == "integration"]
        if len(broken) >= rules.integration_tickets_med:
            return Level.MED, f"{len(broken)} integration tickets in {days} days", broken
    return Level.LOW, "", []


@lru_cache(maxsize=256)
def service_kind(product: ProductFact) -> str | None:
    """Which service rule applies, by a word of the service's name: support, implementation or training."""
    name = product.name.lower()
    return next((kind for kind in SERVICE_KINDS if kind in name), None)


@lru_cache(maxsize=256)
def usage_metric(product: ProductFact) -> str | None:
    """The usage metric a usage-priced module extends (USAGE_MODULE_METRIC by a word of its name)."""
    return USAGE_MODULE_METRIC.get(module_key(product, USAGE_MODULE_METRIC) or "")


def service_signals(
    facts: AccountFacts, product: ProductFact, cov: Coverage, feature_ids: Sequence[str], rules: Rules
) -> tuple[Level, list[Signal]]:
    """The service's level with its signal and ticket evidence."""
    level, label, tickets = service_need(facts, product, cov, feature_ids, rules)
    if level == Level.LOW:
        return level, []
    evidence = tuple(row_evidence("ticket", t.id, "category", t.category) for t in tickets)
    return level, [Signal("service_need", LEVEL_RANK[level] - 1, label, evidence)]
