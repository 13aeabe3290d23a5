"""Penetration: how much of the customer the account already covers, and what it owns and uses.

`coverage` derives, without evidence objects (the portfolio scan's hot path), what the lines in force cover:
the current plan, seats per department and location, served departments and locations, eligible employees and
adopted features. `build_penetration` turns it into the penetration lines with evidence:
departments served of total (with headcount), seats of eligible employees, features and integrations adopted of
those available, locations served of present.

Served follows `queries.account_profile`: a department is served when a line in force is scoped to it; a location
when a line is scoped to it, or it is the HQ and any line is in force. Eligible employees are the account's
headcount, else the departments' headcount, else the locations'. A feature is adopted when its usage was above
zero in a month starting within the adoption window (90 days, as in the account profile).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from pydantic import BaseModel, Field

from account_intel.analytics.evidence import Evidence, row_evidence, usage_evidence
from account_intel.analytics.facts import AccountFacts, Catalog, LineFact, ProductFact, UsagePoint
from account_intel.analytics.opportunities.sizing import percent

ADOPTION_DAYS = 90
SEAT_METRIC = "seats_used"


@dataclass(slots=True)
class Coverage:
    """What the lines in force cover on the as-of date (plain data, cheap to compute)."""

    plan: ProductFact | None = None
    lines_by_product: dict[str, list[LineFact]] = field(default_factory=dict)
    seat_product_ids: tuple[str, ...] = ()
    seats_total: int = 0
    seats_by_dept: dict[str, int] = field(default_factory=dict)
    seats_by_geo: dict[str, int] = field(default_factory=dict)
    served_depts: set[str] = field(default_factory=set)
    served_geos: set[str] = field(default_factory=set)
    eligible: int = 0
    adopted: set[str] = field(default_factory=set)

    @property
    def acv(self) -> Decimal:
        """Σ quantity × unit price over the lines in force."""
        return sum((line.annual_value for lines in self.lines_by_product.values() for line in lines), Decimal(0))


@dataclass(frozen=True, slots=True)
class CatalogIndex:
    """The catalog grouped the way the whitespace reads it (built once per catalog object)."""

    plans: tuple[ProductFact, ...]  # lowest tier first
    seat_products: tuple[ProductFact, ...]  # sold per seat: their whitespace is people
    usage_modules: tuple[ProductFact, ...]  # usage-priced add-ons (API Package)
    modules: tuple[ProductFact, ...]  # other modules and products, sold flat or per unit
    services: tuple[ProductFact, ...]
    feature_ids: tuple[str, ...]  # features (not integrations), for adoption
    integration_ids: tuple[str, ...]
    seat_ids: tuple[str, ...]


_INDEXES: dict[int, tuple[Catalog, CatalogIndex]] = {}


def catalog_index(catalog: Catalog) -> CatalogIndex:
    """The index of a catalog, cached by object (a catalog is loaded once per run and not changed)."""
    hit = _INDEXES.get(id(catalog))
    if hit is not None and hit[0] is catalog:
        return hit[1]
    products = sorted(catalog.products.values(), key=lambda p: p.name)
    rest = [p for p in products if p.kind not in ("plan", "service")]
    features = sorted(catalog.features.values(), key=lambda f: f.id)
    index = CatalogIndex(
        plans=tuple(catalog.plans()),
        seat_products=tuple(p for p in rest if p.pricing_unit == "seat"),
        usage_modules=tuple(p for p in rest if p.pricing_unit == "usage"),
        modules=tuple(p for p in rest if p.pricing_unit not in ("seat", "usage")),
        services=tuple(p for p in products if p.kind == "service"),
        feature_ids=tuple(f.id for f in features if f.kind == "feature"),
        integration_ids=tuple(f.id for f in features if f.kind == "integration"),
        seat_ids=tuple(p.id for p in rest if p.pricing_unit == "seat"),
    )
    if len(_INDEXES) >= 8:
        _INDEXES.clear()
    _INDEXES[id(catalog)] = (catalog, index)
    return index


def won_seats(line: LineFact, product: ProductFact | None, catalog: Catalog) -> int:
    """Seats a won expansion's generic line buys for its department: its value at the seat list price, rounded down."""
    if product is not None or line.department_id is None:
        return 0
    seat_products = catalog_index(catalog).seat_products
    price = seat_products[0].list_price if seat_products else Decimal(0)
    return int(line.annual_value // price) if price > 0 else 0


def coverage(facts: AccountFacts, catalog: Catalog, adoption_days: int = ADOPTION_DAYS) -> Coverage:
    """Derive what the account's lines in force cover, and which features it used recently."""
    seat_ids = catalog_index(catalog).seat_ids
    cov = Coverage(seat_product_ids=seat_ids)
    products, by_product = catalog.products, cov.lines_by_product
    served_depts, served_geos, seats_by_dept, seats_by_geo = (
        cov.served_depts,
        cov.served_geos,
        cov.seats_by_dept,
        cov.seats_by_geo,
    )
    plan_rank = -1
    for line in facts.lines:
        pid, dept, geo = line.product_id, line.department_id, line.geography_id
        by_product.setdefault(pid, []).append(line)
        product = products.get(pid)
        if product is not None and product.kind == "plan" and (product.tier_rank or 0) > plan_rank:
            cov.plan, plan_rank = product, product.tier_rank or 0
        if dept:
            served_depts.add(dept)
        if geo:
            served_geos.add(geo)
        seats = line.quantity if pid in seat_ids else won_seats(line, product, catalog)
        if seats:
            cov.seats_total += seats
            if dept:
                seats_by_dept[dept] = seats_by_dept.get(dept, 0) + seats
            if geo:
                seats_by_geo[geo] = seats_by_geo.get(geo, 0) + seats
    if facts.lines:
        for g in facts.geographies:
            if g.is_hq:
                served_geos.add(g.id)
    cov.eligible = (
        facts.headcount
        or sum(d.headcount or 0 for d in facts.departments)
        or sum(g.headcount or 0 for g in facts.geographies)
    )
    as_of = facts.as_of
    since = as_of - timedelta(days=adoption_days)
    adopted = cov.adopted
    for feature_id, points in facts.feature_usage.items():
        for point in reversed(points):  # months ascending: read back to the window's start
            if point.period <= since:
                break
            if point.value > 0 and point.period <= as_of:
                adopted.add(feature_id)
                break
    return cov


def peak_utilisation(points: list[UsagePoint] | None, months: int = 3) -> tuple[UsagePoint, Decimal] | None:
    """The month with the highest value / limit among the last `months` points that have a limit."""
    best: tuple[UsagePoint, Decimal] | None = None
    for point in (points or [])[-months:]:
        if point.limit:
            ratio = Decimal(point.value) / Decimal(point.limit)
            if best is None or ratio > best[1]:
                best = (point, ratio)
    return best


def utilisation(value: int, limit: int) -> Decimal:
    """value / limit, two places, half up."""
    return percent(value, limit, 2) / 100


class Ratio(BaseModel):
    """Part of a whole, with headcounts where they apply."""

    part: int
    whole: int
    pct: Decimal = Field(description="part / whole × 100, whole percent, half up.")
    part_headcount: int | None = None
    whole_headcount: int | None = None
    detail: str = Field(default="", description="Which ones, e.g. 'Engineering only'.")
    evidence: list[Evidence] = Field(default_factory=list)


class Penetration(BaseModel):
    """The account's 'Current Penetration' block."""

    departments: Ratio = Field(description="Departments served of total, with headcount.")
    seats: Ratio = Field(description="Seats purchased of eligible employees.")
    seat_usage: Ratio | None = Field(default=None, description="Seats used of purchased (latest month).")
    features: Ratio = Field(description="Features adopted of those in the catalog.")
    integrations: Ratio = Field(description="Integrations adopted of those in the catalog.")
    geographies: Ratio = Field(description="Locations served of present, with headcount.")


def _ratio(part: int, whole: int, **extra: object) -> Ratio:
    return Ratio(part=part, whole=whole, pct=percent(part, whole), **extra)  # type: ignore[arg-type]


def build_penetration(facts: AccountFacts, catalog: Catalog, cov: Coverage) -> Penetration:
    """The penetration block with evidence for every count."""
    account_ev = row_evidence("account", facts.account_id, "headcount", facts.headcount)
    seat_lines = [line for pid in cov.seat_product_ids for line in cov.lines_by_product.get(pid, [])]
    line_ev = [row_evidence("line", line.id, "seats", line.quantity) for line in seat_lines]

    served = [d for d in facts.departments if d.id in cov.served_depts]
    dept_ev = [row_evidence("department", d.id, "headcount", d.headcount) for d in facts.departments]
    departments = _ratio(
        len(served),
        len(facts.departments),
        part_headcount=sum(d.headcount or 0 for d in served),
        whole_headcount=sum(d.headcount or 0 for d in facts.departments),
        detail=", ".join(d.name for d in served) + (" only" if len(served) == 1 else "") if served else "none",
        evidence=dept_ev,
    )
    seats = _ratio(cov.seats_total, cov.eligible, detail="seats of eligible employees", evidence=[account_ev, *line_ev])

    seat_usage = None
    points = facts.usage.get(SEAT_METRIC)
    if points and points[-1].limit:
        last = points[-1]
        seat_usage = _ratio(
            last.value,
            last.limit or 0,
            detail="seats used of purchased",
            evidence=[usage_evidence(facts.account_id, SEAT_METRIC, last.period, last.value)],
        )

    index = catalog_index(catalog)

    def adoption(ids: tuple[str, ...]) -> Ratio:
        used = [fid for fid in ids if fid in cov.adopted]
        names = ", ".join(catalog.features[fid].name for fid in used)
        evidence = [_feature_evidence(facts, fid) for fid in used]
        return _ratio(len(used), len(ids), detail=names or "none", evidence=evidence)

    geos_served = [g for g in facts.geographies if g.id in cov.served_geos]
    unserved = [g.name for g in facts.geographies if g.id not in cov.served_geos]
    geo_detail = ", ".join(g.name for g in geos_served) or "none"
    if unserved:
        geo_detail += f"; unserved: {', '.join(unserved)}"
    geographies = _ratio(
        len(geos_served),
        len(facts.geographies),
        part_headcount=sum(g.headcount or 0 for g in geos_served),
        whole_headcount=sum(g.headcount or 0 for g in facts.geographies),
        detail=geo_detail,
        evidence=[row_evidence("geography", g.id, "headcount", g.headcount) for g in facts.geographies],
    )
    return Penetration(
        departments=departments,
        seats=seats,
        seat_usage=seat_usage,
        features=adoption(index.feature_ids),
        integrations=adoption(index.integration_ids),
        geographies=geographies,
    )


def _feature_evidence(facts: AccountFacts, feature_id: str) -> Evidence:
    """The latest month of a feature's usage (metric `feature:<id>`, the demo's and importer's convention)."""
    last = facts.feature_usage[feature_id][-1]
    return usage_evidence(facts.account_id, f"feature:{feature_id}", last.period, last.value)
