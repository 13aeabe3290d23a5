"""The portfolio scan's candidates: the whitespace map's rows as plain rows (no pydantic map, labels or headlines).

Every decision is the map's own: levels from its detectors (`whitespace.demand`: events, contacts, usage and the
text mentions), the seat rows, their gaps and their allocation from `whitespace.seats.seat_plan`, a usage package's
need from `whitespace.potential.usage_need`, sizes from `opportunities.sizing`. What this module keeps to itself is
the row shape (signal strengths come from `opportunities.strengths`, which reads the signal rules' own
decisions); a test checks on every demo account, free text included, that its candidates equal the analysis's.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from account_intel.analytics.facts import AccountFacts, Catalog, ProductFact
from account_intel.analytics.opportunities.sizing import (
    cross_sell,
    geographic_expansion,
    new_service,
    seat_expansion,
    tier_upgrade,
    volume_increase,
)
from account_intel.analytics.opportunities.targets import Target
from account_intel.analytics.propensity.config import ExpansionType
from account_intel.analytics.whitespace.demand import (
    Rules,
    TextIndex,
    level_for,
    module_signals,
    plan_signals,
    service_need,
    usage_metric,
)
from account_intel.analytics.whitespace.penetration import Coverage, catalog_index
from account_intel.analytics.whitespace.potential import (
    next_plan,
    reach,
    service_units,
    usage_need,
)
from account_intel.analytics.whitespace.seats import seat_plan
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


def _seat_rows(facts: AccountFacts, cov: Coverage, product: ProductFact, text: TextIndex, rules: Rules) -> list[Row]:
    """The seat rows `seats.seat_plan` decides, sized as plain rows (a fully seated or zero-gap row has no size)."""
    price, out = product.list_price, []
    plan = seat_plan(facts, cov, text, rules, reach(facts, cov, rules))
    for seat in plan.departments + plan.locations:
        if seat.active or seat.gap == 0:
            continue
        if seat.geography is not None:
            geo = seat.geography
            target = Target(
                ExpansionType.GEOGRAPHIC_EXPANSION, "geography", geo.name, geography_id=geo.id, product_id=product.id
            )
            size, kind = geographic_expansion(seat.gap, price), OpportunityType.NEW_LOCATION
        elif seat.department is not None:
            dept = seat.department
            target = Target(
                ExpansionType.SEAT_EXPANSION, "department", dept.name, department_id=dept.id, product_id=product.id,
                served=seat.remainder,
            )  # fmt: skip
            size = seat_expansion(seat.gap, price)
            kind = OpportunityType.VOLUME_INCREASE if seat.remainder else OpportunityType.NEW_DEPARTMENT
        else:
            target = Target(
                ExpansionType.SEAT_EXPANSION, "account", "employees without a seat", product_id=product.id, served=True
            )
            size, kind = seat_expansion(seat.gap, price), OpportunityType.VOLUME_INCREASE
        take = seat.take
        counted = size if take == seat.gap else seat_expansion(take, price) if take > 0 else None
        out.append(Row(target, seat.level.value, size, counted, kind, bool(seat.signals), seat.opening, seat.gap))
    return out


def _usage_row(facts: AccountFacts, cov: Coverage, product: ProductFact, rules: Rules, top_plan: bool) -> Row | None:
    owned = product.id in cov.lines_by_product
    need = usage_need(facts, product, rules, owned=owned, top_plan=top_plan)
    if need.level is None:
        return None
    target = Target(
        ExpansionType.VOLUME_INCREASE, "product", product.name, product_id=product.id, metric=usage_metric(product)
    )
    size = volume_increase(need.blocks, product.list_price)
    counted = size if need.counted else None
    return Row(target, need.level.value, size, counted, OpportunityType.VOLUME_INCREASE, need.needed)


def _module_row(
    facts: AccountFacts, catalog: Catalog, cov: Coverage, product: ProductFact, text: TextIndex, rules: Rules
) -> Row:
    signals = module_signals(facts, catalog, product, cov, text)
    size = cross_sell(product.list_price)
    target = Target(ExpansionType.CROSS_SELL, "product", product.name, product_id=product.id)
    return Row(target, level_for(signals, rules).value, size, size, OpportunityType.NEW_SERVICE, bool(signals))
