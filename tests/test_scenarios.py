"""Seed 003's scenario arithmetic (TechFlow, 'Expected Outcomes (90 Days)') reproduced exactly."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from account_intel.analytics.opportunities.scenarios import (
    ScenarioItem,
    base,
    conservative,
    growth_pct,
    grr,
    item,
    nrr,
    phase_totals,
    summarise,
    timing,
    upside,
)

START = Decimal(85_000)


@pytest.fixture
def seed_items() -> list[ScenarioItem]:
    """Seed 003's four opportunities as its scenarios state them."""
    return [
        item("Marketing expansion", 18_000, "0.75", 45),
        item("Compliance module", 15_000, "0.55", 60),
        item("Premium upgrade", 24_000, "0.60", 120, "0.50"),  # base case: committed, close Day 120
        item("EU expansion", 5_000, "0.40", 120, committed=False),  # upside only
    ]


def test_conservative_is_probability_and_timing_weighted(seed_items: list[ScenarioItem]) -> None:
    marketing, compliance, premium, eu = seed_items
    assert conservative([marketing]) == Decimal("13500.00")
    assert conservative([compliance]) == Decimal("8250.00")
    assert conservative([premium]) == Decimal("7200.00")
    assert conservative([eu]) == Decimal("0.00")  # closes after the 90-day window, no timing factor
    assert conservative(seed_items) == Decimal("28950.00")


def test_base_case_counts_committed_items_in_window(seed_items: list[ScenarioItem]) -> None:
    assert base(seed_items, 90) == Decimal("33000.00")
    assert base(seed_items, 180) == Decimal("57000.00")


def test_upside_counts_everything_in_window(seed_items: list[ScenarioItem]) -> None:
    assert upside(seed_items, 120) == Decimal("62000.00")
    assert growth_pct(upside(seed_items, 120), START) == Decimal(73)  # "+73% growth"


def test_nrr_impact_as_the_seed_states_it(seed_items: list[ScenarioItem]) -> None:
    # The seed's NRR uses its $38K "recommended 90-day target", not its base-case $33K.
    assert nrr(START, Decimal(38_000)) == Decimal(145)
    assert growth_pct(Decimal(38_000), START) == Decimal(45)  # "+45% growth"
    assert nrr(START, base(seed_items, 90)) == Decimal(139)
    assert nrr(START, Decimal(38_000), places=1) == Decimal("144.7")
    assert grr(START) == Decimal(100)
    assert nrr(START, Decimal(38_000), churn=Decimal(8_500)) == Decimal(135)


def test_phases_follow_the_execution_plan() -> None:
    plan = [
        item("Marketing expansion", 18_000, "0.75", 45),
        item("Compliance module", 15_000, "0.55", 60),
        item("Premium upgrade", 24_000, "0.60", 90),  # execution plan: close Day 90
        item("EU expansion", 5_000, "0.40", 120),
    ]
    assert phase_totals(plan) == [Decimal("33000.00"), Decimal("24000.00"), Decimal("5000.00")]
    assert sum(phase_totals(plan)) == Decimal(62_000)


def test_summary_and_default_timing(seed_items: list[ScenarioItem]) -> None:
    summary = summarise(seed_items, START)
    assert summary.conservative == Decimal("28950.00")
    assert summary.base == {90: Decimal("33000.00"), 180: Decimal("57000.00")}
    assert summary.upside == Decimal("62000.00")  # every item closes by day 180 (the seed's 120 gives the same)
    assert summary.conservative <= summary.base[90] <= summary.base[180] <= summary.upside
    assert summary.nrr_pct == Decimal(139)
    assert timing(seed_items[0], 90) == 1
    assert timing(seed_items[0], 30) == 0
    assert timing(seed_items[2], 90) == Decimal("0.50")


def test_probability_must_be_a_share() -> None:
    with pytest.raises(ValidationError):
        item("Bad", 1_000, "75", 30)
