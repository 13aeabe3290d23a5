"""Health score over hand-built AccountFacts: components, missing data, bands, overrides and the score-only path."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from account_intel.analytics.facts import ContactFact, LineFact, SurveyFact, TicketFact, UsagePoint
from account_intel.analytics.health.config import COMPONENTS, default_health_config, parse_health_config
from account_intel.analytics.health.models import Band, ComponentStatus, HealthOverrideInfo
from account_intel.analytics.health.score import apply_override, compute_health, score_only
from tests.test_health_builders import AS_OF, catalog, healthy, series

CONFIG = default_health_config()


def health(facts=None, config=CONFIG):  # type: ignore[no-untyped-def]
    return compute_health(facts or healthy(), catalog(), config)


def test_healthy_account_is_green_with_every_component_and_consistent_numbers() -> None:
    result = health()
    assert result.band is Band.GREEN and result.score >= 85
    assert [c.name for c in result.components] == list(COMPONENTS)
    assert result.missing == []
    assert sum(c.weight_share for c in result.components) == pytest.approx(1.0, abs=1e-3)
    assert sum(c.contribution for c in result.components) == pytest.approx(result.score, abs=0.1)
    for c in result.components:
        assert c.contribution == pytest.approx(c.weight_share * c.sub_score * 100, abs=0.01)
        assert c.evidence, c.name
    assert result.effective_score == result.score and result.override is None


def test_score_only_matches_the_full_result() -> None:
    for facts in (healthy(), healthy(usage={}, feature_usage={}), healthy(surveys=[], renewal_date=None)):
        full, quick = health(facts), score_only(facts, catalog(), CONFIG)
        assert (quick.score, quick.band) == (full.score, full.band.value)
        assert quick.sub_scores == pytest.approx({c.name: c.sub_score for c in full.components}, abs=1e-4)
        assert quick.raw == {c.name: c.raw for c in full.components}


def test_evidence_ids_use_natural_keys() -> None:
    ids = {i for c in health().components for i in c.evidence_ids}
    assert {
        "usage:ACCT-1:api_calls:2024-11",
        "usage:ACCT-1:feature:feat_a:2024-11",
        "ticket:T-1",
        "survey:S-2",
        "activity:A-2",
        "contact:C-1",
        "account:ACCT-1:renewal_date",
    } <= ids


def test_missing_usage_feed_is_marked_and_its_weight_shared_out() -> None:
    result = health(healthy(usage={}, feature_usage={}))
    assert result.missing == ["usage", "adoption"]
    assert result.notes[0] == "usage: no usage feed; its weight (16%) was shared out over the other components"
    for name in ("usage", "adoption"):
        c = result.component(name)
        assert (c.status, c.sub_score, c.contribution, c.weight_share) == (ComponentStatus.MISSING, None, 0.0, 0.0)
        assert c.note == "no usage feed" and c.weight > 0
    present = [c for c in result.components if c.status is ComponentStatus.OK]
    assert sum(c.weight_share for c in present) == pytest.approx(1.0, abs=1e-3)
    expected = sum(c.weight * c.sub_score for c in present) / sum(c.weight for c in present) * 100
    assert result.score == pytest.approx(expected, abs=0.1)


def test_missing_data_is_never_scored_as_perfect() -> None:
    weak = healthy(
        usage={"api_calls": series([900, 700, 500, 300], 1000)},
        surveys=[],
        tickets=[
            TicketFact(f"T-{i}", AS_OF - timedelta(days=i + 1), "urgent", None, True, None, None) for i in range(4)
        ],
    )
    result = health(weak)
    assert result.component("sentiment").status is ComponentStatus.MISSING
    assert result.score < health(replace(weak, surveys=healthy().surveys)).score + 20  # not inflated by a 1.0
    nothing = replace(healthy(), usage={}, feature_usage={}, tickets=[], surveys=[], contacts=[], activities=[])
    empty = health(replace(nothing, last_activity_on=None, last_exec_touch_on=None, renewal_date=None))
    assert empty.band is Band.RED and empty.score < 60


def test_all_components_missing_scores_zero_without_crashing() -> None:
    prospect = replace(
        healthy(status="prospect", renewal_date=None),
        usage={},
        feature_usage={},
        tickets=[],
        surveys=[],
    )
    config = parse_health_config(
        {"weights": {"usage": 1, "adoption": 1, "support": 1, "sentiment": 1, "engagement": 0, "relationship": 0,
                     "tenure": 0, "term": 0, "commercial": 1}},
        source="test",
    )  # fmt: skip
    result = compute_health(prospect, catalog(), config)
    assert result.score == 0.0 and result.band is Band.RED
    assert set(result.missing) == {"usage", "adoption", "support", "sentiment", "commercial"}


def test_usage_trend_and_utilisation_move_the_usage_score() -> None:
    def usage_sub(values: list[int], limit: int | None = 1000) -> float:
        return health(healthy(usage={"api_calls": series(values, limit)})).component("usage").sub_score

    growing, flat, falling = (
        usage_sub([600, 650, 700, 760]),
        usage_sub([700, 700, 700, 700]),
        usage_sub([900, 800, 700, 560]),
    )
    assert growing > flat > falling
    assert usage_sub([600, 650, 700, 760], 5000) < growing  # same trend, poorly used
    raw = health(healthy(usage={"api_calls": series([500, 500, 500, 400], 1000)})).component("usage").raw
    assert raw["api_calls.trend_pct"] == -20.0 and raw["api_calls.utilisation_pct"] == 40.0


def test_only_complete_months_count() -> None:
    mid_month = date(2024, 11, 15)
    facts = healthy(as_of=mid_month, usage={"api_calls": series([600, 650, 700, 10], 1000)})
    raw = health(facts).component("usage").raw
    assert raw["api_calls.utilisation_pct"] == 70.0  # October, not the partial November


def test_adoption_counts_what_the_plan_and_modules_include() -> None:
    pro = health().component("adoption").raw
    assert (
        pro["features_used"],
        pro["features_available"],
        pro["integrations_used"],
        pro["integrations_available"],
    ) == (
        3,
        3,
        1,
        2,
    )
    assert (pro["features_in_catalog"], pro["integrations_in_catalog"]) == (5, 2)
    with_module = healthy(lines=[*healthy().lines, LineFact("L-9", "mod_comp", 1, Decimal("15000"), None, None, AS_OF)])
    assert health(with_module).component("adoption").raw["features_available"] == 4
    stale = healthy(feature_usage={"feat_a": [UsagePoint(date(2024, 7, 1), 9, None)]})
    assert health(stale).component("adoption").raw["features_used"] == 0


def test_support_load_escalations_and_trend() -> None:
    def support(tickets: list[TicketFact]) -> tuple[float, dict]:  # type: ignore[type-arg]
        c = health(healthy(tickets=tickets)).component("support")
        return c.sub_score, c.raw

    quiet, _ = support([])
    assert quiet == 1.0
    escalated = [TicketFact(f"T-{i}", AS_OF - timedelta(days=10 + i), "high", None, True, None, None) for i in range(3)]
    sub, raw = support(escalated)
    assert sub < 0.5 and (raw["tickets_90d"], raw["escalated_90d"], raw["high_or_urgent_90d"]) == (3, 3, 3)
    improving = [
        TicketFact(f"P-{i}", AS_OF - timedelta(days=100 + i), "urgent", None, True, None, None) for i in range(3)
    ]
    assert support(improving)[0] == 1.0  # nothing recent and falling
    old = [TicketFact("O-1", AS_OF - timedelta(days=200), "urgent", None, True, None, None)]
    assert support(old)[1]["prior_load_points"] == 0.0


def test_prospect_without_tickets_has_no_support_score() -> None:
    result = health(healthy(status="prospect", tickets=[]))
    assert result.component("support").status is ComponentStatus.MISSING


def test_sentiment_uses_latest_nps_its_trend_and_csat() -> None:
    def sentiment(*answers: SurveyFact) -> float:
        return health(healthy(surveys=list(answers))).component("sentiment").sub_score

    day = AS_OF - timedelta(days=10)
    promoter = sentiment(SurveyFact("S", "nps", 9, day, None))
    detractor = sentiment(SurveyFact("S", "nps", 3, day, None))
    assert promoter == 1.0 and detractor == 0.0
    falling = sentiment(
        SurveyFact("A", "nps", 10, day - timedelta(days=90), None), SurveyFact("B", "nps", 7, day, None)
    )
    rising = sentiment(SurveyFact("A", "nps", 4, day - timedelta(days=90), None), SurveyFact("B", "nps", 7, day, None))
    assert rising > falling
    assert sentiment(SurveyFact("C", "csat", 5, day, None)) == 1.0
    stale = healthy(surveys=[SurveyFact("S", "nps", 10, AS_OF - timedelta(days=380), None)])
    assert health(stale).component("sentiment").status is ComponentStatus.MISSING


def test_engagement_recency_and_executive_touch() -> None:
    recent = health().component("engagement").sub_score
    quiet = health(healthy(last_activity_on=AS_OF - timedelta(days=120), last_exec_touch_on=None, activities=[]))
    assert quiet.component("engagement").sub_score == 0.0 < recent
    assert quiet.component("engagement").evidence_ids == ["account:ACCT-1:last_activity_on"]


def test_relationship_needs_an_active_champion_and_three_contacts() -> None:
    assert health().component("relationship").sub_score == 1.0
    contacts = healthy().contacts
    champion_left = contacts[0]._replace(left_on=AS_OF - timedelta(days=1))
    c = health(healthy(contacts=[champion_left, *contacts[1:]])).component("relationship")
    assert c.raw == {"champion_active": 0, "active_contacts": 2, "active_executives": 1}
    assert c.sub_score == pytest.approx(0.5 * 2 / 3, abs=1e-4)
    future = ContactFact(
        "C-9", "New", None, None, None, "champion", True, False, False, AS_OF + timedelta(days=5), None
    )
    assert health(healthy(contacts=[future])).component("relationship").raw["active_contacts"] == 0


def test_commercial_renewal_proximity_with_weak_signals_is_a_risk() -> None:
    far = health(healthy(renewal_date=AS_OF + timedelta(days=200))).component("commercial")
    assert far.sub_score == 1.0
    weak = dict(
        surveys=[SurveyFact("S", "nps", 3, AS_OF, None)], usage={"api_calls": series([900, 800, 600, 400], 1000)}
    )
    near_weak = health(healthy(renewal_date=AS_OF + timedelta(days=10), **weak)).component("commercial")
    near_strong = health(healthy(renewal_date=AS_OF + timedelta(days=10))).component("commercial")
    assert near_weak.sub_score < near_strong.sub_score < 1.0
    overdue = health(healthy(renewal_date=AS_OF - timedelta(days=3), **weak)).component("commercial")
    assert overdue.raw["renewal_proximity"] == 1.0
    assert health(healthy(renewal_date=None)).component("commercial").status is ComponentStatus.MISSING
    assert health(healthy(status="churned")).component("commercial").sub_score == 0.0


def test_bands_and_weights_are_configurable() -> None:
    score = health().score
    strict = parse_health_config({"bands": {"green": score + 1, "yellow": score}}, source="test")
    assert compute_health(healthy(), catalog(), strict).band is Band.YELLOW
    only_usage = parse_health_config(
        {"weights": {name: (1 if name == "usage" else 0) for name in COMPONENTS}}, source="test"
    )
    result = compute_health(healthy(), catalog(), only_usage)
    assert result.score == pytest.approx(result.component("usage").sub_score * 100, abs=0.1)


def test_override_is_shown_beside_the_computed_score() -> None:
    computed = health()
    at = datetime(2024, 11, 30, 12, tzinfo=UTC)
    band_only = HealthOverrideInfo(id=1, score=None, band=Band.RED, reason="exec escalation", set_by="U-1", set_at=at,
                                   expires_on=None)  # fmt: skip
    shown = apply_override(computed, band_only, CONFIG)
    assert (shown.score, shown.band) == (computed.score, computed.band)
    assert (shown.effective_score, shown.effective_band) == (computed.score, Band.RED)
    by_score = apply_override(computed, band_only.model_copy(update={"score": 65, "band": None}), CONFIG)
    assert (by_score.effective_score, by_score.effective_band) == (65.0, Band.YELLOW)
    assert by_score.override is not None and by_score.override.reason == "exec escalation"
    assert compute_health(healthy(), catalog(), CONFIG, override=band_only).effective_band is Band.RED


def test_one_account_is_fast() -> None:
    facts, cat = healthy(), catalog()
    started = time.perf_counter()
    compute_health(facts, cat, CONFIG)
    assert time.perf_counter() - started < 0.05
    started = time.perf_counter()
    for _ in range(500):
        score_only(facts, cat, CONFIG)
    assert time.perf_counter() - started < 1.0  # well above 500 accounts/s even on a busy machine


def test_a_store_without_an_engagement_feed_leaves_those_components_missing_not_zero() -> None:
    base = replace(healthy(), contacts=[], activities=[], last_activity_on=None, last_exec_touch_on=None)
    in_a_crm = health(base)  # the store has contacts and activities, this account has none: a real gap, scored 0
    assert in_a_crm.component("relationship").status is not ComponentStatus.MISSING
    assert in_a_crm.component("engagement").status is not ComponentStatus.MISSING
    no_feed = health(replace(base, store_has_contacts=False, store_has_activities=False))
    for name in ("relationship", "engagement"):
        part = no_feed.component(name)
        assert part.status is ComponentStatus.MISSING and "feed" in (part.note or "")
    assert no_feed.score > in_a_crm.score  # the usage, adoption, support and sentiment it does have decide
    contacts_only = health(replace(base, store_has_contacts=True, store_has_activities=False))
    assert contacts_only.component("engagement").status is not ComponentStatus.MISSING
