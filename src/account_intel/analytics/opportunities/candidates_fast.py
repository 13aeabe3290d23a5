"""The portfolio scan's candidates: the whitespace rows and signal strengths, as plain rows.

Levels come from the whitespace map's own detectors (`whitespace.demand`: events, contacts, usage and the text
mentions), text signals from `signals.text` and their targets from `opportunities.matching`: the scan and the
per-account analysis read text through one implementation. What this module keeps to itself is the row shape
(no pydantic map, labels or headlines); signal strengths come from `opportunities.strengths`, which reads the
signal rules' own decisions. A test checks on every demo account, free text included, that the scan's candidates
equal the analysis's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from account_intel.analytics.facts import AccountFacts, Catalog, ProductFact
from account_intel.analytics.opportunities.sizing import (
    cross_sell,
    geographic_expansion,
    new_service,
    seat_expansion,
    seat_whitespace,
    tier_upgrade,
    usage_blocks,
    volume_increase,
)
from account_intel.analytics.opportunities.targets import Target
from account_intel.analytics.propensity.config import ExpansionType
from account_intel.analytics.whitespace.demand import (
    Level,
    Rules,
    TextIndex,
    department_signals,
    geography_signals,
    level_for,
    module_signals,
    plan_signals,
    service_need,
    usage_metric,
)
from account_intel.analytics.whitespace.penetration import SEAT_METRIC, Coverage, catalog_index, utilisation
from account_intel.analytics.whitespace.potential import (
    Reach,
    allocation_order,
    dept_gap,
    geo_gap,
    next_plan,
    reach,
    seat_gaps,
    service_units,
    unallocated_gap,
    usage_peak,
)
from account_intel.domain.enums import OpportunityType


@dataclass(slots=True)
class Row:
    """A sized whitespace row with a level: what one candidate starts from."""

    target: Target
    level: str
    potential: Decimal
    counted: Decimal | None
    pipeline_type: OpportunityType
    has_signal: bool
    opening: bool = False
    gap: int = 0


def whitespace_rows(facts: AccountFacts, catalog: Catalog, cov: Coverage, text: TextIndex, rules: Rules) -> list[Row]:
    """Every candidate row of the whitespace map, with its level and counted size (the map's detectors decide
    levels, text mentions included)."""
    index = catalog_index(catalog)
    upcoming = next_plan(catalog, cov)
    rows: list[Row] = []
    if upcoming is not None:
        rows.append(_plan_row(facts, catalog, cov, upcoming, text, rules))
    for product in index.seat_products:
        rows += _seat_rows(facts, cov, product, text, rules)
    for product in index.usage_modules:
        row = _usage_row(facts, cov, product, rules, upcoming is None)
        if row is not None:
            rows.append(row)
    for product in index.modules:
        if product.id not in cov.lines_by_product:
            rows.append(_module_row(facts, catalog, cov, product, text, rules))
    for product in index.services:
        if product.id not in cov.lines_by_product:
            level = service_need(facts, product, cov, index.feature_ids, rules)[0].value
            size = new_service(product.list_price, service_units(product, rules))
            counted = size if level != "LOW" else None
            target = Target(ExpansionType.NEW_SERVICE, "product", product.name, product_id=product.id)
            rows.append(Row(target, level, size, counted, OpportunityType.NEW_SERVICE, level != "LOW"))
    return rows


def _plan_row(
    facts: AccountFacts, catalog: Catalog, cov: Coverage, plan: ProductFact, text: TextIndex, rules: Rules
) -> Row:
    signals = plan_signals(facts, catalog, plan, text, rules)
    size = tier_upgrade(cov.plan.list_price if cov.plan else Decimal(0), plan.list_price)
    target = Target(ExpansionType.TIER_UPGRADE, "product", plan.name, product_id=plan.id)
    return Row(target, level_for(signals, rules).value, size, size, OpportunityType.VOLUME_INCREASE, bool(signals))


def _signalled(where: Reach, *, department_id: str | None = None, geography_id: str | None = None) -> Reach:
    """A row with a signal (text included) is sized at its full gap (the map's `RowBuilder._signalled`)."""
    return replace(
        where,
        departments=where.departments | ({department_id} if department_id else set()),
        geographies=where.geographies | ({geography_id} if geography_id else set()),
    )


def _seat_rows(facts: AccountFacts, cov: Coverage, product: ProductFact, text: TextIndex, rules: Rules) -> list[Row]:
    price = product.list_price
    seat_points = facts.usage.get(SEAT_METRIC) or []
    last = seat_points[-1] if seat_points and seat_points[-1].limit else None
    seat_use = utilisation(last.value, last.limit or 0) if last else None
    seat_point = (last, seat_use) if last is not None and seat_use is not None else None
    where = reach(facts, cov, rules)
    departments: list[Row] = []
    for dept in facts.departments:
        seats = cov.seats_by_dept.get(dept.id, 0)
        people = max(0, (dept.headcount or 0) - seats)
        if people == 0 and seats:
            continue  # fully seated
        remainder = seats > 0
        signals = department_signals(facts, dept, text, served_remainder=remainder, seat_use=seat_point, rules=rules)
        level = level_for(signals, rules)
        if level != Level.HIGH:
            level = Level.MED if people >= rules.min_headcount else Level.LOW
        else:
            where = _signalled(where, department_id=dept.id)
        gap = dept_gap(dept, cov, where)
        if gap == 0:
            continue  # no headcount: no size
        kind = OpportunityType.VOLUME_INCREASE if remainder else OpportunityType.NEW_DEPARTMENT
        target = Target(
            ExpansionType.SEAT_EXPANSION, "department", dept.name, department_id=dept.id, product_id=product.id,
            served=remainder,
        )  # fmt: skip
        departments.append(Row(target, level.value, seat_expansion(gap, price), None, kind, bool(signals), gap=gap))
    if not any(d.headcount for d in facts.departments) and unallocated_gap(cov, where) > 0:
        gap = unallocated_gap(cov, where)
        level = "MED" if cov.eligible - cov.seats_total >= rules.min_headcount else "LOW"
        target = Target(
            ExpansionType.SEAT_EXPANSION, "account", "employees without a seat", product_id=product.id, served=True
        )
        departments.append(
            Row(target, level, seat_expansion(gap, price), None, OpportunityType.VOLUME_INCREASE, False, gap=gap)
        )
    locations: list[Row] = []
    for geo in facts.geographies:
        if geo_gap(geo, cov, where) == 0:
            continue  # served
        signals, opening = geography_signals(facts, geo, text)
        level = Level.MED if opening else level_for(signals, rules)
        if signals:
            where = _signalled(where, geography_id=geo.id)
        gap = geo_gap(geo, cov, where)
        target = Target(
            ExpansionType.GEOGRAPHIC_EXPANSION, "geography", geo.name, geography_id=geo.id, product_id=product.id
        )
        size = geographic_expansion(gap, price)
        row = Row(target, level.value, size, None, OpportunityType.NEW_LOCATION, bool(signals), opening, gap)
        locations.append(row)
    department_gap, geography_gap, eligible_gap = seat_gaps(facts, cov, where)
    left = seat_whitespace(department_gap, geography_gap, eligible_gap)
    rows = [(r, False) for r in departments] + [(r, True) for r in locations]
    for row, _ in sorted(rows, key=lambda x: allocation_order(x[0].level, x[1], x[0].has_signal, x[0].gap)):
        take = min(row.gap, left)
        left -= take
        row.counted = row.potential if take == row.gap else seat_expansion(take, price) if take > 0 else None
    return departments + locations


def _usage_row(facts: AccountFacts, cov: Coverage, product: ProductFact, rules: Rules, top_plan: bool) -> Row | None:
    owned = product.id in cov.lines_by_product
    peak = usage_peak(facts, product, rules)
    target = Target(
        ExpansionType.VOLUME_INCREASE, "product", product.name, product_id=product.id, metric=usage_metric(product)
    )
    if peak is None or peak[2] < rules.high_usage:
        if owned:
            return None
        size = volume_increase(1, product.list_price)
        return Row(target, "LOW", size, None, OpportunityType.VOLUME_INCREASE, False)
    point = peak[1]
    size = volume_increase(usage_blocks(point.value, point.limit or 0), product.list_price)
    counted = owned or top_plan
    level = Level.HIGH.value if counted else Level.MED.value
    return Row(target, level, size, size if counted else None, OpportunityType.VOLUME_INCREASE, True)


def _module_row(
    facts: AccountFacts, catalog: Catalog, cov: Coverage, product: ProductFact, text: TextIndex, rules: Rules
) -> Row:
    signals = module_signals(facts, catalog, product, cov, text)
    size = cross_sell(product.list_price)
    target = Target(ExpansionType.CROSS_SELL, "product", product.name, product_id=product.id)
    return Row(target, level_for(signals, rules).value, size, size, OpportunityType.NEW_SERVICE, bool(signals))
