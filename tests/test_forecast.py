"""Forecast arithmetic and targeting, checked against seed 003 Example 2 (portfolio pipeline) and seed 002."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from account_intel.analytics.portfolio.forecast import (
    Annualisation,
    ChurnExposure,
    ChurnProbabilities,
    PipelineItem,
    annualise,
    expected_churn,
    expected_expansion,
    retention_forecast,
    round_money,
    round_to_step,
    to_percent,
)
from account_intel.analytics.portfolio.targeting import (
    AssignmentRequest,
    CampaignTier,
    Candidate,
    OwnerCapacity,
    Readiness,
    TierRules,
    assign_by_capacity,
    build_target_list,
    campaign_tier,
    per_owner,
    pipeline_tier,
    priority_score,
    summarise_tiers,
)
from account_intel.errors import ValidationFailed

D = Decimal
K = D(1000)


# --- seed 003 Example 2: retention -------------------------------------------------------------------------------


def test_seed_nrr_quarterly_is_not_annualised() -> None:
    result = retention_forecast(D("5600000"), expansion=D("875000"), churn=D("320000"))
    assert result.ending_arr == D("6155000.00")  # seed: "Ending ARR: $6.155M"
    assert result.nrr_pct == D("109.9")  # seed: "110% (quarterly)", the same figure rounded to a whole percent
    assert result.nrr_pct.quantize(D(1), rounding="ROUND_HALF_UP") == 110
    # seed: "118% (annualized)" follows from neither convention (nor any combination of the seed's inputs)
    assert to_percent(annualise(D("6155000") / D("5600000"), 4, Annualisation.COMPOUNDED)) == D("145.9")
    assert to_percent(annualise(D("6155000") / D("5600000"), 4, Annualisation.SIMPLE)) == D("139.6")
    assert "nrr_annual_compounded_pct" not in result.model_dump()  # a quarter's forecast is stated for the quarter
    assert result.grr_pct == D("94.3")


def test_seed_grr_quarterly() -> None:
    result = retention_forecast(D("5600000"), churn=D("485000"))
    assert result.grr_pct == D("91.3")  # seed: "GRR: 91.3% (quarterly)"
    assert result.nrr_pct == result.grr_pct  # no expansion


def test_seed_example_1_nrr_is_the_single_period_ratio() -> None:
    result = retention_forecast(D("85000"), expansion=D("38000"))
    assert result.nrr_pct == D("144.7")  # seed: "145% (annual run rate)" = (85 + 38) / 85, not annualised
    assert result.grr_pct == D("100.0")


def test_contraction_counts_against_both_ratios_and_monthly_periods() -> None:
    result = retention_forecast(D("1000"), expansion=D("50"), churn=D("20"), contraction=D("10"), periods_per_year=12)
    assert (result.grr_pct, result.nrr_pct, result.ending_arr) == (D("97.0"), D("102.0"), D("1020.00"))
    assert to_percent(annualise(D("1.02"), 12, Annualisation.SIMPLE)) == D("124.0")
    assert to_percent(annualise(D("1.02"), 12, Annualisation.COMPOUNDED)) == D("126.8")  # 1.02 ** 12 = 1.26824


def test_float_inputs_are_read_by_their_decimal_text() -> None:
    # Decimal(2.675) is 2.67499999..., which would round down to 2.67
    assert retention_forecast(D(100), expansion=2.675).expansion == D("2.68")  # type: ignore[arg-type]


def test_annualise_conventions() -> None:
    assert annualise(D("1.1"), 4, Annualisation.COMPOUNDED) == D("1.4641")
    assert annualise(D("1.1"), 4, Annualisation.SIMPLE) == D("1.4")
    assert annualise(D("0.9"), 1) == D("0.9")


@pytest.mark.parametrize(
    ("starting", "kwargs", "message"),
    [
        (D(0), {}, "positive"),
        (D(100), {"churn": D(-5)}, "non-negative"),
        (D(100), {"churn": D(80), "contraction": D(30)}, "cannot exceed"),
    ],
)
def test_retention_refuses_impossible_inputs(starting: Decimal, kwargs: dict[str, Decimal], message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        retention_forecast(starting, **kwargs)


def test_rounding_is_half_up() -> None:
    assert round_money(D("0.125")) == D("0.13")
    assert round_money(D("2.675")) == D("2.68")
    assert to_percent(D("0.91335")) == D("91.3") and to_percent(D("0.91350")) == D("91.4")
    assert round_to_step(D("184500"), K) == D("185000")  # banker's rounding would give 184K


# --- seed 003 Example 2: pipeline tiers ---------------------------------------------------------------------------


def _seed_pipeline() -> list[tuple[Decimal, Decimal]]:
    """(propensity, potential) per account, sized to the seed's tier totals and counts."""
    tier1 = [(D(80), D(39400))] * 25  # $985K, 25 accounts, propensity 75-90
    tier2 = [(D(70), D(15000))] * 48  # $720K, 48 accounts, propensity 65-80
    tier3 = [(D(55), D(28000))] * 21 + [(D(60), D(27000))]  # $615K, 22 accounts, propensity 50-65
    tier4 = [(D(50), D(10200))] * 46 + [(D(45), D(10800))]  # $480K, 47 accounts, propensity 45-60
    return tier1 + tier2 + tier3 + tier4


def test_seed_tiers_reproduce_the_expected_revenue_table() -> None:
    tiers = [(pipeline_tier(p, v).tier, v) for p, v in _seed_pipeline()]
    assert all(tier is not None for tier, _ in tiers)
    summary = summarise_tiers((tier, value) for tier, value in tiers if tier is not None)
    table = [(s.tier, s.accounts, s.total_potential, round_to_step(s.expected, K)) for s in summary]
    assert table == [
        (1, 25, D("985000.00"), D("640000")),  # seed: Expected Revenue $640K
        (2, 48, D("720000.00"), D("324000")),  # $324K
        (3, 22, D("615000.00"), D("185000")),  # $185K (184.5K, half up)
        (4, 47, D("480000.00"), D("96000")),  # $96K
    ]
    averages = [round_to_step(s.average_potential, D(100)) for s in summary]
    assert averages == [D(39400), D(15000), D(28000), D(10200)]  # seed: $39.4K, $15K, $28K, $10.2K

    total_potential = sum((s.total_potential for s in summary), D(0))
    assert total_potential == D("2800000.00")  # seed: Total Expansion Pipeline $2.8M
    assert round_to_step(total_potential / 142, D(100)) == D(19700)  # seed: average $19.7K per account
    assert to_percent(D(142) / D(220)) == D("64.5")  # seed: 142 of 220 accounts, "65%" as a whole percent


def test_seed_expected_expansion_and_conservative_target() -> None:
    items = [
        PipelineItem(id=f"{s.tier}", potential=s.total_potential, probability=s.close_probability)
        for s in summarise_tiers([(1, D(985000)), (2, D(720000)), (3, D(615000)), (4, D(480000))])
    ]
    result = expected_expansion(items, as_of=date(2024, 10, 1), include_undated=True)
    assert result.expected == D("1244750.00")  # seed: $1.245M
    assert round_to_step(result.expected, K) == D("1245000")
    # seed: "Conservative Target (70% of expected): $875K"; 70% of $1.245M is $871.3K, so $875K is a rounded target
    assert result.conservative == D("871325.00")


def test_seed_example_1_conservative_scenario() -> None:
    items = [
        PipelineItem(id="marketing-seats", potential=D(18000), probability=D("0.75"), expected_close=date(2025, 2, 14)),
        PipelineItem(id="compliance", potential=D(15000), probability=D("0.55"), expected_close=date(2025, 3, 1)),
        PipelineItem(id="premium", potential=D(24000), probability=D("0.30"), expected_close=date(2025, 3, 31)),
        PipelineItem(id="eu", potential=D(5000), probability=D("0.40"), expected_close=date(2025, 5, 15)),
    ]
    result = expected_expansion(items, as_of=date(2025, 1, 1), window_days=90)
    assert result.expected == D("28950.00")  # seed: $28.95K (premium: 60% x 50% timing = 30%)
    assert (result.included, result.excluded_later) == (3, 1)


def test_expected_expansion_window_rules() -> None:
    as_of = date(2025, 1, 1)
    items = [
        PipelineItem(id="overdue", potential=D(100), probability=D("0.5"), expected_close=date(2024, 12, 1)),
        PipelineItem(id="edge", potential=D(100), probability=D("0.5"), expected_close=date(2025, 4, 1)),
        PipelineItem(id="late", potential=D(100), probability=D("0.5"), expected_close=date(2025, 4, 2)),
        PipelineItem(id="undated", potential=D(100), probability=D("0.5")),
    ]
    result = expected_expansion(items, as_of=as_of, window_days=90)
    assert result.window_end == date(2025, 4, 1)
    assert (result.included, result.overdue, result.excluded_later, result.excluded_undated) == (2, 1, 1, 1)
    assert result.expected == D("100.00")
    assert expected_expansion(items, as_of=as_of, include_undated=True).included == 3


# --- expected churn -------------------------------------------------------------------------------------------------


def test_expected_churn_by_band_with_default_assumptions() -> None:
    exposures = [
        ChurnExposure(account_id="A", arr=D(100000), band="Red"),
        ChurnExposure(account_id="B", arr=D(200000), band="yellow"),
        ChurnExposure(account_id="C", arr=D(1000000), band="GREEN"),
        ChurnExposure(account_id="D", arr=D(50000), band="Green", churn_probability=D("0.5")),
    ]
    result = expected_churn(exposures)
    assert result.expected_churn == D("114000.00")
    assert result.by_band == {
        "Red": D("35000.00"),
        "Yellow": D("24000.00"),
        "Green": D("30000.00"),
        "explicit": D("25000.00"),
    }
    assert (result.accounts, result.arr) == (4, D("1350000.00"))
    custom = expected_churn(exposures[:1], ChurnProbabilities(red=D("0.5")))
    assert custom.expected_churn == D("50000.00")


def test_churn_exposure_needs_a_band_or_probability() -> None:
    with pytest.raises(ValidationError, match="health band or a churn probability"):
        ChurnExposure(account_id="A", arr=D(1))
    with pytest.raises(ValidationError):
        ChurnExposure(account_id="A", arr=D(1), band="Purple")
    with pytest.raises(ValidationError):
        ChurnProbabilities(red=D("1.2"))


# --- tiers and campaign target list ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("propensity", "potential", "tier"),
    [
        (65, 25000, 1),
        (90, 100000, 1),
        (65, 24999, 2),
        (64.9, 25000, 3),
        (45, 5000, 4),
        (44, 100000, None),
        (90, 4999, None),
    ],
)
def test_pipeline_tier_boundaries(propensity: float, potential: int, tier: int | None) -> None:
    assert pipeline_tier(D(str(propensity)), D(potential)).tier == tier


def test_tier_rules_are_configurable_and_checked() -> None:
    rules = TierRules(high_propensity=D(75), high_value=D(40000))
    assert pipeline_tier(D(70), D(39400), rules).tier == 4
    with pytest.raises(ValidationError):
        TierRules(medium_propensity=D(70), high_propensity=D(60))


def test_campaign_tiers_and_target_list_order() -> None:
    assert campaign_tier(1, Readiness.IMMEDIATE) is CampaignTier.CLOSE_NOW
    assert campaign_tier(3, Readiness.IMMEDIATE) is CampaignTier.DEVELOP
    assert campaign_tier(2, Readiness.NEAR) is CampaignTier.DEVELOP
    assert campaign_tier(1, Readiness.LATER) is CampaignTier.NURTURE
    assert campaign_tier(None, Readiness.IMMEDIATE) is CampaignTier.NURTURE
    assert priority_score(D(85), D(18000), Readiness.IMMEDIATE) == D("15300.00")
    assert priority_score(D(72), D(24000), Readiness.NEAR) == D("10368.00")

    candidates = [
        Candidate(id="b", propensity=D(85), potential=D(18000), readiness=Readiness.IMMEDIATE),
        Candidate(id="a", propensity=D(85), potential=D(18000), readiness=Readiness.IMMEDIATE),
        Candidate(id="c", propensity=D(72), potential=D(24000), readiness=Readiness.NEAR),
        Candidate(id="d", propensity=D(45), potential=D(5000), readiness=Readiness.LATER),
        Candidate(id="e", propensity=D(90), potential=D(60000), readiness=Readiness.IMMEDIATE),
    ]
    entries = build_target_list(candidates)
    assert [(e.id, e.campaign_tier.value) for e in entries] == [
        ("e", "close_now"),
        ("a", "close_now"),
        ("b", "close_now"),
        ("c", "develop"),
        ("d", "nurture"),
    ]


# --- capacity ------------------------------------------------------------------------------------------------------


def test_seed_capacity_averages() -> None:
    assert per_owner(220, 8) == D("27.5")  # seed: avg accounts per CSM
    assert per_owner(142, 8) == D("17.8")  # seed: expansion opportunities per CSM (17.75, half up)


def _request(opp: str, priority: int, *owners: str) -> AssignmentRequest:
    return AssignmentRequest(opportunity_id=opp, priority=D(priority), preferred_owner_ids=owners)


def test_assignment_prefers_affinity_then_most_room_and_never_exceeds_capacity() -> None:
    owners = [
        OwnerCapacity(id="csm-1", capacity=2, open_count=1),
        OwnerCapacity(id="csm-2", capacity=3),
        OwnerCapacity(id="csm-3", capacity=1),
    ]
    requests = [
        _request("o5", 10, "csm-3"),
        _request("o1", 90, "csm-1"),
        _request("o2", 80, "csm-1"),
        _request("o3", 80, "csm-1", "csm-3"),
        _request("o4", 50),
        _request("o6", 5, "csm-9"),
        _request("o7", 1),
    ]
    plan = assign_by_capacity(requests, owners)
    assert [(a.opportunity_id, a.owner_id, a.via) for a in plan.assignments] == [
        ("o1", "csm-1", "affinity"),
        ("o2", "csm-2", "fallback"),  # csm-1 is full (1 open + o1)
        ("o3", "csm-3", "affinity"),  # second preference
        ("o4", "csm-2", "fallback"),
        ("o5", "csm-2", "fallback"),  # csm-3 is full; csm-2 has the most room
    ]
    assert [(u.opportunity_id, u.reason) for u in plan.unassigned] == [("o6", "capacity"), ("o7", "capacity")]
    assert plan.load == {"csm-1": 2, "csm-2": 3, "csm-3": 1}
    capacity = {o.id: o.capacity for o in owners}
    assert all(plan.load[o] <= capacity[o] for o in capacity)
    assert assign_by_capacity(list(reversed(requests)), owners) == plan  # deterministic, input order irrelevant


def test_assignment_without_fallback_reports_reasons() -> None:
    owners = [OwnerCapacity(id="ae-1", capacity=1)]
    plan = assign_by_capacity(
        [_request("o1", 2, "ae-1"), _request("o2", 1, "ae-1"), _request("o3", 1)], owners, fallback=False
    )
    assert [a.opportunity_id for a in plan.assignments] == ["o1"]
    assert [(u.opportunity_id, u.reason) for u in plan.unassigned] == [("o2", "capacity"), ("o3", "no_eligible_owner")]
    with pytest.raises(ValidationFailed, match="unique"):
        assign_by_capacity([_request("o1", 1), _request("o1", 2)], owners)
