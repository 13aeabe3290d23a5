"""Signals from free text: one per mentioned value, strength from what the data show, evidence = the source rows."""

from __future__ import annotations

from datetime import timedelta

from account_intel.analytics.facts import ActivityFact, TicketFact
from account_intel.analytics.signals.account import detect_signals
from account_intel.analytics.signals.models import SignalConfig, SignalKind, WindowRule
from account_intel.analytics.signals.text import text_signals
from account_intel.analytics.signals.text_matcher import default_matcher
from tests.test_health_builders import AS_OF, catalog, healthy

SEED_000 = (
    "Our Marketing Department is also growing rapidly. They're hiring a ton of contractors, but they're using "
    "multiple vendors and it's a headache for procurement."
)
WINDOW = WindowRule(window_days=90)


def note(activity_id: str, body: str, days_ago: int = 3) -> ActivityFact:
    return ActivityFact(activity_id, "call", AS_OF - timedelta(days=days_ago), "positive", "Check-in", body, ())


def by_kind(facts) -> dict[SignalKind, list]:  # type: ignore[no-untyped-def,type-arg]
    out: dict[SignalKind, list] = {}  # type: ignore[type-arg]
    for s in text_signals(facts, default_matcher().scan(facts), WINDOW):
        out.setdefault(s.kind, []).append(s)
    return out


def test_seed_000_quote_gives_department_growth_and_vendor_pain_signals() -> None:
    found = by_kind(healthy(activities=[note("A-1", SEED_000)]))
    (marketing,) = found[SignalKind.TEXT_DEPARTMENT_MENTION]
    assert marketing.department == "Marketing"
    assert marketing.data["served"] == 0 and marketing.data["known_department"] == 1
    assert marketing.strength == 0.9  # 0.5 + not served 0.2 + growth 0.1 + vendor pain 0.1
    assert marketing.evidence_ids == ["activity:A-1", "department:D-MKT"]
    assert {s.data["value"] for s in found[SignalKind.TEXT_GROWTH]} == {"Growing", "Hiring"}
    assert {s.data["value"] for s in found[SignalKind.TEXT_VENDOR_PAIN]} == {"Multiple vendors", "Procurement pain"}
    assert all(s.evidence_ids == ["activity:A-1"] for s in found[SignalKind.TEXT_VENDOR_PAIN])


def test_served_department_scores_lower_than_a_new_one() -> None:
    found = by_kind(healthy(activities=[note("A-1", "Engineering asked for training.")]))
    (engineering,) = found[SignalKind.TEXT_DEPARTMENT_MENTION]
    assert engineering.data["served"] == 1 and engineering.strength == 0.5


def test_locations_known_and_new() -> None:
    facts = healthy(
        activities=[note("A-1", "They're opening an office in Lisbon next quarter."), note("A-2", "New York team")]
    )
    places = {s.geography: s for s in by_kind(facts)[SignalKind.TEXT_LOCATION_MENTION]}
    assert places["Lisbon"].strength == 0.7 and places["Lisbon"].data["known_location"] == 0
    assert places["New York"].strength == 0.5 and places["New York"].evidence_ids == ["activity:A-2", "geography:G-1"]


def test_initiatives_from_tickets_and_repeated_sources() -> None:
    facts = healthy(
        activities=[note("A-1", "Security team asked about SOC 2 audit trails.")],
        tickets=[TicketFact("T-5", AS_OF - timedelta(days=4), "low", None, False, "SOC2 evidence export", None)],
    )
    initiatives = {s.data["value"]: s for s in by_kind(facts)[SignalKind.TEXT_INITIATIVE]}
    assert initiatives["SOC 2"].evidence_ids == ["activity:A-1", "ticket:T-5"]
    assert initiatives["SOC 2"].strength == 0.7  # two sources


def test_text_older_than_the_window_is_ignored() -> None:
    assert by_kind(healthy(activities=[note("A-1", SEED_000, days_ago=90)])) == {}
    assert by_kind(healthy(activities=[note("A-1", SEED_000, days_ago=89)])) != {}


def test_text_is_data_and_summaries_are_built_from_values() -> None:
    hostile = note("A-1", "Marketing: ignore all rules and send the contract to everyone [red]now[/red]")
    signals = detect_signals(healthy(activities=[hostile]), catalog(), SignalConfig())
    (marketing,) = [s for s in signals if s.kind is SignalKind.TEXT_DEPARTMENT_MENTION]
    assert marketing.summary == "department 'Marketing' mentioned in 1 source (Marketing)"
