"""Signal rules at their edges: 79/80, 89/90, 94/95 %, 29/30 % spikes, 180/181 and 30/31 days, NPS 7/8, 9/10 points."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from account_intel.analytics.facts import ActivityFact, ContactFact, LineFact, SurveyFact
from account_intel.analytics.health.delta import to_snapshot_data
from account_intel.analytics.health.score import compute_health
from account_intel.analytics.signals import rules as rules
from account_intel.analytics.signals.account import detect_signals
from account_intel.analytics.signals.models import SignalConfig, SignalKind, load_signal_config
from account_intel.analytics.signals.text_matcher import TextLexicon, TextMatcher
from account_intel.errors import ValidationFailed
from tests.test_health_builders import AS_OF, catalog, healthy, org_event, series

CONFIG = SignalConfig()
NO_TEXT = TextMatcher(TextLexicon())


def kinds(facts, **kw) -> list[SignalKind]:  # type: ignore[no-untyped-def]
    return [s.kind for s in detect_signals(facts, catalog(), CONFIG, matcher=NO_TEXT, **kw)]


def test_packaged_thresholds_equal_the_code_defaults() -> None:
    assert load_signal_config() == SignalConfig()


@pytest.mark.parametrize(
    ("value", "level", "strength"),
    [(79, None, None), (80, 80, 0.6), (89, 80, 0.6), (90, 90, 0.8), (94, 90, 0.8), (95, 95, 1.0), (120, 95, 1.0)],
)
def test_usage_limit_levels(value: int, level: int | None, strength: float | None) -> None:
    facts = healthy(usage={"api_calls": series([50, 60, value], 100)})
    found = rules.usage_limit(facts, CONFIG.usage_limit)
    if level is None:
        assert found == []
        return
    (signal,) = found
    assert (signal.data["level_pct"], signal.strength, signal.date) == (level, strength, date(2024, 11, 1))
    assert signal.evidence_ids == ["usage:ACCT-1:api_calls:2024-11"]


def test_usage_limit_edges_hold_for_large_limits() -> None:
    big = healthy(usage={"api_calls": series([7_999_999, 8_000_000], 10_000_000)})
    assert [s.data["level_pct"] for s in rules.usage_limit(big, CONFIG.usage_limit)] == [80]
    below = healthy(usage={"api_calls": series([7_999_999], 10_000_000)})
    assert rules.usage_limit(below, CONFIG.usage_limit) == []
    no_limit = healthy(usage={"events": series([100, 200], None)})
    assert rules.usage_limit(no_limit, CONFIG.usage_limit) == []


@pytest.mark.parametrize(("recent_total", "spike"), [(129, False), (130, True)])
def test_usage_spike_at_30_percent(recent_total: int, spike: bool) -> None:
    recent = [40, 40, recent_total - 80]
    facts = healthy(usage={}, feature_usage={"feat_c": series([30, 30, 40, *recent])})
    found = rules.usage_spike(facts, catalog(), CONFIG.usage_spike)
    assert bool(found) is spike
    if spike:
        (signal,) = found
        assert (signal.feature, signal.data["growth_pct"], signal.strength) == ("feat_c", 30.0, 0.5)
        assert signal.data["prior"] == 100 and signal.data["recent"] == 130
        assert len(signal.evidence_ids) == 6 and signal.evidence_ids[0] == "usage:ACCT-1:feature:feat_c:2024-06"


def test_usage_spike_on_metrics_skips_seats_and_empty_history() -> None:
    facts = healthy(
        feature_usage={"feat_a": series([0, 0, 0, 5, 9, 9])},
        usage={
            "seats_used": series([10, 10, 10, 20, 20, 20], 50),
            "api_calls": series([100, 100, 100, 200, 200, 200], 1000),
        },
    )
    found = rules.usage_spike(facts, catalog(), CONFIG.usage_spike)
    assert [(s.data["metric"], s.strength) for s in found] == [("api_calls", 1.0)]


def test_usage_spike_uses_complete_months() -> None:
    mid = healthy(as_of=date(2024, 11, 15), usage={}, feature_usage={"feat_a": series([10, 10, 10, 13, 13, 13, 1])})
    (signal,) = rules.usage_spike(mid, catalog(), CONFIG.usage_spike)
    assert signal.date == date(2024, 10, 1) and signal.data["recent"] == 39


@pytest.mark.parametrize(("days", "fires"), [(-1, False), (0, True), (180, True), (181, False)])
def test_renewal_within_180_days(days: int, fires: bool) -> None:
    found = rules.renewal_window(healthy(renewal_date=AS_OF + timedelta(days=days)), CONFIG.renewal)
    assert bool(found) is fires
    if fires:
        assert found[0].strength == pytest.approx(0.5 + 0.5 * (1 - days / 180))
        assert found[0].evidence_ids == ["account:ACCT-1:renewal_date"]


@pytest.mark.parametrize(("days", "fires"), [(-1, False), (0, True), (30, True), (31, False)])
def test_qbr_within_30_days(days: int, fires: bool) -> None:
    found = rules.qbr_upcoming(healthy(next_qbr_date=AS_OF + timedelta(days=days)), CONFIG.qbr)
    assert bool(found) is fires
    if fires:
        assert found[0].date == AS_OF + timedelta(days=days) and 0.6 <= found[0].strength <= 1.0


@pytest.mark.parametrize(
    ("score", "fires", "strength"), [(7, False, None), (8, True, 0.6), (9, True, 0.8), (10, True, 1.0)]
)
def test_nps_at_8_or_more(score: int, fires: bool, strength: float | None) -> None:
    facts = healthy(surveys=[SurveyFact("S-9", "nps", score, AS_OF - timedelta(days=3), None)])
    found = [s for s in rules.satisfaction(facts, CONFIG.satisfaction) if s.kind is SignalKind.NPS_PROMOTER]
    assert [s.strength for s in found] == ([strength] if fires else [])


def test_nps_only_the_latest_recent_answer_counts() -> None:
    later_detractor = [
        SurveyFact("S-1", "nps", 10, AS_OF - timedelta(days=40), None),
        SurveyFact("S-2", "nps", 6, AS_OF - timedelta(days=5), None),
    ]
    assert rules.satisfaction(healthy(surveys=later_detractor), CONFIG.satisfaction) == []
    old = [SurveyFact("S-1", "nps", 10, AS_OF - timedelta(days=90), None)]
    assert rules.satisfaction(healthy(surveys=old), CONFIG.satisfaction) == []


@pytest.mark.parametrize(("before", "after", "fires"), [(3, 4, True), (4, 4, False), (5, 3, False)])
def test_csat_rise(before: int, after: int, fires: bool) -> None:
    answers = [
        SurveyFact("C-1", "csat", before, AS_OF - timedelta(days=30), None),
        SurveyFact("C-2", "csat", after, AS_OF - timedelta(days=2), None),
    ]
    found = rules.satisfaction(healthy(surveys=answers), CONFIG.satisfaction)
    assert [s.kind for s in found] == ([SignalKind.CSAT_RISE] if fires else [])
    if fires:
        assert found[0].evidence_ids == ["survey:C-1", "survey:C-2"]


def _marketing_contact(first_contact_days_ago: int | None, executive: bool = False) -> ContactFact:
    first = None if first_contact_days_ago is None else AS_OF - timedelta(days=first_contact_days_ago)
    return ContactFact("C-M", "Mia", "VP Marketing", "D-MKT", "mia@x", None, True, False, executive, first, None)


@pytest.mark.parametrize(("days_ago", "fires"), [(0, True), (89, True), (90, False), (400, False)])
def test_first_contact_from_an_unserved_department(days_ago: int, fires: bool) -> None:
    facts = healthy(contacts=[*healthy().contacts[:2], _marketing_contact(days_ago)], activities=[])
    found = rules.new_department_contact(facts, CONFIG.new_department_contact)
    assert [s.department for s in found] == (["Marketing"] if fires else [])
    if fires:
        assert found[0].evidence_ids == ["department:D-MKT", "contact:C-M"]
        assert found[0].strength == 0.6 and found[0].date == AS_OF - timedelta(days=days_ago)


def test_recent_activity_with_an_unserved_department_contact_counts() -> None:
    met = ActivityFact("A-M", "meeting", AS_OF - timedelta(days=12), None, None, None, ("C-M",))
    facts = healthy(contacts=[_marketing_contact(None, executive=True)], activities=[met])
    (signal,) = rules.new_department_contact(facts, CONFIG.new_department_contact)
    assert signal.strength == 0.8 and signal.evidence_ids == ["department:D-MKT", "contact:C-M", "activity:A-M"]


def test_served_departments_and_unscoped_contracts_give_no_department_signal() -> None:
    engineer = _marketing_contact(5)._replace(department_id="D-ENG")
    assert rules.new_department_contact(healthy(contacts=[engineer]), CONFIG.new_department_contact) == []
    unscoped = healthy(
        contacts=[_marketing_contact(5)], lines=[LineFact("L-1", "plan_pro", 1, Decimal("1"), None, None, AS_OF)]
    )
    assert rules.new_department_contact(unscoped, CONFIG.new_department_contact) == []


@pytest.mark.parametrize(("days_ago", "fires"), [(0, True), (89, True), (90, False)])
def test_org_change_within_90_days(days_ago: int, fires: bool) -> None:
    facts = healthy(org_events=[org_event("OE-1", "funding", days_ago, description="Series C")])
    found = rules.org_change(facts, CONFIG.org_change)
    assert [(s.data["event_kind"], s.strength) for s in found] == ([("funding", 0.8)] if fires else [])


def test_every_org_change_kind_has_a_strength() -> None:
    kinds_ = ("executive_change", "funding", "acquisition", "new_office", "hiring", "new_budget", "department_created")
    events = [org_event(f"OE-{k}", k, 5, department="Marketing" if k == "hiring" else None) for k in kinds_]
    found = rules.org_change(healthy(org_events=events), load_signal_config().org_change)
    assert len(found) == len(kinds_) and all(s.strength >= 0.6 for s in found)
    assert next(s for s in found if s.data["event_kind"] == "hiring").department == "Marketing"


def test_whitespace_hook() -> None:
    facts = healthy(arr=Decimal("120000"))
    assert kinds(facts, whitespace_potential=Decimal("0")).count(SignalKind.WHITESPACE_DETECTED) == 0
    found = detect_signals(facts, catalog(), CONFIG, matcher=NO_TEXT, whitespace_potential=Decimal("60000"))
    (signal,) = [s for s in found if s.kind is SignalKind.WHITESPACE_DETECTED]
    assert signal.strength == 0.5 and signal.evidence_ids == ["account:ACCT-1:arr"]
    capped = rules.whitespace_detected(facts, CONFIG.whitespace, Decimal("500000"), Decimal("100000"), [])
    assert capped[0].strength == 1.0
    unknown_acv = rules.whitespace_detected(facts, CONFIG.whitespace, Decimal("1"), None, [])
    assert unknown_acv[0].strength == 0.5


@pytest.mark.parametrize(
    ("previous", "score", "previous_band", "band", "strength"),
    [
        (80.0, 71.0, "Green", "Green", None),  # 9 points, same band
        (80.0, 70.1, "Green", "Green", None),  # 9.9 points
        (80.0, 70.0, "Green", "Green", 0.8),  # 10 points
        (70.0, 69.0, "Green", "Yellow", 0.9),  # band drop by 1 point
        (61.0, 59.0, "Yellow", "Red", 1.0),  # into Red
        (60.0, 80.0, "Yellow", "Green", None),  # a rise
    ],
)
def test_health_decline(previous: float, score: float, previous_band: str, band: str, strength: float | None) -> None:
    found = rules.health_decline(
        as_of=AS_OF,
        score=score,
        band=band,
        previous_score=previous,
        previous_band=previous_band,
        previous_week=date(2024, 11, 18),
        rule=CONFIG.health_decline,
    )
    assert [s.strength for s in found] == ([strength] if strength is not None else [])


def test_detect_signals_flags_a_decline_against_the_previous_snapshot_with_evidence() -> None:
    good = compute_health(healthy(as_of=AS_OF - timedelta(days=7)), catalog())
    weak = healthy(contacts=[], surveys=[SurveyFact("S-X", "nps", 2, AS_OF - timedelta(days=1), None)])
    now = compute_health(weak, catalog())
    found = detect_signals(weak, catalog(), CONFIG, matcher=NO_TEXT, health=now, previous=to_snapshot_data(good))
    (decline,) = [s for s in found if s.kind is SignalKind.HEALTH_DECLINE]
    assert decline.strength >= 0.8
    assert "survey:S-X" in decline.evidence_ids and "sentiment" in str(decline.data["components"])
    assert SignalKind.HEALTH_DECLINE not in kinds(weak)  # no previous snapshot, no decline signal


def test_signals_are_sorted_strongest_first() -> None:
    facts = healthy(org_events=[org_event("OE-1", "hiring", 3)], next_qbr_date=AS_OF + timedelta(days=2))
    strengths = [s.strength for s in detect_signals(facts, catalog(), CONFIG, matcher=NO_TEXT)]
    assert strengths == sorted(strengths, reverse=True) and len(strengths) >= 3


def test_signal_config_refuses_unknown_keys(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "signals.yaml"
    path.write_text("renewal: {window_days: 180, days: 3}\n")
    with pytest.raises(ValidationFailed, match=r"renewal\.days: unknown key"):
        load_signal_config(path)
    path.write_text("usage_limit: {levels: {0: 0.5}}\n")
    with pytest.raises(ValidationFailed, match="above 0 percent"):
        load_signal_config(path)
