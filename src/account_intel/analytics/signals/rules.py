"""Structured signal rules (expansion and risk triggers, usage alerts): pure functions over `AccountFacts`.

Usage limits and spikes, new-department contacts, org changes and the renewal window are decided in
`signals.cores` (the portfolio scan reads the same decisions); the rules here add the summary, data and evidence.
Threshold comparisons are done in integers where the data are integers, so 80% means value x 100 >= limit x 80.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from account_intel.analytics.evidence import Evidence, month_key, row_evidence, usage_evidence
from account_intel.analytics.facts import AccountFacts, Catalog
from account_intel.analytics.signals import cores
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
    for hit in cores.limits_reached(facts, rule):
        metric, p, level = hit.metric, hit.point, hit.level
        pct = round(p.value * 100 / p.limit, 1)  # type: ignore[operator]
        out.append(
            Signal(
                kind=SignalKind.USAGE_LIMIT,
                date=p.period,
                strength=hit.strength,
                summary=f"{metric} at {pct}% of plan limit in {month_key(p.period)} ({p.value:,} of {p.limit:,})",
                data={"metric": metric, "level_pct": level, "utilisation_pct": pct, "value": p.value, "limit": p.limit},
                evidence=[usage_evidence(facts.account_id, metric, p.period, p.value)],
            )
        )
    return out


def usage_spike(facts: AccountFacts, catalog: Catalog, rule: UsageSpikeRule) -> list[Signal]:
    """Sum of the last complete months vs the months before, per feature and per non-seat metric (>= threshold)."""
    out = []
    for found in cores.spikes(facts, rule):
        metric, feature_id, prior, recent = found.metric, found.feature_id, found.prior, found.recent
        feature = catalog.features.get(feature_id) if feature_id else None
        label = feature.name if feature else metric
        out.append(
            Signal(
                kind=SignalKind.USAGE_SPIKE,
                date=max(p.period for p in found.used),
                strength=found.strength,
                summary=f"{label} up {found.growth}% over the last {rule.months} months ({prior:,} -> {recent:,})",
                feature=feature_id,
                product=feature.product_id if feature else None,
                data={"metric": metric, "growth_pct": found.growth, "recent": recent, "prior": prior},
                evidence=[usage_evidence(facts.account_id, metric, p.period, p.value) for p in found.used],
            )
        )
    return out


def new_department_contact(facts: AccountFacts, rule: NewDepartmentRule) -> list[Signal]:
    """Contacts from departments with no line in force, first met within the window; one signal per department."""
    out = []
    for dept in cores.new_departments(facts, rule):
        evidence = [row_evidence("department", dept.department_id, "department", value=dept.name)]
        for m in dept.contacts:
            c = m.contact
            evidence.append(row_evidence("contact", c.id, "contact", value=c.title or c.name))
            evidence += [
                row_evidence("activity", aid, "meeting_with_contact", period=d.isoformat()) for d, aid in m.meetings
            ]
        n, name, first = len(dept.contacts), dept.name, dept.first
        out.append(
            Signal(
                kind=SignalKind.NEW_DEPARTMENT_CONTACT,
                date=first,
                strength=dept.strength,
                summary=f"{count(n, 'contact')} from {name}, a department with no contract line, since {first}",
                department=name,
                data={"department_id": dept.department_id, "contacts": n, "executive": int(dept.executive)},
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
    due = cores.renewal_due(facts, rule)
    if due is None:
        return []
    return [
        Signal(
            kind=SignalKind.RENEWAL_WINDOW,
            date=due.day,
            strength=due.strength,
            summary=f"renewal on {due.day}, in {due.days} {plural('day', due.days)}",
            data={"days_to_renewal": due.days},
            evidence=[row_evidence("account", facts.account_id, "renewal_date", value=due.day.isoformat())],
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
    out = []
    for hit in cores.org_hits(facts, rule):
        e = hit.event
        out.append(
            Signal(
                kind=SignalKind.ORG_CHANGE,
                date=e.occurred_on,
                strength=hit.strength,
                summary=f"{e.kind} on {e.occurred_on}" + (f" ({e.magnitude})" if e.magnitude is not None else ""),
                department=e.department,
                geography=e.geography,
                data={"event_kind": e.kind, "magnitude": e.magnitude},
                evidence=[
                    row_evidence("org_event", e.id, e.kind, value=e.description, period=e.occurred_on.isoformat())
                ],
            )
        )
    return out


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
