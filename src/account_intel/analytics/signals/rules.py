"""Structured signal rules (expansion and risk triggers, usage alerts): pure functions over `AccountFacts`.

Threshold comparisons are done in integers where the data are integers, so 80% means value x 100 >= limit x 80.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from account_intel.analytics.evidence import Evidence, month_key, row_evidence, usage_evidence
from account_intel.analytics.facts import AccountFacts, Catalog, UsagePoint
from account_intel.analytics.health.components import feature_metric, last_complete_month, month_index
from account_intel.analytics.signals.models import (
    HealthDeclineRule,
    NewDepartmentRule,
    OrgChangeRule,
    SatisfactionRule,
    Signal,
    SignalKind,
    UsageLimitRule,
    UsageSpikeRule,
    WhitespaceRule,
    WindowRule,
)
from account_intel.domain.wording import count, plural

BAND_RANK = {"Green": 2, "Yellow": 1, "Red": 0}


def usage_limit(facts: AccountFacts, rule: UsageLimitRule) -> list[Signal]:
    """Per metric with a limit: the latest month at or above 80/90/95% of it; the level is the highest reached."""
    out = []
    for metric in sorted(facts.usage):
        points = [p for p in facts.usage[metric] if p.period <= facts.as_of]
        if metric in rule.exclude_metrics or not points or not points[-1].limit:
            continue
        p = points[-1]
        reached = [level for level in rule.levels if p.value * 100 >= p.limit * level]  # type: ignore[operator]
        if not reached:
            continue
        level = max(reached)
        pct = round(p.value * 100 / p.limit, 1)  # type: ignore[operator]
        out.append(
            Signal(
                kind=SignalKind.USAGE_LIMIT,
                date=p.period,
                strength=rule.levels[level],
                summary=f"{metric} at {pct}% of plan limit in {month_key(p.period)} ({p.value:,} of {p.limit:,})",
                data={"metric": metric, "level_pct": level, "utilisation_pct": pct, "value": p.value, "limit": p.limit},
                evidence=[usage_evidence(facts.account_id, metric, p.period, p.value)],
            )
        )
    return out


def _window_sums(points: list[UsagePoint], last: int, months: int) -> tuple[int, int, list[UsagePoint]]:
    recent = prior = 0
    used = []
    for p in points:
        age = last - month_index(p.period)
        if 0 <= age < months:
            recent += p.value
        elif months <= age < 2 * months:
            prior += p.value
        else:
            continue
        used.append(p)
    return recent, prior, used


def usage_spike(facts: AccountFacts, catalog: Catalog, rule: UsageSpikeRule) -> list[Signal]:
    """Sum of the last complete months vs the months before, per feature and per non-seat metric (>= threshold)."""
    last = last_complete_month(facts.as_of)
    series: list[tuple[str, str | None, list[UsagePoint]]] = [
        (feature_metric(fid), fid, points) for fid, points in sorted(facts.feature_usage.items())
    ]
    series += [(m, None, pts) for m, pts in sorted(facts.usage.items()) if m not in rule.exclude_metrics]
    out = []
    for metric, feature_id, points in series:
        recent, prior, used = _window_sums(points, last, rule.months)
        if prior <= 0 or recent * 100 < prior * (100 + rule.threshold_pct):
            continue
        growth = round((recent / prior - 1) * 100, 1)
        feature = catalog.features.get(feature_id) if feature_id else None
        label = feature.name if feature else metric
        latest = max(p.period for p in used)
        out.append(
            Signal(
                kind=SignalKind.USAGE_SPIKE,
                date=latest,
                strength=round(min(1.0, growth / (2 * rule.threshold_pct)), 3),
                summary=f"{label} up {growth}% over the last {rule.months} months ({prior:,} -> {recent:,})",
                feature=feature_id,
                product=feature.product_id if feature else None,
                data={"metric": metric, "growth_pct": growth, "recent": recent, "prior": prior},
                evidence=[usage_evidence(facts.account_id, metric, p.period, p.value) for p in used],
            )
        )
    return out


def _served_departments(facts: AccountFacts) -> set[str]:
    return {line.department_id for line in facts.lines if line.department_id}


def new_department_contact(facts: AccountFacts, rule: NewDepartmentRule) -> list[Signal]:
    """Contacts from departments with no line in force, first met within the window; one signal per department."""
    served = _served_departments(facts)
    if not served:
        return []  # no line is scoped to a department: which ones are served is unknown
    since = facts.as_of - timedelta(days=rule.window_days)
    names = {d.id: d.name for d in facts.departments}
    met: dict[str, list[tuple[date, str]]] = defaultdict(list)
    for a in facts.activities:
        if since < a.occurred_on <= facts.as_of:
            for contact_id in a.contact_ids:
                met[contact_id].append((a.occurred_on, a.id))
    by_department: dict[str, list[tuple[date, Evidence, list[Evidence], bool]]] = defaultdict(list)
    for c in facts.contacts:
        if c.department_id is None or c.department_id in served or not c.active:
            continue
        if c.left_on is not None and c.left_on <= facts.as_of:
            continue
        dates = [day for day, _ in met.get(c.id, [])]
        if c.first_contact_on is not None and since < c.first_contact_on <= facts.as_of:
            dates.append(c.first_contact_on)
        if not dates:
            continue
        activities = [
            row_evidence("activity", aid, "meeting_with_contact", period=d.isoformat()) for d, aid in met.get(c.id, [])
        ]
        contact = row_evidence("contact", c.id, "contact", value=c.title or c.name)
        by_department[c.department_id].append((min(dates), contact, activities, c.is_executive))
    out = []
    for department_id, hits in sorted(by_department.items()):
        first = min(hit[0] for hit in hits)
        executive = any(hit[3] for hit in hits)
        name = names.get(department_id, department_id)
        evidence = [row_evidence("department", department_id, "department", value=name)]
        for _, contact, activities, _ in hits:
            evidence += [contact, *activities]
        out.append(
            Signal(
                kind=SignalKind.NEW_DEPARTMENT_CONTACT,
                date=first,
                strength=rule.executive_strength if executive else rule.strength,
                summary=f"{count(len(hits), 'contact')} from {name}, a department with no contract line, since {first}",
                department=name,
                data={"department_id": department_id, "contacts": len(hits), "executive": int(executive)},
                evidence=evidence,
            )
        )
    return out


def satisfaction(facts: AccountFacts, rule: SatisfactionRule) -> list[Signal]:
    """The latest NPS answer at or above the minimum, and a latest CSAT above the one before, within the window."""
    since = facts.as_of - timedelta(days=rule.window_days)
    out = []
    answers = sorted((s for s in facts.surveys if s.responded_on <= facts.as_of), key=lambda s: (s.responded_on, s.id))
    nps = [s for s in answers if s.kind == "nps"]
    if nps and nps[-1].responded_on > since and nps[-1].score >= rule.nps_min:
        s = nps[-1]
        out.append(
            Signal(
                kind=SignalKind.NPS_PROMOTER,
                date=s.responded_on,
                strength=min(1.0, 0.6 + 0.2 * (s.score - rule.nps_min)),
                summary=f"NPS {s.score} on {s.responded_on}",
                data={"nps": s.score},
                evidence=[row_evidence("survey", s.id, "nps", value=s.score, period=s.responded_on.isoformat())],
            )
        )
    csat = [s for s in answers if s.kind == "csat"]
    if len(csat) >= 2 and csat[-1].responded_on > since and csat[-1].score > csat[-2].score:
        new, old = csat[-1], csat[-2]
        out.append(
            Signal(
                kind=SignalKind.CSAT_RISE,
                date=new.responded_on,
                strength=min(1.0, 0.5 + 0.1 * (new.score - old.score)),
                summary=f"CSAT rose from {old.score} to {new.score} on {new.responded_on}",
                data={"csat": new.score, "previous_csat": old.score},
                evidence=[
                    row_evidence("survey", s.id, "csat", value=s.score, period=s.responded_on.isoformat())
                    for s in (old, new)
                ],
            )
        )
    return out


def renewal_window(facts: AccountFacts, rule: WindowRule) -> list[Signal]:
    """Renewal within the window (0..180 days): expansion and renewal can be discussed together."""
    if facts.renewal_date is None:
        return []
    days = (facts.renewal_date - facts.as_of).days
    if not 0 <= days <= rule.window_days:
        return []
    return [
        Signal(
            kind=SignalKind.RENEWAL_WINDOW,
            date=facts.renewal_date,
            strength=round(0.5 + 0.5 * (1 - days / rule.window_days), 3),
            summary=f"renewal on {facts.renewal_date}, in {days} {plural('day', days)}",
            data={"days_to_renewal": days},
            evidence=[row_evidence("account", facts.account_id, "renewal_date", value=facts.renewal_date.isoformat())],
        )
    ]


def qbr_upcoming(facts: AccountFacts, rule: WindowRule) -> list[Signal]:
    """Next QBR within the window (0..30 days): the QBR packet starts."""
    if facts.next_qbr_date is None:
        return []
    days = (facts.next_qbr_date - facts.as_of).days
    if not 0 <= days <= rule.window_days:
        return []
    return [
        Signal(
            kind=SignalKind.QBR_UPCOMING,
            date=facts.next_qbr_date,
            strength=round(0.6 + 0.4 * (1 - days / rule.window_days), 3),
            summary=f"QBR on {facts.next_qbr_date}, in {days} {plural('day', days)}",
            data={"days_to_qbr": days},
            evidence=[
                row_evidence("account", facts.account_id, "next_qbr_date", value=facts.next_qbr_date.isoformat())
            ],
        )
    ]


def org_change(facts: AccountFacts, rule: OrgChangeRule) -> list[Signal]:
    """Org events within the window: executive change, funding, acquisition, new office, hiring, budget, new team."""
    since = facts.as_of - timedelta(days=rule.window_days)
    return [
        Signal(
            kind=SignalKind.ORG_CHANGE,
            date=e.occurred_on,
            strength=rule.strengths.get(e.kind, 0.5),
            summary=f"{e.kind} on {e.occurred_on}" + (f" ({e.magnitude})" if e.magnitude is not None else ""),
            department=e.department,
            geography=e.geography,
            data={"event_kind": e.kind, "magnitude": e.magnitude},
            evidence=[row_evidence("org_event", e.id, e.kind, value=e.description, period=e.occurred_on.isoformat())],
        )
        for e in facts.org_events
        if since < e.occurred_on <= facts.as_of
    ]


def whitespace_detected(
    facts: AccountFacts,
    rule: WhitespaceRule,
    potential: Decimal | None,
    acv: Decimal | None,
    evidence: list[Evidence],
) -> list[Signal]:
    """Whitespace potential above zero (computed by the whitespace map); strength grows with potential / ACV."""
    if potential is None or potential <= 0:
        return []
    ratio = float(potential / acv) if acv else None
    strength = min(1.0, ratio / rule.full_ratio) if ratio is not None else 0.5
    summary = f"whitespace potential ${potential:,.0f}" + (f" ({ratio:.0%} of ACV ${acv:,.0f})" if acv else "")
    return [
        Signal(
            kind=SignalKind.WHITESPACE_DETECTED,
            date=facts.as_of,
            strength=round(strength, 3),
            summary=summary,
            data={"potential": str(potential), "acv": None if acv is None else str(acv)},
            evidence=[*evidence, row_evidence("account", facts.account_id, "arr", value=facts.arr)],
        )
    ]


def health_decline(
    *,
    as_of: date,
    score: float,
    band: str,
    previous_score: float,
    previous_band: str,
    previous_week: date,
    rule: HealthDeclineRule,
    evidence: list[Evidence] | None = None,
) -> list[Signal]:
    """A band drop, or a drop of at least `points`, against the previous snapshot (flagged at once)."""
    drop = round(previous_score - score, 1)
    band_drop = BAND_RANK.get(band, 0) < BAND_RANK.get(previous_band, 0)
    if not band_drop and drop < rule.points:
        return []
    strength = (1.0 if band == "Red" else rule.band_drop_strength) if band_drop else rule.strength
    return [
        Signal(
            kind=SignalKind.HEALTH_DECLINE,
            date=as_of,
            strength=strength,
            summary=f"health {previous_score:.1f} ({previous_band}, week of {previous_week}) -> {score:.1f} ({band})",
            data={
                "drop_points": drop,
                "previous_score": previous_score,
                "score": score,
                "previous_band": previous_band,
                "band": band,
                "previous_week": previous_week.isoformat(),
            },
            evidence=list(evidence or []),
        )
    ]
