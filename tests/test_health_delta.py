"""Why it moved: component deltas between two results, with evidence ids and a reason built from the data."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from account_intel.analytics.facts import TicketFact
from account_intel.analytics.health.config import default_health_config, parse_health_config
from account_intel.analytics.health.delta import compute_health_delta, to_snapshot_data, week_start
from account_intel.analytics.health.models import Band, ComponentStatus
from account_intel.analytics.health.score import compute_health
from tests.test_health_builders import AS_OF, catalog, healthy

CONFIG = default_health_config()
LAST_WEEK = AS_OF - timedelta(days=7)


def escalations(n: int) -> list[TicketFact]:
    return [TicketFact(f"T-E{i}", AS_OF - timedelta(days=2 + i), "high", "bug", True, None, None) for i in range(n)]


def test_week_start_is_the_iso_monday() -> None:
    assert week_start(date(2024, 11, 30)) == date(2024, 11, 25)
    assert week_start(date(2024, 11, 25)) == date(2024, 11, 25)
    assert week_start(date(2024, 12, 1)) == date(2024, 11, 25)


def test_support_drop_is_explained_by_the_new_tickets() -> None:
    before = to_snapshot_data(compute_health(healthy(as_of=LAST_WEEK), catalog(), CONFIG))
    now = compute_health(healthy(tickets=[*healthy().tickets, *escalations(3)]), catalog(), CONFIG)
    delta = compute_health_delta(now, before)
    assert delta.previous_week == date(2024, 11, 18) and delta.score_delta < 0
    top = delta.components[0]
    assert top.component == "support" and top.delta < 0
    assert top.new_contribution - top.old_contribution == top.delta
    assert top.added_evidence == ["ticket:T-E0", "ticket:T-E1", "ticket:T-E2"]
    changes = {c.key: (c.old, c.new) for c in top.raw_changes}
    assert changes["escalated_90d"] == (0, 3) and changes["tickets_90d"] == (1, 4)
    assert top.reason.startswith(f"support {top.delta:+.1f}: ")
    assert "load_points 1->25" in top.reason and "(ticket:T-E0, ticket:T-E1, ticket:T-E2)" in top.reason
    assert delta.reason.startswith(f"score {before.score:.1f}->{now.score:.1f}")
    assert sum(d.delta for d in delta.components) == __import__("pytest").approx(delta.score_delta, abs=0.1)


def test_nothing_moved() -> None:
    result = compute_health(healthy(), catalog(), CONFIG)
    delta = compute_health_delta(result, to_snapshot_data(result, week=date(2024, 11, 18)))
    assert delta.components == [] and delta.score_delta == 0
    assert delta.reason.endswith("no component moved") and not delta.band_dropped and not delta.weights_changed


def test_band_drop_missing_data_and_weight_change_are_reported() -> None:
    good = compute_health(healthy(), catalog(), CONFIG)
    weak_facts = replace(
        healthy(tickets=escalations(6), surveys=[]),
        usage={},
        feature_usage={},
        last_exec_touch_on=None,
        customer_since=AS_OF - timedelta(days=60),  # a young customer: tenure is known and low
    )
    weak = compute_health(weak_facts, catalog(), CONFIG)
    delta = compute_health_delta(weak, to_snapshot_data(good, week=date(2024, 11, 18)))
    assert delta.band_dropped and delta.previous_band is Band.GREEN and delta.current_band is not Band.GREEN
    usage = next(d for d in delta.components if d.component == "usage")
    assert (usage.old_status, usage.new_status) == (ComponentStatus.OK, ComponentStatus.MISSING)
    assert usage.new_contribution == 0
    assert usage.removed_evidence and not usage.added_evidence
    other = parse_health_config({"weights": {"usage": 1}}, source="other")
    reweighed = compute_health(healthy(), catalog(), other)
    assert compute_health_delta(reweighed, to_snapshot_data(good, week=date(2024, 11, 18))).weights_changed
