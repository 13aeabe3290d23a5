"""The decisions of the structured signal rules, as plain values: which usage reached a plan limit, which series
spiked, which departments without a line were met, which org events fall in the window, how close the renewal is.

`signals.rules` builds its `Signal`s (summary, data, evidence) from these, and the portfolio scan
(`opportunities.strengths`) reads its strengths from them: each threshold, window and strength formula is written
once, here. Threshold comparisons are done in integers where the data are integers, so 80% means
value x 100 >= limit x 80.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from account_intel.analytics.facts import AccountFacts, ContactFact, OrgEventFact, UsagePoint
from account_intel.analytics.health.components import feature_metric, last_complete_month, month_index
from account_intel.analytics.signals.models import (
    NewDepartmentRule,
    OrgChangeRule,
    UsageLimitRule,
    UsageSpikeRule,
    WindowRule,
)

UNLISTED_EVENT_STRENGTH = 0.5  # an org event kind the configuration does not list


@dataclass(frozen=True, slots=True)
class LimitReached:
    """The latest point of a metric at or above a level of its plan limit: the highest level reached."""

    metric: str
    point: UsagePoint
    level: int
    strength: float


@dataclass(frozen=True, slots=True)
class Spike:
    """Usage of the last complete months against the months before, at or above the threshold."""

    metric: str
    feature_id: str | None  # the feature whose usage this is (None: an account metric)
    recent: int
    prior: int
    growth: float  # percent, one decimal
    strength: float
    used: tuple[UsagePoint, ...]  # the points of both windows, in series order


@dataclass(frozen=True, slots=True)
class Met:
    """A contact of a department without a line, met (or first contacted) within the window."""

    contact: ContactFact
    first: date
    meetings: tuple[tuple[date, str], ...]  # (day, activity id) of the window's activities with the contact


@dataclass(frozen=True, slots=True)
class NewDepartment:
    """A department with no line in force whose contacts were met within the window."""

    department_id: str
    name: str
    first: date
    contacts: tuple[Met, ...]
    executive: bool
    strength: float


@dataclass(frozen=True, slots=True)
class OrgHit:
    """An org event within the window, with the strength of its kind."""

    event: OrgEventFact
    strength: float


@dataclass(frozen=True, slots=True)
class Due:
    """A date within its window: days until it and the strength."""

    day: date
    days: int
    strength: float


def latest_point(points: Sequence[UsagePoint], as_of: date) -> UsagePoint | None:
    """The last point of a series dated on or before the as-of date."""
    for p in reversed(points):
        if p.period <= as_of:
            return p
    return None


def limit_reached(metric: str, points: Sequence[UsagePoint], as_of: date, rule: UsageLimitRule) -> LimitReached | None:
    """The highest level of its plan limit the metric's latest point reached (None: no limit, or none reached)."""
    p = latest_point(points, as_of)
    limit = p.limit if p is not None else None
    if p is None or not limit:
        return None
    reached = [level for level in rule.levels if p.value * 100 >= limit * level]
    if not reached:
        return None
    level = max(reached)
    return LimitReached(metric, p, level, rule.levels[level])


def limits_reached(facts: AccountFacts, rule: UsageLimitRule) -> list[LimitReached]:
    """Per metric with a limit (by name, excluded ones left out): the level its latest point reached."""
    out = []
    for metric in sorted(facts.usage):
        if metric not in rule.exclude_metrics:
            hit = limit_reached(metric, facts.usage[metric], facts.as_of, rule)
            if hit is not None:
                out.append(hit)
    return out


def spike(
    metric: str, feature_id: str | None, points: Sequence[UsagePoint], last: int, rule: UsageSpikeRule
) -> Spike | None:
    """The series' spike: the `months` up to month index `last` against the `months` before (None: below the
    threshold, or nothing before)."""
    months = rule.months
    recent = prior = 0
    for p in points:
        age = last - month_index(p.period)
        if 0 <= age < months:
            recent += p.value
        elif months <= age < 2 * months:
            prior += p.value
    if prior <= 0 or recent * 100 < prior * (100 + rule.threshold_pct):
        return None
    growth = round((recent / prior - 1) * 100, 1)
    strength = round(min(1.0, growth / (2 * rule.threshold_pct)), 3)
    used = tuple(p for p in points if 0 <= last - month_index(p.period) < 2 * months)
    return Spike(metric, feature_id, recent, prior, growth, strength, used)


def spikes(facts: AccountFacts, rule: UsageSpikeRule) -> list[Spike]:
    """Spikes of the last complete months, per feature (by id) then per non-excluded metric (by name)."""
    last = last_complete_month(facts.as_of)
    series: list[tuple[str, str | None, list[UsagePoint]]] = [
        (feature_metric(fid), fid, points) for fid, points in sorted(facts.feature_usage.items())
    ]
    series += [(m, None, pts) for m, pts in sorted(facts.usage.items()) if m not in rule.exclude_metrics]
    out = []
    for metric, feature_id, points in series:
        found = spike(metric, feature_id, points, last, rule)
        if found is not None:
            out.append(found)
    return out


def new_departments(facts: AccountFacts, rule: NewDepartmentRule) -> list[NewDepartment]:
    """Departments with no line in force (by id) whose active contacts were met, or first contacted, within the
    window; none when no line is scoped to a department (which ones are served is then unknown)."""
    served = {line.department_id for line in facts.lines if line.department_id}
    if not served:
        return []
    as_of = facts.as_of
    unserved: list[tuple[str, ContactFact]] = []
    for c in facts.contacts:
        department_id, gone = c.department_id, c.left_on is not None and c.left_on <= as_of
        if department_id is not None and department_id not in served and c.active and not gone:
            unserved.append((department_id, c))
    if not unserved:
        return []
    wanted = {c.id for _, c in unserved}
    since = as_of - timedelta(days=rule.window_days)
    met: dict[str, list[tuple[date, str]]] = defaultdict(list)
    for a in facts.activities:
        if since < a.occurred_on <= as_of:
            for contact_id in a.contact_ids:
                if contact_id in wanted:
                    met[contact_id].append((a.occurred_on, a.id))
    by_department: dict[str, list[Met]] = defaultdict(list)
    for department_id, c in unserved:
        meetings = met.get(c.id, [])
        dates = [day for day, _ in meetings]
        if c.first_contact_on is not None and since < c.first_contact_on <= as_of:
            dates.append(c.first_contact_on)
        if dates:
            by_department[department_id].append(Met(c, min(dates), tuple(meetings)))
    names = {d.id: d.name for d in facts.departments}
    out = []
    for department_id, contacts in sorted(by_department.items()):
        executive = any(m.contact.is_executive for m in contacts)
        out.append(
            NewDepartment(
                department_id,
                names.get(department_id, department_id),
                min(m.first for m in contacts),
                tuple(contacts),
                executive,
                rule.executive_strength if executive else rule.strength,
            )
        )
    return out


def org_hits(facts: AccountFacts, rule: OrgChangeRule) -> list[OrgHit]:
    """The org events within the window, in the facts' order, with their kind's strength."""
    since = facts.as_of - timedelta(days=rule.window_days)
    return [
        OrgHit(e, rule.strengths.get(e.kind, UNLISTED_EVENT_STRENGTH))
        for e in facts.org_events
        if since < e.occurred_on <= facts.as_of
    ]


def renewal_due(facts: AccountFacts, rule: WindowRule) -> Due | None:
    """The renewal within the window (0..window days), stronger as it nears."""
    day = facts.renewal_date
    if day is None:
        return None
    days = (day - facts.as_of).days
    if not 0 <= days <= rule.window_days:
        return None
    return Due(day, days, round(0.5 + 0.5 * (1 - days / rule.window_days), 3))
