"""White-space sizing shared by the map and the scan: addressable seat gaps, the next plan, usage needs.

The addressable cap (docs/data-model.md): people without a seat count in full in a department or location with a
signal, and by the adoption share (propensity.yaml `sizing`) elsewhere; seats are counted once over both views.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from account_intel.analytics.facts import AccountFacts, Catalog, DepartmentFact, GeographyFact, ProductFact, UsagePoint
from account_intel.analytics.opportunities.sizing import Sized, adoption_seats, sized, usage_blocks
from account_intel.analytics.whitespace.demand import (
    DEPARTMENT_EVENTS,
    GEOGRAPHY_EVENTS,
    Level,
    Rules,
    usage_metric,
)
from account_intel.analytics.whitespace.penetration import Coverage, catalog_index, peak_utilisation


def next_plan(catalog: Catalog, cov: Coverage) -> ProductFact | None:
    """The lowest plan ranked above the current one (the lowest plan when none is owned)."""
    rank = (cov.plan.tier_rank or 0) if cov.plan else 0
    return next((p for p in catalog_index(catalog).plans if (p.tier_rank or 0) > rank), None)


@dataclass(frozen=True, slots=True)
class Reach:
    """Who counts as addressable: departments and locations with a structured signal, and the adoption share."""

    departments: frozenset[str]  # department ids: served, or with an org event, an open opportunity or a contact
    geographies: frozenset[str]  # location ids: served, or with a hiring or new-office event
    share: Decimal  # of the people without a seat in a unit with no signal, the share that would use the product


def reach(facts: AccountFacts, cov: Coverage, rules: Rules) -> Reach:
    """The account's signalled departments and locations, from structured data only (never text)."""
    named = {e.department.lower() for e in facts.org_events if e.kind in DEPARTMENT_EVENTS and e.department}
    named |= {t.lower() for o in facts.opportunities if o.stage == "open" for t in o.target_departments}
    staffed = {c.department_id for c in facts.contacts if c.active}
    departments = frozenset(
        d.id for d in facts.departments if d.id in cov.seats_by_dept or d.id in staffed or d.name.lower() in named
    )
    places = {(e.geography or "").lower() for e in facts.org_events if e.kind in GEOGRAPHY_EVENTS}
    geographies = frozenset(
        g.id
        for g in facts.geographies
        if g.id in cov.served_geos or g.name.lower() in places or g.name.split(",")[0].strip().lower() in places
    )
    return Reach(departments, geographies, rules.adoption_share)


def dept_gap(dept: DepartmentFact, cov: Coverage, where: Reach) -> int:
    """Addressable people of a department without a seat: all of them with a signal, else the adoption share."""
    gap = max(0, (dept.headcount or 0) - cov.seats_by_dept.get(dept.id, 0))
    return gap if dept.id in where.departments else adoption_seats(gap, where.share)


def geo_gap(geo: GeographyFact, cov: Coverage, where: Reach) -> int:
    """Addressable people of a location without a seat (all of an unserved one, headcount − scoped seats of a
    served one): all of them with a signal, else the adoption share."""
    if geo.id not in cov.served_geos:
        gap = geo.headcount or 0
    else:
        seats = cov.seats_by_geo.get(geo.id)
        gap = 0 if seats is None else max(0, (geo.headcount or 0) - seats)
    return gap if geo.id in where.geographies else adoption_seats(gap, where.share)


def unallocated_gap(cov: Coverage, where: Reach) -> int:
    """Addressable employees without a seat when no department has a headcount: the adoption share of them."""
    return adoption_seats(max(0, cov.eligible - cov.seats_total), where.share)


def seat_gaps(facts: AccountFacts, cov: Coverage, where: Reach) -> tuple[int, int, int]:
    """(addressable department gap, addressable location gap, employees without a seat); with no department
    headcounts, the department gap is the adoption share of every employee without a seat."""
    eligible_gap = max(0, cov.eligible - cov.seats_total)
    department = location = 0
    known = False
    for dept in facts.departments:
        if dept.headcount:
            known = True
            department += dept_gap(dept, cov, where)
    for geo in facts.geographies:
        location += geo_gap(geo, cov, where)
    return (department if known else unallocated_gap(cov, where)), location, eligible_gap


def untapped_seats(facts: AccountFacts, cov: Coverage, where: Reach) -> Sized:
    """The untapped seats as a sized figure (formula seat_whitespace over the three addressable gaps)."""
    department_gap, geography_gap, eligible_gap = seat_gaps(facts, cov, where)
    return sized(
        "seat_whitespace", department_gap=department_gap, geography_gap=geography_gap, eligible_gap=eligible_gap
    )


def usage_peak(facts: AccountFacts, product: ProductFact, rules: Rules) -> tuple[str, UsagePoint, Decimal] | None:
    """The metric a usage-priced module extends and its peak month and utilisation."""
    metric = usage_metric(product)
    points = facts.usage.get(metric) if metric else None
    peak = peak_utilisation(points, rules.usage_months) if points else None
    return None if peak is None or metric is None else (metric, peak[0], peak[1])


@dataclass(frozen=True, slots=True)
class UsageNeed:
    """What a usage-priced module's peak says: the blocks it takes (1 without a need), its level (None: owned and
    not needed, nothing to sell) and whether it counts (owned, or on the top plan where no upgrade competes)."""

    peak: tuple[str, UsagePoint, Decimal] | None
    needed: bool
    blocks: int
    level: Level | None
    counted: bool


def usage_need(facts: AccountFacts, product: ProductFact, rules: Rules, *, owned: bool, top_plan: bool) -> UsageNeed:
    """The need for more of a usage package: its metric's peak at or above `rules.high_usage` of the limit."""
    peak = usage_peak(facts, product, rules)
    if peak is None or peak[2] < rules.high_usage:
        return UsageNeed(peak, False, 1, None if owned else Level.LOW, False)
    counted = owned or top_plan
    blocks = usage_blocks(peak[1].value, peak[1].limit or 0)
    return UsageNeed(peak, True, blocks, Level.HIGH if counted else Level.MED, counted)


def service_units(product: ProductFact, rules: Rules) -> int:
    """Quantity a service is sized at: the default training days for a per-unit service, else 1."""
    return rules.training_days if product.pricing_unit == "unit" else 1


LEVEL_ORDER = {"HIGH": 3, "MED": 2, "LOW": 1}


def allocation_order(level: str | None, is_location: bool, signalled: bool, gap: int) -> tuple[int, int, int]:
    """The order seat rows are counted in, until the untapped seats are used up: by level (HIGH first); at one
    level a location with a signal (an office opening, hiring there) first, then the departments, then the other
    locations; the larger gap first."""
    group = (0 if signalled else 2) if is_location else 1
    return (-LEVEL_ORDER.get(str(level) if level is not None else "", 0), group, -gap)
