"""The portfolio scan's signal strengths are the signal rules' own: on random usage series, renewal dates, org events
and contacts, the strengths the scan finds for each target are those of the `detect_signals` signals that
`matching.bears_on` the same target, and its structured values are one per structured signal."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from account_intel.analytics.facts import AccountFacts, ActivityFact, ContactFact, LineFact, OrgEventFact, UsagePoint
from account_intel.analytics.opportunities.matching import bears_on
from account_intel.analytics.opportunities.strengths import Structured, signal_strengths
from account_intel.analytics.opportunities.targets import Target
from account_intel.analytics.propensity.config import ExpansionType
from account_intel.analytics.signals.account import detect_signals
from account_intel.analytics.signals.models import Signal, SignalConfig, SignalKind
from account_intel.analytics.signals.text import text_signals
from account_intel.analytics.signals.text_matcher import TextLexicon, TextMatcher, account_mentions
from tests.test_health_builders import AS_OF, catalog, healthy, month

CONFIG = SignalConfig()
NO_TEXT = TextMatcher(TextLexicon())
CATALOG = catalog()
METRICS = ("api_calls", "seats_used", "events", "storage_gb")
FEATURES = ("feat_a", "feat_b", "feat_c", "int_x")
DEPARTMENTS = ("D-ENG", "D-MKT", "D-FIN", "D-OPS")  # D-OPS has no department row: its name is its id
DEPARTMENT_NAMES = ("Engineering", "marketing", "FINANCE", "Sales", None)
PLACES = ("New York", "new york", "United States", "London", "London, United Kingdom", None)
EVENT_KINDS = ("executive_change", "funding", "new_office", "hiring", "new_budget", "department_created", "rebrand")
STRUCTURED = {
    SignalKind.USAGE_LIMIT,
    SignalKind.USAGE_SPIKE,
    SignalKind.NEW_DEPARTMENT_CONTACT,
    SignalKind.RENEWAL_WINDOW,
    SignalKind.ORG_CHANGE,
}
TARGETS = [
    Target(ExpansionType.SEAT_EXPANSION, "department", "Engineering", department_id="D-ENG", served=True),
    Target(ExpansionType.SEAT_EXPANSION, "department", "Marketing", department_id="D-MKT"),
    Target(ExpansionType.SEAT_EXPANSION, "department", "Finance", department_id="D-FIN"),
    Target(ExpansionType.SEAT_EXPANSION, "department", "D-OPS", department_id="D-OPS"),
    Target(ExpansionType.SEAT_EXPANSION, "account", "employees without a seat", served=True),
    Target(ExpansionType.GEOGRAPHIC_EXPANSION, "geography", "New York", geography_id="G-1"),
    Target(ExpansionType.GEOGRAPHIC_EXPANSION, "geography", "London, United Kingdom", geography_id="G-2"),
    Target(ExpansionType.TIER_UPGRADE, "product", "Enterprise", product_id="plan_ent"),
    Target(ExpansionType.VOLUME_INCREASE, "product", "API package", product_id="api_pack", metric="api_calls"),
    Target(ExpansionType.VOLUME_INCREASE, "product", "Events package", product_id="ev_pack", metric="events"),
    Target(ExpansionType.CROSS_SELL, "product", "Compliance", product_id="mod_comp"),
    Target(ExpansionType.NEW_SERVICE, "product", "Onboarding", product_id="svc_onb"),
    Target(ExpansionType.RATE_INCREASE, "account", "renewal"),
    Target(ExpansionType.CONTRACT_EXTENSION, "account", "renewal"),
]


@st.composite
def usage_series(draw: st.DrawFn) -> list[UsagePoint]:
    """Monthly points, oldest first, ending up to a month after the as-of month, with or without a limit."""
    months = draw(st.integers(0, 8))
    ahead = draw(st.integers(0, 1))
    limit = draw(st.none() | st.integers(1, 2_000))
    values = draw(st.lists(st.integers(0, 2_400), min_size=months, max_size=months))
    return [UsagePoint(month(months - 1 - i - ahead), v, limit) for i, v in enumerate(values)]


@st.composite
def contacts(draw: st.DrawFn) -> list[ContactFact]:
    """Contacts across served and unserved departments, some executive, some gone, some first contacted lately."""
    out = []
    for i in range(draw(st.integers(0, 6))):
        first = draw(st.none() | st.integers(-5, 200).map(lambda d: AS_OF - timedelta(days=d)))
        left = draw(st.sampled_from([None, None, None, AS_OF - timedelta(days=10), AS_OF + timedelta(days=5)]))
        out.append(
            ContactFact(
                f"C-{i}",
                f"Person {i}",
                draw(st.none() | st.just("Director")),
                draw(st.sampled_from((*DEPARTMENTS, None))),
                None,
                None,
                draw(st.sampled_from([True, True, True, False])),
                False,
                draw(st.booleans()),
                first,
                left,
            )
        )
    return out


@st.composite
def account(draw: st.DrawFn) -> AccountFacts:
    """An account with random usage, feature usage, renewal and QBR dates, org events, contacts and activities."""
    as_of = draw(st.sampled_from([AS_OF, AS_OF - timedelta(days=10)]))
    usage = draw(st.dictionaries(st.sampled_from(METRICS), usage_series(), max_size=4))
    features = draw(st.dictionaries(st.sampled_from(FEATURES), usage_series(), max_size=4))
    renewal = draw(st.none() | st.integers(-20, 400).map(lambda d: as_of + timedelta(days=d)))
    events = [
        OrgEventFact(
            f"E-{i}",
            draw(st.sampled_from(EVENT_KINDS)),
            as_of - timedelta(days=draw(st.integers(-10, 120))),
            "event",
            draw(st.sampled_from(DEPARTMENT_NAMES)),
            draw(st.sampled_from(PLACES)),
            draw(st.none() | st.integers(1, 50)),
        )
        for i in range(draw(st.integers(0, 5)))
    ]
    people = draw(contacts())
    ids = [c.id for c in people]
    activities = [
        ActivityFact(
            f"A-{i}",
            "meeting",
            as_of - timedelta(days=draw(st.integers(-5, 150))),
            None,
            None,
            None,
            tuple(draw(st.lists(st.sampled_from(ids), max_size=3, unique=True))) if ids else (),
        )
        for i in range(draw(st.integers(0, 5)))
    ]
    served = draw(st.sampled_from([("D-ENG",), ("D-ENG", "D-FIN"), (None,)]))
    lines = [
        LineFact(f"L-{i}", "seats", 10, Decimal("1200"), department, None, date(2024, 1, 1))
        for i, department in enumerate(served)
    ]
    return healthy(
        as_of=as_of,
        usage=usage,
        feature_usage=features,
        renewal_date=renewal,
        next_qbr_date=as_of + timedelta(days=draw(st.integers(-5, 60))),
        org_events=events,
        contacts=people,
        activities=activities,
        lines=lines,
    )


def _signals(facts: AccountFacts) -> tuple[list[Signal], list[Signal]]:
    """Every signal of the account (whitespace potential included), and its text signals."""
    mentions = account_mentions(facts, NO_TEXT)
    found = detect_signals(
        facts, CATALOG, CONFIG, mentions=mentions, whitespace_potential=Decimal("30000"), acv=Decimal("120000")
    )
    return found, text_signals(facts, mentions, CONFIG.text)


@settings(max_examples=300, deadline=None)
@given(account())
def test_scan_strengths_per_target_equal_the_bearing_signals(facts: AccountFacts) -> None:
    signals, text = _signals(facts)
    strengths = signal_strengths(facts, CONFIG, text)
    for target in TARGETS:
        found, _ = strengths.bearing_on(target, CATALOG)
        expected = [s.strength for s in signals if bears_on(target, s, CATALOG)]
        assert sorted(found) == sorted(expected), target


@settings(max_examples=300, deadline=None)
@given(account())
def test_one_structured_value_per_structured_signal(facts: AccountFacts) -> None:
    signals, text = _signals(facts)
    strengths = signal_strengths(facts, CONFIG, text)

    def key(s: Signal | Structured) -> tuple[object, ...]:
        return (s.kind, s.strength, s.data.get("metric"), s.feature, s.department, s.geography)

    expected = sorted((key(s) for s in signals if s.kind in STRUCTURED), key=repr)
    assert sorted((key(s) for s in strengths.structured), key=repr) == expected
