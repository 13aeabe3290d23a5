"""Propensity arithmetic, the configuration file, readiness rules, timelines and BANT (no store needed)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from account_intel.analytics.opportunities.bant import BantElement, build_bant
from account_intel.analytics.opportunities.readiness import (
    ReadinessFacts,
    ReadinessResult,
    decide_readiness,
    timeline,
    timing_share,
)
from account_intel.analytics.opportunities.targets import candidate_id
from account_intel.analytics.propensity.config import (
    FACTORS,
    ExpansionType,
    ReadinessBucket,
    default_propensity_config,
    load_propensity_config,
)
from account_intel.analytics.propensity.score import (
    close_probability,
    combine_strengths,
    expected_value,
    explain,
    priority,
    score,
    sub_scores,
)
from account_intel.errors import ValidationFailed

IMMEDIATE, D30, D60, D90 = (ReadinessBucket.IMMEDIATE, ReadinessBucket.D30_60, ReadinessBucket.D60_90,
                            ReadinessBucket.D90_PLUS)  # fmt: skip


def _subs(**overrides: object) -> tuple[float | None, ...]:
    values: dict[str, object] = {
        "kind": ExpansionType.SEAT_EXPANSION,
        "level": "HIGH",
        "signal": 0.9,
        "health": 84.4,
        "adoption": 0.95,
        "champion": True,
        "engagement": 0.91,
        "wins": 0,
    }
    values.update(overrides)
    return sub_scores(default_propensity_config(), **values)  # type: ignore[arg-type]


def test_default_configuration_loads_and_weights_are_normalised() -> None:
    config = default_propensity_config()
    shares = config.weights.normalised()
    assert list(shares) == list(FACTORS)
    assert sum(shares.values()) == pytest.approx(1.0)
    assert set(config.motion) == set(ExpansionType) == set(config.cycle_days) == set(config.effort)
    assert config.motion[ExpansionType.SEAT_EXPANSION] > config.motion[ExpansionType.TIER_UPGRADE]
    assert config.motion[ExpansionType.TIER_UPGRADE] > config.motion[ExpansionType.CROSS_SELL]


def test_a_user_copy_in_home_is_read_and_unknown_keys_are_refused(tmp_path: Path) -> None:
    packaged = Path(default_propensity_config().source).read_text(encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    (home / "propensity.yaml").write_text(packaged.replace("signal_strength: 0.30", "signal_strength: 0.60"))
    assert load_propensity_config(home=home).weights.signal_strength == 0.60
    (home / "propensity.yaml").write_text(packaged + "\nsurprise: 1\n")
    with pytest.raises(ValidationFailed, match="surprise: unknown key"):
        load_propensity_config(home=home)


def test_score_is_bounded_and_missing_factors_are_shared_out() -> None:
    config = default_propensity_config()
    assert score(config, _subs(level="HIGH", signal=1.0)) > score(config, _subs(level="LOW", signal=0.0))
    full = _subs()
    missing = _subs(adoption=None, engagement=None)
    assert 0 <= score(config, missing) <= 100
    result = explain(config, missing, {})
    assert {f.name for f in result.factors if f.sub_score is None} == {"adoption", "engagement"}
    assert sum(f.weight_share for f in result.factors) == pytest.approx(1.0, abs=1e-3)
    assert sum(f.contribution for f in result.factors) == pytest.approx(result.score, abs=0.05)
    assert explain(config, full, {}).score == score(config, full)


def test_signals_combine_as_independent_evidence() -> None:
    assert combine_strengths([]) == 0.0
    assert combine_strengths([0.8, 0.8]) == pytest.approx(0.96)
    assert combine_strengths([1.2, -1]) == 1.0  # clamped


def test_close_probability_follows_the_seed_anchors_and_readiness() -> None:
    config = default_propensity_config()
    # seed 003: propensity 85 -> 75%, 72 -> 60%, 68 -> 55%, 45 -> 40% (the curve stays within 3 points)
    assert abs(close_probability(config, 85, IMMEDIATE) - Decimal("0.75")) <= Decimal("0.03")
    assert abs(close_probability(config, 72, D60) - Decimal("0.60")) <= Decimal("0.03")
    assert abs(close_probability(config, 68, D30) - Decimal("0.55")) <= Decimal("0.03")
    assert abs(close_probability(config, 45, D90) - Decimal("0.40")) <= Decimal("0.03")
    values = [close_probability(config, p, IMMEDIATE) for p in range(0, 101, 5)]
    assert values == sorted(values) and values[0] >= 0 and values[-1] <= 1
    assert close_probability(config, 70, D90) < close_probability(config, 70, IMMEDIATE)


def test_expected_value_and_priority_are_grounded_formulas() -> None:
    ev = expected_value(Decimal("18000.00"), Decimal("0.75"))
    assert ev.value == Decimal("13500.00") and ev.recompute() == ev.value  # seed 003: $18K x 0.75 = $13.5K
    rank = priority(Decimal("24000.00"), 72.0, D60)
    assert rank.formula == "priority" and rank.recompute() == rank.value
    assert rank.value == Decimal("10368.00")  # 24,000 x 72 / 100 x 0.6 (targeting's 'near' weight)


def _ready(kind: ExpansionType = ExpansionType.SEAT_EXPANSION, **overrides: object) -> ReadinessBucket:
    values: dict[str, object] = {
        "kind": kind,
        "band": "Green",
        "budget": "unknown",
        "voiced": False,
        "has_signal": True,
        "not_open": False,
        "access": "target",
        "days_to_renewal": 200,
    }
    values.update(overrides)
    return decide_readiness(ReadinessFacts(**values))[0]  # type: ignore[arg-type]


def test_readiness_rules() -> None:
    assert _ready(budget="approved") is IMMEDIATE  # seed 003: "Immediate (budget approved for marketing tools)"
    assert _ready(voiced=True) is IMMEDIATE
    assert _ready(ExpansionType.CROSS_SELL, budget="likely") is D30  # "High (active initiative, budget likely)"
    assert _ready(ExpansionType.TIER_UPGRADE) is D60  # "60-90 days (budget cycle timing)"
    assert _ready(ExpansionType.GEOGRAPHIC_EXPANSION, not_open=True, budget="approved") is D90  # office not open
    assert _ready(has_signal=False, budget="approved") is D90
    assert _ready() is D30  # a quick buy
    assert _ready(band="Yellow") is D60
    assert _ready(access="champion") is D60
    assert _ready(access="none") is D90
    assert _ready(ExpansionType.TIER_UPGRADE, access="none", band="Yellow") is D90  # never past 90+
    assert _ready(ExpansionType.RATE_INCREASE, days_to_renewal=20) is IMMEDIATE
    assert _ready(ExpansionType.CONTRACT_EXTENSION, days_to_renewal=75) is D60
    assert _ready(ExpansionType.RATE_INCREASE, days_to_renewal=None) is D90


def test_timelines_follow_the_seed_cycles() -> None:
    config = default_propensity_config()
    assert timeline(config, ExpansionType.SEAT_EXPANSION, IMMEDIATE) == (30, 45)  # seed 003: "30-45 days to close"
    assert timeline(config, ExpansionType.TIER_UPGRADE, D60) == (60, 90)  # "60-90 days"
    assert timeline(config, ExpansionType.CROSS_SELL, D30) == (45, 60)  # "45-60 days"
    assert timeline(config, ExpansionType.GEOGRAPHIC_EXPANSION, D90) == (90, 120)  # "90-120 days"
    assert timing_share((60, 120), 90) == 0.5  # seed 003: the upgrade's "50% timing" in the conservative case
    assert timing_share((30, 45), 90) == 1.0 and timing_share((90, 120), 90) == 0.0


def test_bant_qualifies_on_a_known_need_with_at_most_one_unknown() -> None:
    ready = ReadinessResult(bucket=IMMEDIATE, reasons=["budget approved"], budget="approved", access="target")
    known = BantElement(status="known", note="buyer")
    bant = build_bant(readiness=ready, authority_element=known, level="HIGH", need_evidence=[], renewal_time=False)
    assert bant.qualified and bant.score == 1.0
    later = ReadinessResult(bucket=D90, reasons=["no demand signal yet"], budget="unknown", access="none")
    unknown = BantElement(status="unknown", note="no buyer")
    weak = build_bant(readiness=later, authority_element=unknown, level="HIGH", need_evidence=[], renewal_time=False)
    assert not weak.qualified and weak.need.status == "known" and weak.timing.status == "unknown"
    med = build_bant(readiness=ready, authority_element=known, level="MED", need_evidence=[], renewal_time=False)
    assert not med.qualified and med.need.status == "partial"


def test_candidate_ids_are_stable_slugs_that_fit_the_pipeline_column() -> None:
    assert (
        candidate_id("ACCT-3421", ExpansionType.SEAT_EXPANSION, "Marketing") == "opp:ACCT-3421:seat_expansion:Marketing"
    )
    assert candidate_id("ACCT-3421", ExpansionType.GEOGRAPHIC_EXPANSION, "London, UK").endswith(":London-UK")
    assert len(candidate_id("A" * 80, ExpansionType.CONTRACT_EXTENSION, "x" * 80)) <= 96
