"""The white-space map: levels, sizing and potential on hand-made facts, then TechFlow and RetailCo from the demo."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from account_intel.analytics.evidence import resolves
from account_intel.analytics.facts import (
    AccountFacts,
    ActivityFact,
    Catalog,
    ContactFact,
    DepartmentFact,
    FeatureFact,
    GeographyFact,
    LineFact,
    OrgEventFact,
    ProductFact,
    TicketFact,
    UsagePoint,
    iter_portfolio_facts,
    load_catalog,
    load_facts,
)
from account_intel.analytics.opportunities.sizing import FORMULAS
from account_intel.analytics.signals.text_matcher import default_matcher
from account_intel.analytics.whitespace.map import (
    Level,
    Status,
    WhitespaceMap,
    build_whitespace_map,
    meets_t1_entry_rule,
    potential_only,
)
from account_intel.cli.app import app
from account_intel.demo.loader import load_portfolio
from account_intel.demo.portfolio import DemoSpec
from account_intel.domain.tiering import Thresholds
from account_intel.store.engine import Store

AS_OF = date(2024, 11, 30)
D = Decimal


def _catalog() -> Catalog:
    products = [
        ProductFact("starter", "Starter", "plan", "platform", "flat", D(8_000), 1),
        ProductFact("pro", "Professional", "plan", "platform", "flat", D(40_000), 2),
        ProductFact("ent", "Enterprise", "plan", "platform", "flat", D(64_000), 3),
        ProductFact("seats", "Seats", "product", "seats", "seat", D(1_200), None),
        ProductFact("compliance", "Compliance Suite", "module", "modules", "flat", D(15_000), None),
        ProductFact("analytics", "Advanced Analytics", "module", "modules", "flat", D(12_000), None),
        ProductFact("api", "API Package", "module", "modules", "usage", D(6_000), None),
        ProductFact("impl", "Implementation Services", "service", "services", "flat", D(10_000), None),
        ProductFact("support", "Premium Support", "service", "services", "flat", D(8_000), None),
        ProductFact("training", "Training", "service", "services", "unit", D(2_000), None),
    ]
    features = [
        FeatureFact("f_dash", "Dashboards", "feature", None, 1),
        FeatureFact("f_reports", "Custom Reports", "feature", None, 1),
        FeatureFact("f_alerts", "Alerts", "feature", None, 1),
        FeatureFact("f_adv", "Advanced Reporting", "feature", None, 3),
        FeatureFact("f_audit", "Audit Trails", "feature", "compliance", None),
        FeatureFact("i_slack", "Slack", "integration", None, 1),
    ]
    return Catalog({p.id: p for p in products}, {f.id: f for f in features})


def _line(line_id: str, product: str, quantity: int, price: int, dept: str | None = None, geo: str | None = None):
    return LineFact(line_id, product, quantity, D(price), dept, geo, date(2024, 1, 1))


def _facts(**changes: object) -> AccountFacts:
    """A small TechFlow-like account: Professional, 25 Engineering seats, Marketing and Product unserved."""
    facts = AccountFacts(
        "A-1", "Acme", "active", "SaaS", "T2", "Mid-Market", D(70_000), 60, date(2023, 1, 1), None, None,
        None, None, None, AS_OF,
    )  # fmt: skip
    facts.lines = [_line("L1", "pro", 1, 40_000), _line("L2", "seats", 25, 1_200, dept="D-ENG")]
    facts.departments = [
        DepartmentFact("D-ENG", "Engineering", 32),
        DepartmentFact("D-MKT", "Marketing", 15),
        DepartmentFact("D-PRD", "Product", 8),
        DepartmentFact("D-CS", "Customer Success", 3),
    ]
    facts.geographies = [
        GeographyFact("G-HQ", "United States", "United States", 53, True),
        GeographyFact("G-LON", "London, UK", "United Kingdom", 7, False),
    ]
    months = [date(2024, m, 1) for m in (9, 10, 11)]
    facts.usage = {
        "api_calls": [UsagePoint(m, v, 1_000_000) for m, v in zip(months, (800_000, 900_000, 960_000), strict=True)],
        "seats_used": [UsagePoint(m, 20, 25) for m in months],
    }
    facts.feature_usage = {fid: [UsagePoint(months[-1], 50, None)] for fid in ("f_dash", "f_reports", "i_slack")}
    for name, value in changes.items():
        setattr(facts, name, value)
    return facts


def _item(ws: WhitespaceMap, product_id: str, scope_name: str | None = None):
    return next(i for i in ws.items if i.product_id == product_id and i.scope_name == scope_name)


def _grounded(ws: WhitespaceMap) -> None:
    """Every sized number follows from its inputs by its named formula; the totals add up."""
    figures = [ws.acv, ws.potential, ws.untapped_seats, ws.t1_entry_threshold]
    figures += [f for i in ws.items for f in (i.sizing, i.counted) if f is not None]
    for figure in figures:
        assert figure.formula in FORMULAS
        assert figure.recompute() == figure.value, figure
    counted = sum((D(i.counted.value) for i in ws.items if i.counted), D(0))
    assert counted == ws.potential.value == sum(ws.potential_by_level.values())


def test_no_signal_departments_are_med_or_low_and_api_limit_makes_the_upgrade_high() -> None:
    ws = build_whitespace_map(_facts(), _catalog())
    assert _item(ws, "seats").status == Status.PARTIAL
    assert _item(ws, "seats", "Marketing").level == Level.MED  # headcount, no signal: adjacent use case
    assert _item(ws, "seats", "Customer Success").level == Level.LOW  # 3 people
    assert _item(ws, "seats", "Engineering").level == Level.MED  # 7 without a seat, seats 80% used
    upgrade = _item(ws, "ent")
    assert upgrade.level == Level.HIGH and upgrade.counted and upgrade.counted.value == D(24_000)
    assert _item(ws, "api").level == Level.MED and _item(ws, "api").counted is None  # the upgrade is the alternative
    assert all(i.product_id != "starter" for i in ws.items)  # lower tiers are not whitespace
    assert _item(ws, "analytics").level == Level.MED  # dashboards and reports adopted
    assert _item(ws, "compliance").level == Level.LOW
    assert _item(ws, "support").level == Level.LOW and _item(ws, "support").counted is None
    _grounded(ws)


def test_hiring_contact_and_need_notes_make_a_department_high() -> None:
    facts = _facts(
        org_events=[OrgEventFact("E1", "hiring", AS_OF - timedelta(days=40), "Hired 12.", "Marketing", None, 12)],
        contacts=[
            ContactFact("C1", "Dana", "VP Marketing", "D-MKT", None, None, True, False, True, None, None),
            ContactFact("C2", "Pat", "Product Manager", "D-PRD", None, None, True, False, False, None, None),
        ],
        activities=[
            ActivityFact("A1", "note", AS_OF - timedelta(days=9), None, "Seat audit",
                         "Audit found 3 Marketing users sharing Engineering logins.", ()),
            ActivityFact("A2", "email", AS_OF - timedelta(days=5), None, "Product", "Product feedback on filters.", ()),
        ],
    )  # fmt: skip
    ws = build_whitespace_map(facts, _catalog())
    marketing = _item(ws, "seats", "Marketing")
    assert marketing.level == Level.HIGH
    assert marketing.headline == "Marketing (15 people) needs it"
    assert {e.id for e in marketing.evidence} >= {"org_event:E1", "contact:C1", "activity:A1", "department:D-MKT"}
    assert _item(ws, "seats", "Product").level == Level.MED  # a contact alone, and a mention without a need cue
    assert _item(ws, "seats", "Engineering").level == Level.MED  # a served department's remainder ignores notes


def test_mentions_from_the_text_matcher_replace_the_keyword_check() -> None:
    note = ActivityFact("A1", "call", AS_OF - timedelta(days=6), None, "Check-in", "Marketing is a big team.", ())
    facts = _facts(activities=[note])
    assert _item(build_whitespace_map(facts, _catalog()), "seats", "Marketing").level == Level.MED
    mentions = [("department", "Marketing", "activity:A1"), ("vendor_pain", "Multiple vendors", "activity:A1")]
    ws = build_whitespace_map(facts, _catalog(), mentions)
    assert _item(ws, "seats", "Marketing").level == Level.HIGH
    it_team = [*facts.departments, DepartmentFact("D-IT", "IT", 10)]
    digital = [("department", "Digital Marketing", "activity:A1"), ("growth", "Hiring", "activity:A1")]
    ws = build_whitespace_map(_facts(activities=[note], departments=it_team), _catalog(), digital)
    assert _item(ws, "seats", "IT").level == Level.MED  # values match names word for word, not 'it' in 'digital'
    initiative = [("initiative", "SOC 2", "activity:A1")]
    assert _item(build_whitespace_map(facts, _catalog(), initiative), "compliance").level == Level.HIGH


def test_seats_are_counted_once_over_departments_and_locations() -> None:
    ws = build_whitespace_map(_facts(), _catalog())
    # served Engineering lacks 7; with no signal, Marketing, Product and Customer Success count by the adoption share
    # (25%, rounded up): 4 of 15, 2 of 8, 1 of 3; London's 2 of 7 are the same people
    assert ws.untapped_seats.value == 7 + 4 + 2 + 1
    london = _item(ws, "seats", "London, UK")
    assert london.sizing and london.sizing.value == D(2 * 1_200) and london.counted is None
    marketing = _item(ws, "seats", "Marketing")
    assert marketing.note == (
        "sized at 25% of 15 people (adoption share): no contact, org event or open opportunity there"
    )
    # + Enterprise step + Compliance + Advanced Analytics + 2 Training days (2 of 5 features adopted: 40% < 50%)
    assert ws.potential.value == D(14 * 1_200 + 24_000 + 15_000 + 12_000 + 4_000)
    # a big unserved office with a signal: counted first at its level, so the departments' rows (the same people)
    # share what is left of the 50 employees without a seat: nothing
    geos = [GeographyFact("G-HQ", "US", "US", 40, True), GeographyFact("G-BER", "Berlin, DE", "Germany", 50, False)]
    hiring = [OrgEventFact("E-1", "hiring", date(2024, 11, 1), "Hiring in Berlin", None, "Berlin, DE", 50)]
    ws = build_whitespace_map(_facts(headcount=90, geographies=geos, org_events=hiring), _catalog())
    berlin = _item(ws, "seats", "Berlin, DE")
    assert berlin.counted and berlin.counted.inputs["headcount"] == 50
    departments = [i for i in ws.items if i.product_id == "seats" and i.scope == "department"]
    assert departments and all(i.counted is None for i in departments)
    assert ws.untapped_seats.value == 50
    _grounded(ws)


def test_usage_package_counts_on_the_top_plan_and_when_owned_below_need() -> None:
    lines = [_line("L1", "ent", 1, 64_000), _line("L2", "seats", 25, 1_200, dept="D-ENG")]
    ws = build_whitespace_map(_facts(lines=lines), _catalog())
    api = _item(ws, "api")
    assert api.level == Level.HIGH and api.counted and api.counted.value == D(6_000)
    assert all(i.kind != "plan" or i.status == Status.ACTIVE for i in ws.items)
    owned = [*lines, _line("L3", "api", 1, 6_000)]
    api = _item(build_whitespace_map(_facts(lines=owned), _catalog()), "api")
    assert api.status == Status.PARTIAL and api.level == Level.HIGH


def test_services_count_only_on_a_need() -> None:
    tickets = [
        TicketFact(f"T{n}", AS_OF - timedelta(days=10 + n), "high", "bug", n == 0, "Broken", "It fails.")
        for n in range(4)
    ]
    ws = build_whitespace_map(_facts(tickets=tickets, feature_usage={}), _catalog())
    assert _item(ws, "support").level == Level.HIGH  # an escalated ticket
    training = _item(ws, "training")
    assert training.level == Level.MED and training.counted and training.counted.value == D(4_000)  # 0% adoption
    assert _item(ws, "impl").counted is None
    _grounded(ws)


def test_rate_limit_tickets_alone_make_the_upgrade_high() -> None:
    tickets = [
        TicketFact(f"T{n}", AS_OF - timedelta(days=5 + 10 * n), "high", "api_rate_limit", False, "429", "Throttled.")
        for n in range(2)
    ]
    usage = {"api_calls": [UsagePoint(date(2024, 11, 1), 300_000, 1_000_000)]}
    ws = build_whitespace_map(_facts(tickets=tickets, usage=usage), _catalog())
    assert _item(ws, "ent").level == Level.HIGH
    assert _item(build_whitespace_map(_facts(usage=usage), _catalog()), "ent").level == Level.LOW


def test_t1_entry_rule_and_potential_only_match_the_map() -> None:
    variants = [
        _facts(),
        _facts(lines=[]),
        _facts(headcount=None, departments=[]),
        _facts(lines=[_line("L1", "ent", 1, 64_000), _line("L2", "compliance", 1, 15_000, dept="D-ENG")]),
    ]
    for facts in variants:
        ws = build_whitespace_map(facts, _catalog())
        assert potential_only(facts, _catalog()) == (ws.acv.value, ws.potential.value)
        _grounded(ws)
    assert not meets_t1_entry_rule(D(0), D(10_000))  # no ACV: not an expansion account
    assert meets_t1_entry_rule(D(85_000), D("42500.00"))
    assert not meets_t1_entry_rule(D(85_000), D("42499.99"))
    empty = build_whitespace_map(_facts(lines=[]), _catalog())
    assert empty.acv.value == 0 and not empty.meets_t1_entry_rule


def test_module_scoped_to_one_department_is_partial() -> None:
    facts = _facts()
    facts.lines = [
        *facts.lines,
        _line("L3", "compliance", 1, 15_000, dept="D-ENG"),
        _line("L4", "seats", 5, 1_200, dept="D-MKT"),
    ]
    item = _item(build_whitespace_map(facts, _catalog()), "compliance")
    assert item.status == Status.PARTIAL and item.level == Level.MED


# --- the demo portfolio: TechFlow (seed 003) and RetailCo (seed 000) -------------------------------------------


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The default demo portfolio (200 accounts, seed 7, as of 2024-11-30)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('ws') / 'demo.db'}"
    store = Store(url)
    with store.transaction() as session:
        load_portfolio(session, DemoSpec(accounts=200, as_of=AS_OF), thresholds=Thresholds())
    store.dispose()
    yield url


@pytest.fixture(scope="module")
def demo_store(demo_url: str) -> Iterator[Store]:
    store = Store(demo_url)
    yield store
    store.dispose()


def _demo_map(store: Store, account_id: str, *, matcher: bool = False) -> WhitespaceMap:
    with store.transaction() as session:
        catalog = load_catalog(session)
        facts = load_facts(session, AS_OF, [account_id])[account_id]
    mentions = [(m.kind.value, m.value, m.source_id) for m in default_matcher().scan(facts)] if matcher else None
    return build_whitespace_map(facts, catalog, mentions)


@pytest.mark.parametrize("matcher", [False, True])
def test_techflow_map(demo_store: Store, matcher: bool) -> None:
    ws = _demo_map(demo_store, "ACCT-3421", matcher=matcher)
    seats = _item(ws, "prod_seats")
    assert seats.status == Status.PARTIAL and seats.capacity.startswith("25 of 60 employees")
    marketing = _item(ws, "prod_seats", "Marketing")
    assert marketing.level == Level.HIGH and marketing.headline == "Marketing (15 people) needs it"
    assert marketing.sizing and marketing.sizing.value == D(18_000)
    enterprise = _item(ws, "plan_enterprise")
    assert enterprise.level == Level.HIGH and enterprise.counted and enterprise.counted.value == D(24_000)
    assert any("4 rate-limit tickets" in s for s in enterprise.signals)
    assert _item(ws, "mod_compliance").level == Level.HIGH
    assert _item(ws, "prod_seats", "London, UK").level in (Level.MED, Level.LOW)
    assert _item(ws, "prod_seats", "Product").level in (Level.MED, Level.LOW)
    assert _item(ws, "prod_seats", "Customer Success").level in (Level.MED, Level.LOW)
    assert _item(ws, "svc_premium_support").status == Status.ACTIVE
    assert ws.acv.value == D(85_000)
    # seed: "Total untapped: 35 seats"; Customer Success has no signal, so 2 of its 5 people count (adoption share)
    assert ws.untapped_seats.value == 32
    # 32 seats x $1,200 + Enterprise step $24,000 + Compliance $15,000 + Advanced Analytics $12,000
    assert ws.potential.value == D(38_400 + 24_000 + 15_000 + 12_000)
    assert ws.meets_t1_entry_rule
    p = ws.penetration
    assert (p.departments.part, p.departments.whole, p.departments.detail) == (1, 4, "Engineering only")
    assert (p.seats.part, p.seats.whole, p.seats.pct) == (25, 60, D(42))
    assert (p.features.part, p.features.whole, p.features.pct) == (7, 12, D(58))
    assert (p.integrations.part, p.integrations.whole) == (3, 7)
    assert (p.geographies.part, p.geographies.whole) == (1, 2)
    _grounded(ws)


@pytest.mark.parametrize("matcher", [False, True])
def test_retailco_marketing_is_a_high_new_department(demo_store: Store, matcher: bool) -> None:
    ws = _demo_map(demo_store, "ACCT-2001", matcher=matcher)
    marketing = _item(ws, "prod_seats", "Marketing")
    assert marketing.level == Level.HIGH and marketing.status == Status.NONE
    assert marketing.sizing and marketing.sizing.value == D(45 * 1_200)
    assert any(e.source_table == "activities" for e in marketing.evidence)  # Tom Wilson's call note
    assert ws.acv.value == D(340_000)
    _grounded(ws)


@pytest.mark.parametrize("account_id", ["ACCT-3421", "ACCT-2001"])
def test_every_evidence_id_resolves(demo_store: Store, account_id: str) -> None:
    ids: set[str] = set()
    for matcher in (False, True):
        ws = _demo_map(demo_store, account_id, matcher=matcher)
        ids |= {e.id for e in ws.evidence} | {e.id for i in ws.items for e in i.evidence}
        p = ws.penetration
        for ratio in (p.departments, p.seats, p.seat_usage, p.features, p.integrations, p.geographies):
            ids |= {e.id for e in ratio.evidence} if ratio else set()
    with demo_store.transaction() as session:
        missing = sorted(i for i in ids if not resolves(session, i))
    assert not missing
    assert len(ids) > 20


def test_potential_only_matches_the_map_over_the_portfolio(demo_store: Store) -> None:
    with demo_store.transaction() as session:
        catalog = load_catalog(session)
        chunks = list(iter_portfolio_facts(session, AS_OF, chunk_size=100))
    checked = 0
    for facts in (f for chunk in chunks for f in chunk):
        ws = build_whitespace_map(facts, catalog)
        assert potential_only(facts, catalog) == (ws.acv.value, ws.potential.value), facts.account_id
        _grounded(ws)
        checked += 1
    assert checked == 200


def test_cli_prints_the_box_table_and_json(demo_url: str) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["whitespace", "TechFlow", "--as-of", "2024-11-30", "--db", demo_url])
    assert result.exit_code == 0, result.output
    assert "TechFlow Inc. White-Space Map" in result.output
    assert "Current ACV: $85K | White-Space Potential: $89.4K" in result.output
    assert "Seats: 25 of 60 employees (42% penetration)" in result.output
    result = runner.invoke(app, ["whitespace", "ACCT-2001", "--as-of", "2024-11-30", "--db", demo_url, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["account_name"] == "RetailCo" and data["meets_t1_entry_rule"] is True
    result = runner.invoke(app, ["whitespace", "Nobody", "--db", demo_url])
    assert result.exit_code != 0


def test_facts_are_not_changed(demo_store: Store) -> None:
    with demo_store.transaction() as session:
        facts = load_facts(session, AS_OF, ["ACCT-3421"])["ACCT-3421"]
        catalog = load_catalog(session)
    before = replace(facts, lines=list(facts.lines))
    build_whitespace_map(facts, catalog)
    assert facts.lines == before.lines and facts.usage == before.usage
