"""Signals from free text: department, location, initiative, vendor-pain and growth mentions, one signal per value.

Strength is a plain count of what the data show (e.g. a department mention gains when the department has no
contract line, and when growth or vendor pain is mentioned in the same source), not a reading of the text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta

from account_intel.analytics.evidence import Evidence, row_evidence
from account_intel.analytics.facts import AccountFacts
from account_intel.analytics.signals.models import Signal, SignalKind, WindowRule
from account_intel.analytics.signals.text_matcher import MentionKind, TextMention
from account_intel.domain.wording import count

_KIND = {
    MentionKind.DEPARTMENT: SignalKind.TEXT_DEPARTMENT_MENTION,
    MentionKind.LOCATION: SignalKind.TEXT_LOCATION_MENTION,
    MentionKind.INITIATIVE: SignalKind.TEXT_INITIATIVE,
    MentionKind.VENDOR_PAIN: SignalKind.TEXT_VENDOR_PAIN,
    MentionKind.GROWTH: SignalKind.TEXT_GROWTH,
}
BASE = {
    MentionKind.DEPARTMENT: 0.5,
    MentionKind.LOCATION: 0.5,
    MentionKind.INITIATIVE: 0.6,
    MentionKind.VENDOR_PAIN: 0.6,
    MentionKind.GROWTH: 0.5,
}


def _sources(mentions: Sequence[TextMention]) -> list[Evidence]:
    seen: dict[str, Evidence] = {}
    for m in mentions:
        if m.evidence is not None and m.source_id not in seen:
            seen[m.source_id] = m.evidence
    return list(seen.values())


def text_signals(facts: AccountFacts, scanned: Sequence[TextMention], rule: WindowRule) -> list[Signal]:
    """One signal per (kind, value) mentioned in the account's activities and tickets within the window
    (`scanned`: the account's mentions, `TextMatcher.scan`)."""
    since = facts.as_of - timedelta(days=rule.window_days)
    mentions = [m for m in scanned if m.on is None or m.on > since]
    if not mentions:
        return []
    kinds_by_source: dict[str, set[MentionKind]] = defaultdict(set)
    grouped: dict[tuple[MentionKind, str], list[TextMention]] = defaultdict(list)
    for m in mentions:
        kinds_by_source[m.source_id].add(m.kind)
        grouped[(m.kind, m.value)].append(m)
    departments = {d.name.lower(): d for d in facts.departments}
    served = {line.department_id for line in facts.lines if line.department_id}
    geographies = {g.name.lower(): g for g in facts.geographies} | {
        g.country.lower(): g for g in facts.geographies if g.country
    }
    out = []
    for (kind, value), found in sorted(grouped.items(), key=lambda item: (item[0][0].value, item[0][1])):
        evidence = _sources(found)
        latest: date = max((m.on for m in found if m.on is not None), default=facts.as_of)
        strength = BASE[kind] + (0.1 if len(evidence) > 1 else 0.0)
        data: dict[str, str | int | float | None] = {"value": value, "sources": len(evidence)}
        department = geography = None
        if kind is MentionKind.DEPARTMENT:
            known = departments.get(value.lower())
            is_served = known is not None and known.id in served
            together = set().union(*(kinds_by_source[e.id] for e in evidence))
            strength += (0.0 if is_served else 0.2) + 0.1 * (MentionKind.GROWTH in together)
            strength += 0.1 * (MentionKind.VENDOR_PAIN in together)
            department = value
            data |= {"served": int(is_served), "known_department": int(known is not None)}
            if known is not None:
                evidence.append(row_evidence("department", known.id, "department", value=known.name))
        elif kind is MentionKind.LOCATION:
            place = geographies.get(value.lower())
            strength += 0.0 if place is not None else 0.2
            geography = value
            data["known_location"] = int(place is not None)
            if place is not None:
                evidence.append(row_evidence("geography", place.id, "geography", value=place.name))
        words = sorted({m.matched for m in found})
        out.append(
            Signal(
                kind=_KIND[kind],
                date=latest,
                strength=round(min(1.0, strength), 3),
                summary=f"{kind.value} '{value}' mentioned in {count(data['sources'], 'source')} "
                f"({', '.join(words[:3])})",
                department=department,
                geography=geography,
                data=data,
                evidence=evidence,
            )
        )
    return out
