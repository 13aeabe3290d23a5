"""Sizing formulas: values at list price, half-up rounding, and the FORMULAS registry a grounding check relies on."""

from __future__ import annotations

import inspect
from decimal import Decimal

import pytest

from account_intel.analytics.opportunities import sizing
from account_intel.analytics.opportunities.sizing import FORMULAS, Sized, money, percent, sized

SEAT = Decimal("1200.00")


def test_seed_003_opportunities_at_list_price() -> None:
    assert sizing.seat_expansion(15, SEAT) == Decimal("18000.00")  # Marketing: 15 seats
    assert sizing.tier_upgrade(Decimal(40_000), Decimal(64_000)) == Decimal("24000.00")  # Professional -> Enterprise
    assert sizing.cross_sell(Decimal(15_000)) == Decimal("15000.00")  # Compliance Suite
    assert sizing.geographic_expansion(7, SEAT) == Decimal("8400.00")  # London
    assert sizing.new_service(Decimal(2_000), 2) == Decimal("4000.00")  # Training, 2 days
    assert sizing.new_service(Decimal(8_000)) == Decimal("8000.00")  # Premium Support
    assert sizing.volume_increase(2, Decimal(6_000)) == Decimal("12000.00")  # API Package blocks


def test_usage_blocks_bring_peak_back_to_target() -> None:
    assert sizing.usage_blocks(960_000, 1_000_000) == 1  # 1.2M needed at 80%
    assert sizing.usage_blocks(2_500_000, 1_000_000) == 3  # 3.125M needed
    assert sizing.usage_blocks(500_000, 1_000_000) == 1  # at least one block
    assert sizing.usage_blocks(900_000, 1_000_000, target_utilisation=Decimal("0.9")) == 1


def test_seat_whitespace_counts_people_once() -> None:
    assert sizing.seat_whitespace(35, 7, 35) == 35  # TechFlow: London's 7 are among the departments' 35
    assert sizing.seat_whitespace(10, 80, 50) == 50  # a large unserved office, capped by employees without a seat
    assert sizing.seat_whitespace(0, 0, 20) == 0


def test_rate_increase_and_extension_helpers() -> None:
    assert sizing.rate_increase(Decimal(85_000)) == Decimal("4250.00")  # default uplift 5%
    assert sizing.rate_increase(Decimal(85_000), Decimal("0.03")) == Decimal("2550.00")
    assert sizing.contract_extension(Decimal(85_000), 6) == Decimal("42500.00")
    assert sizing.share_of(Decimal(85_000), sizing.T1_ENTRY_RATIO) == Decimal("42500.00")


def test_percent_and_money_round_half_up() -> None:
    assert percent(25, 60) == Decimal(42)  # seed: 42% penetration
    assert percent(7, 12) == Decimal(58)  # seed: 58% adoption
    assert percent(1, 200) == Decimal(1)  # 0.5 rounds up
    assert percent(1, 8, 1) == Decimal("12.5")
    assert percent(3, 0) == Decimal(0)
    assert money(Decimal("0.005")) == Decimal("0.01")
    assert money(Decimal("2.675")) == Decimal("2.68")


def test_every_formula_is_registered_and_described() -> None:
    public = {
        name
        for name, fn in inspect.getmembers(sizing, inspect.isfunction)
        if fn.__module__ == sizing.__name__ and name not in {"money", "sized"}
    }
    registered = {f.fn.__name__ for f in FORMULAS.values()}
    assert public == registered
    assert all(f.description for f in FORMULAS.values())


@pytest.mark.parametrize(
    ("formula", "inputs", "value"),
    [
        ("seat_expansion", {"seats": 15, "seat_price": SEAT}, Decimal("18000.00")),
        ("tier_upgrade", {"current_plan_price": Decimal(40_000), "next_plan_price": Decimal(64_000)}, Decimal(24_000)),
        ("sum", {"line:A": Decimal(40_000), "line:B": Decimal(30_000)}, Decimal(70_000)),
        ("seat_whitespace", {"department_gap": 35, "geography_gap": 7, "eligible_gap": 35}, 35),
    ],
)
def test_sized_figures_recompute_from_their_inputs(formula: str, inputs: dict, value: Decimal) -> None:
    figure = sized(formula, **inputs)
    assert figure.value == value
    assert figure.recompute() == figure.value
    again = Sized.model_validate_json(figure.model_dump_json())
    assert again.recompute() == figure.value
