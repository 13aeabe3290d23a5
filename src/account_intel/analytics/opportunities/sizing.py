"""Opportunity sizing at list price: small named formulas, each recorded with its inputs so a number can be re-derived.

Every sized figure is a `Sized` (formula name, inputs, value); `FORMULAS[name].fn(**inputs)` gives the value back,
which is what the grounding check relies on. All money is `Decimal`, rounded to cents with ROUND_HALF_UP.

| formula | value | used for |
|---|---|---|
| `seat_expansion` | seats × seat list price | a new department, the remainder of a served one |
| `geographic_expansion` | headcount × seat list price | an unserved office |
| `tier_upgrade` | next plan list price − current plan list price | the next plan tier |
| `cross_sell` | module list price | an add-on module not owned |
| `new_service` | service list price × quantity (1 for flat services, days for Training) | a service line |
| `volume_increase` | blocks × block list price | a usage package (API Package) |
| `usage_blocks` | ceil((peak usage / target utilisation − limit) / block size), at least 1 | blocks needed |
| `adoption_seats` | ceil(people × adoption share) | the people of a department or location with no signal |
| `seat_whitespace` | min(max(department gap, geography gap), eligible employees − seats) | seats counted once |
| `rate_increase` | current ACV × uplift (default 5%) | a price increase at renewal |
| `contract_extension` | annual value × extra months / 12 | a longer term |
| `sum` | Σ inputs | ACV (Σ line values), total potential |
| `share_of` | whole × ratio | the T1 entry threshold (ACV × 50%) |
| `percent` | part / whole × 100, rounded half up | penetration and growth percentages |
| `expected_value` | potential × close probability | an opportunity's probability-weighted value |
| `priority` | potential × propensity / 100 × readiness weight | the ranking score of an opportunity |
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, Field

CENT = Decimal("0.01")
ONE = Decimal(1)
DEFAULT_RATE_UPLIFT = Decimal("0.05")
DEFAULT_TARGET_UTILISATION = Decimal("0.8")
DEFAULT_BLOCK_SIZE = 1_000_000
T1_ENTRY_RATIO = Decimal("0.5")

Number = Decimal | int


def money(value: Number) -> Decimal:
    """A Decimal amount rounded to cents, half up."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def seat_expansion(seats: int, seat_price: Decimal) -> Decimal:
    """New seats at list price: seats × seat price."""
    return money(seat_price * seats)


def geographic_expansion(headcount: int, seat_price: Decimal) -> Decimal:
    """An unserved location's people at the seat list price: headcount × seat price."""
    return money(seat_price * headcount)


def tier_upgrade(current_plan_price: Decimal, next_plan_price: Decimal) -> Decimal:
    """The step to the next plan: next plan price − current plan price (never negative)."""
    return money(max(Decimal(0), next_plan_price - current_plan_price))


def cross_sell(module_price: Decimal) -> Decimal:
    """An add-on module at its list price."""
    return money(module_price)


def new_service(service_price: Decimal, quantity: int = 1) -> Decimal:
    """A service line: list price × quantity (1 for a flat service, days for a per-day one)."""
    return money(service_price * quantity)


def volume_increase(blocks: int, block_price: Decimal) -> Decimal:
    """More usage capacity: blocks × block list price."""
    return money(block_price * blocks)


def usage_blocks(
    peak: int,
    limit: int,
    block_size: int = DEFAULT_BLOCK_SIZE,
    target_utilisation: Decimal = DEFAULT_TARGET_UTILISATION,
) -> int:
    """Blocks that bring peak usage back to the target utilisation: ceil((peak / target − limit) / block), >= 1."""
    needed = Decimal(peak) / target_utilisation - limit
    return max(1, math.ceil(needed / block_size))


def adoption_seats(people: int, share: Decimal) -> int:
    """People who would use the product: ceil(people × adoption share)."""
    return max(0, math.ceil(Decimal(people) * Decimal(share)))


def seat_whitespace(department_gap: int, geography_gap: int, eligible_gap: int) -> int:
    """Seats counted once: departments and locations are two views of the same people, so take the larger view,
    at most the employees without a seat."""
    return max(0, min(max(department_gap, geography_gap), eligible_gap))


def rate_increase(current_acv: Decimal, uplift: Decimal = DEFAULT_RATE_UPLIFT) -> Decimal:
    """A price increase: current ACV × uplift (default 5%)."""
    return money(current_acv * uplift)


def contract_extension(annual_value: Decimal, extra_months: int = 12) -> Decimal:
    """A longer term: annual value × extra months / 12."""
    return money(annual_value * extra_months / 12)


def total(**parts: Number) -> Decimal:
    """Σ of named parts (line values for ACV, counted items for potential)."""
    return money(sum((Decimal(v) for v in parts.values()), Decimal(0)))


def share_of(whole: Decimal, ratio: Decimal) -> Decimal:
    """A share of a whole: whole × ratio (the T1 entry threshold is ACV × 0.5)."""
    return money(whole * ratio)


def expected_value(potential: Decimal, probability: Decimal) -> Decimal:
    """Probability-weighted value: potential × close probability."""
    return money(Decimal(potential) * Decimal(probability))


def priority(potential: Decimal, propensity: Decimal, readiness_weight: Decimal) -> Decimal:
    """The ranking score: potential × propensity / 100 × readiness weight."""
    return money(Decimal(potential) * Decimal(propensity) / 100 * Decimal(readiness_weight))


def percent(part: Number, whole: Number, places: int = 0) -> Decimal:
    """part / whole × 100, rounded half up to `places` decimals; 0 when whole is 0."""
    if not whole:
        return Decimal(0)
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Formula:
    """A named formula: the callable and what it computes."""

    name: str
    fn: Callable[..., Number]
    description: str


FORMULAS: dict[str, Formula] = {
    f.name: f
    for f in (
        Formula("seat_expansion", seat_expansion, "seats × seat list price"),
        Formula("geographic_expansion", geographic_expansion, "headcount × seat list price"),
        Formula("tier_upgrade", tier_upgrade, "next plan list price − current plan list price"),
        Formula("cross_sell", cross_sell, "module list price"),
        Formula("new_service", new_service, "service list price × quantity"),
        Formula("volume_increase", volume_increase, "blocks × block list price"),
        Formula("usage_blocks", usage_blocks, "ceil((peak / target utilisation − limit) / block size), at least 1"),
        Formula("adoption_seats", adoption_seats, "ceil(people × adoption share)"),
        Formula("seat_whitespace", seat_whitespace, "min(max(department gap, geography gap), eligible − seats)"),
        Formula("rate_increase", rate_increase, "current ACV × uplift"),
        Formula("contract_extension", contract_extension, "annual value × extra months / 12"),
        Formula("sum", total, "Σ of the inputs"),
        Formula("share_of", share_of, "whole × ratio"),
        Formula("percent", percent, "part / whole × 100, rounded half up"),
        Formula("expected_value", expected_value, "potential × close probability"),
        Formula("priority", priority, "potential × propensity / 100 × readiness weight"),
    )
}


class Sized(BaseModel):
    """A number with the named formula and inputs it follows from (FORMULAS[formula].fn(**inputs) == value)."""

    formula: str = Field(description="Name of the formula in analytics.sizing.FORMULAS.")
    inputs: dict[str, Decimal | int] = Field(description="Keyword inputs of the formula.")
    value: Decimal | int = Field(description="The formula's result.")

    def recompute(self) -> Decimal | int:
        """Apply the formula to the inputs again (what a grounding check does)."""
        return FORMULAS[self.formula].fn(**self.inputs)


def sized(formula: str, **inputs: Number) -> Sized:
    """Compute a named formula and keep its inputs."""
    return Sized(formula=formula, inputs=inputs, value=FORMULAS[formula].fn(**inputs))
