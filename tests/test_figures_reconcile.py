"""Every figure agrees with every other: the rules of docs/data-model.md ("Figures"), as properties.

Over every account of the default demo (200 accounts, seed 7, as of 2024-11-30) and over random portfolios
(hypothesis draws a generated store of another seed and 5-15 of its accounts), each rule is checked where the
figures are made: the whitespace map, the per-account analysis, the portfolio scan and report, the weekly report's
Markdown and JSON, and the JSON of the commands.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from account_intel.analytics.account_analysis import AccountAnalysis, analyze_account
from account_intel.analytics.facts import AccountFacts, Catalog, load_catalog, load_facts
from account_intel.analytics.health.config import load_weights
from account_intel.analytics.portfolio.forecast import to_percent
from account_intel.analytics.portfolio.pipeline import PortfolioReport, build_report
from account_intel.analytics.portfolio.scan import ScanSpec, scan_chunk
from account_intel.analytics.propensity.config import default_propensity_config
from account_intel.analytics.propensity.fast import ScanConfig
from account_intel.analytics.signals.models import load_signal_config
from account_intel.analytics.signals.text_matcher import default_matcher
from account_intel.analytics.whitespace.demand import DEFAULT_RULES
from account_intel.analytics.whitespace.map import build_whitespace_map
from account_intel.analytics.whitespace.models import WhitespaceMap
from account_intel.analytics.whitespace.penetration import coverage
from account_intel.analytics.whitespace.potential import reach
from account_intel.cli.app import app
from account_intel.content.templates import load_template, render
from account_intel.demo.loader import load_portfolio
from account_intel.demo.portfolio import DemoSpec
from account_intel.domain.enums import OpportunityStage, OpportunityType
from account_intel.domain.tiering import Thresholds
from account_intel.pipeline.closing import win_opportunity
from account_intel.pipeline.schemas import OpportunityCreate, WinInput
from account_intel.pipeline.service import create_opportunity
from account_intel.runs.weekly import WeeklySummary
from account_intel.runs.weekly_report import portfolio_view
from account_intel.store.engine import Store
from account_intel.store.models import Opportunity

AS_OF = date(2024, 11, 30)
ZERO = Decimal("0.00")
MONEY_TEXT = re.compile(r"^-?\d+\.\d{2}$")
POOL_SEEDS = (11, 23, 31, 47)
POOL_ACCOUNTS = 40
SIZED_SEAT_FORMULAS = ("seat_expansion", "geographic_expansion")
CLOSED = ("closed_won", "closed_lost")
TOKENS = {"calls": 0, "input_tokens": 0, "output_tokens": 0}


# --- stores ----------------------------------------------------------------------------------------------------------


def _store(folder: Path, accounts: int, seed: int) -> Store:
    store = Store(f"sqlite:///{folder / f'demo-{seed}-{accounts}.db'}")
    with store.transaction() as session:
        load_portfolio(session, DemoSpec(accounts=accounts, seed=seed, as_of=AS_OF), thresholds=Thresholds())
    return store


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The default demo portfolio."""
    store = _store(tmp_path_factory.mktemp("figures"), 200, 7)
    yield store
    store.dispose()


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[int, tuple[Store, list[AccountFacts], Catalog]]]:
    """Generated stores of other seeds, with every account's facts: random portfolios are drawn from them."""
    folder = tmp_path_factory.mktemp("pool")
    out = {}
    for seed in POOL_SEEDS:
        store = _store(folder, POOL_ACCOUNTS, seed)
        with store.transaction() as session:
            catalog = load_catalog(session)
            ids = [a for a in _account_ids(session)]
            facts = load_facts(session, AS_OF, ids)
        out[seed] = (store, [facts[i] for i in ids], catalog)
    yield out
    for store, _, _ in out.values():
        store.dispose()


def _account_ids(session: Any) -> list[str]:
    from sqlalchemy import select

    from account_intel.store.models import Account

    return list(session.scalars(select(Account.id).order_by(Account.id)))


def _demo_facts(store: Store) -> tuple[list[AccountFacts], Catalog]:
    with store.transaction() as session:
        catalog = load_catalog(session)
        ids = _account_ids(session)
        facts = load_facts(session, AS_OF, ids)
    return [facts[i] for i in ids], catalog


# --- rule: the whitespace map adds up and stays within the addressable cap ------------------------------------------


def _map(facts: AccountFacts, catalog: Catalog) -> WhitespaceMap:
    return build_whitespace_map(facts, catalog, [m.as_tuple() for m in default_matcher().scan(facts)])


def check_whitespace(facts: AccountFacts, catalog: Catalog) -> WhitespaceMap:
    """Parts add up; each seat row is within its addressable people; the potential is within the cap."""
    ws = _map(facts, catalog)
    counted = [Decimal(i.counted.value) for i in ws.items if i.counted is not None]
    assert Decimal(ws.potential.value) == sum(counted, ZERO), facts.account_id
    assert sum(ws.potential_by_level.values(), ZERO) == Decimal(ws.potential.value), facts.account_id
    assert Decimal(ws.acv.value) == sum((line.annual_value for line in facts.lines), ZERO), facts.account_id
    cov = coverage(facts, catalog)
    where = reach(facts, cov, DEFAULT_RULES)
    share = DEFAULT_RULES.adoption_share
    seat_price = next((p.list_price for p in catalog.products.values() if p.pricing_unit == "seat"), None)
    cap_seats = 0
    for item in ws.items:
        if item.sizing is None or item.sizing.formula not in SIZED_SEAT_FORMULAS or item.scope_id is None:
            continue
        people = int(item.sizing.inputs.get("seats", item.sizing.inputs.get("headcount", 0)))
        if item.scope == "department":
            dept = next(d for d in facts.departments if d.id == item.scope_id)
            unseated = max(0, (dept.headcount or 0) - cov.seats_by_dept.get(dept.id, 0))
            signalled = dept.id in where.departments or (item.level is not None and item.level.value == "HIGH")
        elif item.scope == "geography":
            geo = next(g for g in facts.geographies if g.id == item.scope_id)
            served = geo.id in cov.served_geos
            unseated = (geo.headcount or 0) - (cov.seats_by_geo.get(geo.id, 0) if served else 0)
            signalled = geo.id in where.geographies or bool(item.signals)
        else:
            unseated, signalled = max(0, cov.eligible - cov.seats_total), False
        limit = unseated if signalled else math.ceil(unseated * share)
        assert people <= limit, (facts.account_id, item.key, people, limit)
        if item.counted is not None:
            cap_seats += int(item.counted.inputs.get("seats", item.counted.inputs.get("headcount", 0)))
    assert cap_seats <= max(0, cov.eligible - cov.seats_total), facts.account_id
    assert cap_seats == int(ws.untapped_seats.value), facts.account_id
    non_seat = sum(
        (
            Decimal(i.counted.value)
            for i in ws.items
            if i.counted is not None and i.counted.formula not in SIZED_SEAT_FORMULAS
        ),
        ZERO,
    )
    cap = non_seat + (seat_price or ZERO) * cap_seats
    assert Decimal(ws.potential.value) <= cap, facts.account_id
    return ws


# --- rule: scenarios are ordered and within the total potential ---------------------------------------------------


def check_analysis(analysis: AccountAnalysis) -> None:
    """conservative <= base (90) <= base (180) <= upside <= total potential = Σ counted candidates."""
    counted = sum((Decimal(o.counted.value) for o in analysis.opportunities if o.in_totals and o.counted), ZERO)
    assert analysis.total_potential == counted, analysis.account_id
    s = analysis.scenarios
    if s is None:
        return
    cases = [s.conservative, *[s.base[w] for w in sorted(s.base)], s.upside]
    assert cases == sorted(cases), (analysis.account_id, cases)
    assert s.upside <= analysis.total_potential, analysis.account_id
    if analysis.whitespace is not None:
        renewal = sum(
            (
                Decimal(o.counted.value)
                for o in analysis.opportunities
                if o.in_totals and o.counted and o.type == "rate_increase"
            ),
            ZERO,
        )
        assert analysis.total_potential <= Decimal(analysis.whitespace.potential.value) + renewal, analysis.account_id


# --- rule: portfolio tables add up; GRR and NRR follow their definitions ------------------------------------------


def _scan(facts: list[AccountFacts], catalog: Catalog, store: Store) -> PortfolioReport:
    spec = ScanSpec(
        as_of=AS_OF,
        config=ScanConfig(default_propensity_config(), load_signal_config()),
        health=load_weights(),
        thresholds=Thresholds(),
    )
    with store.transaction() as session:
        totals = scan_chunk(session, catalog, facts, spec)
    return build_report(totals, spec, [], seconds=0.0)


def check_portfolio(report: PortfolioReport) -> None:
    """Every table's rows add up to the totals; retention follows its definitions for its stated quarter."""
    totals = (report.total_potential, report.expected_value)
    assert (sum(t.total_potential for t in report.tiers), sum(t.expected for t in report.tiers)) == totals
    assert sum(t.accounts for t in report.tiers) == report.accounts_with_opportunities
    assert (sum(t.total_potential for t in report.types), sum(t.expected for t in report.types)) == totals
    assert sum(t.opportunities for t in report.types) == report.opportunities
    assert (sum(s.total_potential for s in report.segments), sum(s.expected for s in report.segments)) == totals
    assert sum(s.accounts for s in report.segments) == report.active_accounts
    assert sum(s.arr for s in report.segments) == report.retention.starting_arr
    assert (sum(c.total_potential for c in report.campaign), sum(c.expected for c in report.campaign)) == totals
    assert sum(c.opportunities for c in report.campaign) == report.opportunities
    r = report.retention
    assert (r.period_start, r.period_end) == (report.as_of + timedelta(days=1), report.as_of + timedelta(days=90))
    f = r.forecast
    if f is None:
        assert r.starting_arr == 0
        return
    start = r.starting_arr
    assert f.grr_pct == to_percent((start - f.churn - f.contraction) / start) <= 100
    assert f.nrr_pct == to_percent((start + f.expansion - f.churn - f.contraction) / start)
    assert f.expansion == r.expansion.conservative <= r.expansion.expected <= report.expected_value
    assert f.churn == r.churn.expected_churn <= start
    assert not any("annual" in name for name in f.model_dump())


def check_weekly_report(report: PortfolioReport) -> None:
    """The weekly report's JSON is the report itself, and its Markdown total rows show the same totals."""
    document = json.loads(json.dumps({"portfolio": report.model_dump(mode="json")}))
    assert document["portfolio"]["total_potential"] == f"{report.total_potential:.2f}"
    _money_is_text(document)
    summary = WeeklySummary(
        run_id="weekly-2024-W48", iso_week="2024-W48", as_of=report.as_of, segment=None, brain="rules",
        concurrency=1, accounts=report.active_accounts, counts={}, week_counts={}, tokens=TOKENS, fallbacks=0,
    )  # fmt: skip
    view = portfolio_view(report)
    markdown = render(
        load_template("portfolio_summary", None),
        run={**summary.model_dump(mode="json"), "counts": _zero_counts(), "week_counts": _zero_counts()},
        portfolio=view,
        capacity=[],
    )
    for title in ("Pipeline by Priority", "Pipeline by Type", "Pipeline by Segment"):
        section = markdown.split(f"## {title}", 1)[1].split("\n## ", 1)[0]
        total = next(line for line in section.splitlines() if line.startswith("| **Total**"))
        assert f"| {view['total_potential']} |" in total, (title, total)
    tiers = markdown.split("## Pipeline by Priority", 1)[1].split("\n## ", 1)[0]
    assert f"| {view['expected_value']} |" in tiers
    assert "annualised:" not in markdown


def _zero_counts() -> dict[str, int]:
    return {"completed": 0, "awaiting_approval": 0, "failed": 0, "skipped": 0}


# --- rule: one JSON form -------------------------------------------------------------------------------------------

MONEY_KEYS = {
    "arr", "acv", "total_potential", "expected_value", "expected", "average_potential", "starting_arr",
    "expected_churn", "ending_arr", "churn", "contraction", "expansion", "conservative", "potential",
    "annual_value", "unit_price", "list_price", "priority",
}  # fmt: skip
MEASURE_KEYS = {"score", "effective_score", "grr_pct", "nrr_pct", "share_pct", "probability", "propensity"}


def _money_is_text(node: Any, key: str = "") -> None:
    """Money keys hold two-decimal strings; score and percentage keys hold numbers (or null)."""
    if isinstance(node, dict):
        for k, v in node.items():
            _money_is_text(v, k)
    elif isinstance(node, list):
        for v in node:
            _money_is_text(v, key)
    elif key in MONEY_KEYS and not isinstance(node, (dict, list, bool)) and node is not None:
        assert isinstance(node, str) and MONEY_TEXT.match(node), (key, node)
    elif key in MEASURE_KEYS and node is not None:
        assert isinstance(node, (int, float)) and not isinstance(node, bool), (key, node)


# --- the properties over the default demo ---------------------------------------------------------------------------


def test_every_demo_account_reconciles(demo: Store) -> None:
    facts_list, catalog = _demo_facts(demo)
    assert len(facts_list) == 200
    base_differs = 0
    weights = load_weights()
    with demo.transaction() as session:
        for facts in facts_list:
            check_whitespace(facts, catalog)
            if facts.status != "active":
                continue
            analysis = analyze_account(session, facts.account_id, AS_OF, health_config=weights)
            check_analysis(analysis)
            s = analysis.scenarios
            base_differs += bool(s and s.base[180] != s.base[90])
    assert base_differs > 0  # the 180-day base case is not a copy of the 90-day one
    report = _scan(facts_list, catalog, demo)
    check_portfolio(report)
    check_weekly_report(report)


def test_retailco_store_operations_is_sized_by_the_adoption_share(demo: Store) -> None:
    with demo.transaction() as session:
        catalog = load_catalog(session)
        facts = load_facts(session, AS_OF, ["ACCT-2001"])["ACCT-2001"]
    ws = _map(facts, catalog)
    row = next(i for i in ws.items if i.scope_name == "Store Operations")
    assert row.sizing is not None and row.sizing.inputs["seats"] == math.ceil(1400 * DEFAULT_RULES.adoption_share)
    assert Decimal(ws.potential.value) < Decimal("1000000")  # was $2.05M with 1,400 people at full headcount


# --- the properties over random portfolios --------------------------------------------------------------------------


@st.composite
def portfolios(draw: st.DrawFn) -> tuple[int, list[int]]:
    seed = draw(st.sampled_from(POOL_SEEDS))
    size = draw(st.integers(min_value=5, max_value=15))
    picks = draw(st.lists(st.integers(0, POOL_ACCOUNTS - 1), min_size=size, max_size=size, unique=True))
    return seed, sorted(picks)


@settings(max_examples=220, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(portfolio=portfolios())
def test_random_portfolios_reconcile(pool: dict, portfolio: tuple[int, list[int]]) -> None:  # type: ignore[type-arg]
    seed, picks = portfolio
    store, facts_all, catalog = pool[seed]
    chosen = [facts_all[i] for i in picks]
    for facts in chosen:
        check_whitespace(facts, catalog)
    report = _scan(chosen, catalog, store)
    check_portfolio(report)
    _money_is_text(json.loads(report.model_dump_json()))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.sampled_from(POOL_SEEDS), index=st.integers(0, POOL_ACCOUNTS - 1))
def test_random_accounts_scenarios_are_ordered(pool: dict, seed: int, index: int) -> None:  # type: ignore[type-arg]
    store, facts_all, _ = pool[seed]
    facts = facts_all[index]
    if facts.status != "active":
        return
    with store.transaction() as session:
        check_analysis(analyze_account(session, facts.account_id, AS_OF, health_config=load_weights()))


# --- rule: a won opportunity shrinks its whitespace cell from its close date on -----------------------------------


def _department_cell(store: Store, account_id: str, department: str, day: date) -> tuple[int, Decimal]:
    with store.transaction() as session:
        catalog = load_catalog(session)
        facts = load_facts(session, day, [account_id])[account_id]
    ws = build_whitespace_map(facts, catalog)
    row = next((i for i in ws.items if i.scope == "department" and i.scope_name == department), None)
    seats = coverage(facts, catalog).seats_by_dept
    dept_id = next(d.id for d in facts.departments if d.name == department)
    return seats.get(dept_id, 0), Decimal(row.counted.value) if row is not None and row.counted else ZERO


@pytest.mark.parametrize(("account_id", "department", "value"), [("ACCT-3421", "Marketing", "9600.00"),
                                                                ("ACCT-2001", "Marketing", "54000.00")])  # fmt: skip
def test_a_won_opportunity_shrinks_its_cell_from_the_close_date(
    tmp_path: Path, account_id: str, department: str, value: str
) -> None:
    store = _store(tmp_path, 4, 7)
    close = AS_OF - timedelta(days=5)
    opened = datetime.combine(close - timedelta(days=20), time(12), tzinfo=UTC)
    seats_before, cell_before = _department_cell(store, account_id, department, close)
    assert cell_before > 0
    with store.transaction() as session:
        created = create_opportunity(
            session,
            data=OpportunityCreate(
                account=account_id, name=f"{department} seats", type=OpportunityType.NEW_DEPARTMENT,
                target_departments=[department], estimated_value=Decimal(value), override_reason="test",
            ),
            at=opened,
            actor=None,
        )  # fmt: skip
        opportunity = session.get(Opportunity, created.id)
        assert opportunity is not None
        opportunity.stage = OpportunityStage.VERBAL_AGREEMENT
        session.flush()
        win_opportunity(
            session,
            opportunity_id=created.id,
            data=WinInput(closed_value=Decimal(value), close_date=close),
            at=datetime.combine(close, time(12), tzinfo=UTC),
            actor=None,
            thresholds=Thresholds(),
        )
    assert _department_cell(store, account_id, department, close - timedelta(days=1)) == (seats_before, cell_before)
    seats_after, cell_after = _department_cell(store, account_id, department, close)
    assert seats_after == seats_before + int(Decimal(value) // Decimal(1200))
    assert cell_after < cell_before
    store.dispose()


# --- rule: the same figure has the same value and JSON type in every command ---------------------------------------


def test_commands_agree_on_figures_and_json_types(tmp_path: Path) -> None:
    store = _store(tmp_path, 6, 7)
    url = store.url
    store.dispose()
    runner = CliRunner()

    def run(*args: str) -> Any:
        result = runner.invoke(app, [*args, "--as-of", AS_OF.isoformat(), "--db", url, "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    whitespace = run("whitespace", "TechFlow")
    health = run("health", "show", "TechFlow")
    portfolio = run("portfolio")
    brief = run("brief", "TechFlow", "--brain", "rules")
    for document in (whitespace, health, portfolio, brief):
        _money_is_text(document)
    assert brief["health"]["score"] == health["health"]["score"]
    assert isinstance(brief["health"]["score"], float)
    composed = json.loads(Path(brief["deliverables"]["brief_json"]).read_text(encoding="utf-8"))
    assert composed["whitespace"]["potential"] == whitespace["potential"]["value"]
    total = brief["findings"]["total_potential"]["value"]
    upside = next(s["value"] for s in brief["findings"]["scenarios"] if s["label"].startswith("Upside"))
    assert Decimal(upside) <= Decimal(total)
    again = run("brief", "TechFlow", "--brain", "rules")
    assert again["cached"] and again["computed_at"] == brief["computed_at"]
    fresh = run("brief", "TechFlow", "--brain", "rules", "--refresh")
    assert not fresh["cached"] and fresh["thread_id"] != brief["thread_id"]
