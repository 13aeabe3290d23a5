"""Signal strengths of one account for the portfolio scan, by what they bear on: the structured ones as numbers, the
text signals as `signals.text` builds them (their targets follow `opportunities.matching.bears_on`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from account_intel.analytics.facts import AccountFacts, Catalog
from account_intel.analytics.health.components import last_complete_month
from account_intel.analytics.opportunities.matching import bears_on
from account_intel.analytics.opportunities.targets import Target
from account_intel.analytics.propensity.config import ExpansionType
from account_intel.analytics.signals.models import Signal, SignalConfig
from account_intel.analytics.whitespace.penetration import SEAT_METRIC


@dataclass(slots=True)
class Strengths:
    """Signal strengths of one account, by what they bear on: the structured ones as numbers, the text signals as
    `signals.text` builds them (their targets follow `matching.bears_on`)."""

    limits: dict[str, float]  # usage_limit by metric
    spikes: dict[str, float]  # usage_spike by (non-feature) metric
    departments: dict[str, list[float]]  # new-department contacts and org events, by department name (lower)
    places: dict[str, list[float]]  # org events by location (lower)
    renewal: float | None
    text: list[Signal] = field(default_factory=list)

    def text_for(self, target: Target, catalog: Catalog) -> list[Signal]:
        """The text signals bearing on a target."""
        return [s for s in self.text if bears_on(target, s, catalog)]

    def for_target(self, target: Target, catalog: Catalog) -> list[float]:
        """The strengths bearing on a target (the rows of `opportunities.matching`'s table)."""
        return self._structured(target) + [s.strength for s in self.text_for(target, catalog)]

    def _structured(self, target: Target) -> list[float]:
        kind = target.kind
        if kind is ExpansionType.SEAT_EXPANSION:
            found = list(self.departments.get(target.name.lower(), ())) if target.scope == "department" else []
            if target.served and SEAT_METRIC in self.limits:
                found.append(self.limits[SEAT_METRIC])
            return found
        if kind is ExpansionType.GEOGRAPHIC_EXPANSION:
            city, _, country = (p.strip().lower() for p in target.name.partition(","))
            names = {target.name.lower(), city} | ({country} if country else set())
            return [s for place, values in self.places.items() if place in names for s in values]
        if kind is ExpansionType.TIER_UPGRADE:
            return [s for m, s in self.limits.items() if m != SEAT_METRIC] + [
                s for m, s in self.spikes.items() if m != SEAT_METRIC
            ]
        if kind is ExpansionType.VOLUME_INCREASE:
            return [s for m, s in (*self.limits.items(), *self.spikes.items()) if m == target.metric]
        if kind in (ExpansionType.RATE_INCREASE, ExpansionType.CONTRACT_EXTENSION):
            return [self.renewal] if self.renewal is not None else []
        return []


def signal_strengths(facts: AccountFacts, config: SignalConfig, text: list[Signal]) -> Strengths:
    """usage_limit, usage_spike (metrics), new_department_contact, org_change and renewal_window strengths, with
    the account's text signals."""
    as_of = facts.as_of
    limits: dict[str, float] = {}
    rule = config.usage_limit
    for metric, points in facts.usage.items():
        if metric in rule.exclude_metrics:
            continue
        k = len(points) - 1
        while k >= 0 and points[k].period > as_of:
            k -= 1
        if k < 0 or not points[k].limit:
            continue
        p = points[k]
        reached = [level for level in rule.levels if p.value * 100 >= p.limit * level]  # type: ignore[operator]
        if reached:
            limits[metric] = rule.levels[max(reached)]
    spikes: dict[str, float] = {}
    spike = config.usage_spike
    last = last_complete_month(as_of)
    for metric, points in facts.usage.items():
        if metric in spike.exclude_metrics:
            continue
        recent = prior = 0
        for p in points:
            period = p.period
            age = last - (period.year * 12 + period.month - 1)  # health_components.month_index, inlined
            if 0 <= age < spike.months:
                recent += p.value
            elif spike.months <= age < 2 * spike.months:
                prior += p.value
        if prior > 0 and recent * 100 >= prior * (100 + spike.threshold_pct):
            growth = round((recent / prior - 1) * 100, 1)
            spikes[metric] = round(min(1.0, growth / (2 * spike.threshold_pct)), 3)
    departments: dict[str, list[float]] = {}
    places: dict[str, list[float]] = {}
    org = config.org_change
    since = as_of - timedelta(days=org.window_days)
    for e in facts.org_events:
        if since < e.occurred_on <= as_of:
            strength = org.strengths.get(e.kind, 0.5)
            if e.department:
                departments.setdefault(e.department.lower(), []).append(strength)
            if e.geography:
                places.setdefault(e.geography.lower(), []).append(strength)
    for name, strength in _new_department_contacts(facts, config).items():
        departments.setdefault(name, []).append(strength)
    renewal = None
    if facts.renewal_date is not None:
        days, window = (facts.renewal_date - as_of).days, config.renewal.window_days
        if 0 <= days <= window:
            renewal = round(0.5 + 0.5 * (1 - days / window), 3)
    return Strengths(limits, spikes, departments, places, renewal, text)


def _new_department_contacts(facts: AccountFacts, config: SignalConfig) -> dict[str, float]:
    """Departments without a line that a contact was first met in, or met in, within the window."""
    served = {line.department_id for line in facts.lines if line.department_id}
    if not served:
        return {}
    rule = config.new_department_contact
    as_of, since = facts.as_of, facts.as_of - timedelta(days=rule.window_days)
    met: set[str] = set()
    for a in facts.activities:
        if since < a.occurred_on <= as_of:
            met.update(a.contact_ids)
    names = {d.id: d.name for d in facts.departments}
    found: dict[str, bool] = {}
    for c in facts.contacts:
        if c.department_id is None or c.department_id in served or not c.active:
            continue
        if c.left_on is not None and c.left_on <= as_of:
            continue
        first = c.first_contact_on is not None and since < c.first_contact_on <= as_of
        if c.id in met or first:
            name = names.get(c.department_id, c.department_id).lower()
            found[name] = found.get(name, False) or c.is_executive
    return {name: rule.executive_strength if executive else rule.strength for name, executive in found.items()}
