"""White-space potential on the hot path: seat gaps, the next plan, usage needs and `potential_only`.

`potential_only` gives the map's two totals (current ACV, potential) for one account without rows, labels or
evidence objects, for portfolio scans; `analytics.whitespace` builds the full map from the same helpers, and a
test checks both agree on every demo account.
"""

from __future__ import annotations

from decimal import Decimal

from account_intel.analytics.facts import AccountFacts, Catalog, DepartmentFact, GeographyFact, ProductFact, UsagePoint
from account_intel.analytics.penetration import Coverage, catalog_index, coverage, peak_utilisation
from account_intel.analytics.sizing import Sized, money, seat_whitespace, sized, usage_blocks
from account_intel.analytics.whitespace_signals import (
    DEFAULT_RULES,
    Level,
    Rules,
    service_need,
    usage_metric,
)


def next_plan(catalog: Catalog, cov: Coverage) -> ProductFact | None:
    """The lowest plan ranked above the current one (the lowest plan when none is owned)."""
    rank = (cov.plan.tier_rank or 0) if cov.plan else 0
    return next((p for p in catalog_index(catalog).plans if (p.tier_rank or 0) > rank), None)


def dept_gap(dept: DepartmentFact, cov: Coverage) -> int:
    """People of a department without a seat: headcount − seats scoped to it."""
    return max(0, (dept.headcount or 0) - cov.seats_by_dept.get(dept.id, 0))


def geo_gap(geo: GeographyFact, cov: Coverage) -> int:
    """People of a location without a seat: all of an unserved one, headcount − scoped seats of a served one."""
    if geo.id not in cov.served_geos:
        return geo.headcount or 0
    seats = cov.seats_by_geo.get(geo.id)
    return 0 if seats is None else max(0, (geo.headcount or 0) - seats)


def seat_gaps(facts: AccountFacts, cov: Coverage) -> tuple[int, int, int]:
    """(department gap, location gap, employees without a seat); with no department headcounts, the
    department gap is every employee without a seat."""
    eligible_gap = max(0, cov.eligible - cov.seats_total)
    department = location = 0
    known = False
    for dept in facts.departments:
        if dept.headcount:
            known = True
            department += dept_gap(dept, cov)
    for geo in facts.geographies:
        location += geo_gap(geo, cov)
    return (department if known else eligible_gap), location, eligible_gap


def untapped_seats(facts: AccountFacts, cov: Coverage) -> Sized:
    """The untapped seats as a sized figure (formula seat_whitespace over the three gaps)."""
    department_gap, geography_gap, eligible_gap = seat_gaps(facts, cov)
    return sized(
        "seat_whitespace", department_gap=department_gap, geography_gap=geography_gap, eligible_gap=eligible_gap
    )


def usage_peak(facts: AccountFacts, product: ProductFact, rules: Rules) -> tuple[str, UsagePoint, Decimal] | None:
    """The metric a usage-priced module extends and its peak month and utilisation."""
    metric = usage_metric(product)
    points = facts.usage.get(metric) if metric else None
    peak = peak_utilisation(points, rules.usage_months) if points else None
    return None if peak is None or metric is None else (metric, peak[0], peak[1])


def service_units(product: ProductFact, rules: Rules) -> int:
    """Quantity a service is sized at: the default training days for a per-unit service, else 1."""
    return rules.training_days if product.pricing_unit == "unit" else 1


def potential_only(facts: AccountFacts, catalog: Catalog, rules: Rules = DEFAULT_RULES) -> tuple[Decimal, Decimal]:
    """(current ACV, white-space potential) without rows or evidence: the portfolio scan's hot path.

    Same numbers as `build_whitespace_map` (potential never depends on text signals)."""
    index = catalog_index(catalog)
    cov = coverage(facts, catalog)
    owned = cov.lines_by_product
    potential = Decimal(0)
    upgrade = next_plan(catalog, cov)
    if upgrade is not None:
        potential += max(Decimal(0), upgrade.list_price - (cov.plan.list_price if cov.plan else Decimal(0)))
    if index.seat_products:
        seats = seat_whitespace(*seat_gaps(facts, cov))
        potential += sum((p.list_price * seats for p in index.seat_products), Decimal(0))
    for product in index.usage_modules:
        peak = usage_peak(facts, product, rules)
        if peak is not None and peak[2] >= rules.high_usage and (product.id in owned or upgrade is None):
            potential += product.list_price * usage_blocks(peak[1].value, peak[1].limit or 0)
    for product in index.modules:
        if product.id not in owned:
            potential += product.list_price
    for product in index.services:
        if product.id not in owned and service_need(facts, product, cov, index.feature_ids, rules)[0] != Level.LOW:
            potential += product.list_price * service_units(product, rules)
    return money(cov.acv), money(potential)
