"""The demo portfolio: determinism, the two seed-story accounts, portfolio spread, and the `demo` command."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from account_intel.cli.app import app
from account_intel.clock import FixedClock
from account_intel.demo.fresh_store import open_fresh_store
from account_intel.demo.loader import load_portfolio
from account_intel.demo.portfolio import DemoSpec
from account_intel.demo.stories import RETAILCO_MARKETING_QUOTE
from account_intel.domain.enums import AccountStatus, MeddiccRole, OpportunityStage, Segment, Tier
from account_intel.domain.tiering import Thresholds
from account_intel.errors import DomainError, ValidationFailed
from account_intel.queries.account_profile import AccountProfile, build_account_profile
from account_intel.queries.portfolio_summary import summarise_portfolio
from account_intel.store.accounts import find_account
from account_intel.store.base import Base
from account_intel.store.engine import Store
from account_intel.store.models import Account, Activity, Contact, Opportunity, Product

AS_OF = date(2024, 11, 30)
runner = CliRunner()


def _load(store: Store, accounts: int = 200, seed: int = 7, background: bool = False) -> None:
    spec = DemoSpec(accounts=accounts, seed=seed, as_of=AS_OF)
    with store.transaction() as session:
        load_portfolio(session, spec, thresholds=Thresholds(), background=background, chunk_accounts=25)


def _snapshot(store: Store) -> tuple[dict[str, int], list[tuple[str, str, Decimal]]]:
    with store.transaction() as session:
        counts = {
            name: session.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in Base.metadata.tables.items()
        }
        accounts = [
            tuple(row) for row in session.execute(select(Account.id, Account.name, Account.arr).order_by(Account.id))
        ]
    return counts, accounts  # type: ignore[return-value]


def _profile(store: Store, ref: str) -> AccountProfile:
    with store.transaction() as session:
        return build_account_profile(session, find_account(session, ref), AS_OF)


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One default portfolio (200 accounts, seed 7) shared by the read-only tests."""
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}")
    _load(store)
    yield store
    store.dispose()


def test_same_seed_gives_the_same_portfolio_and_another_seed_does_not(tmp_path: Path) -> None:
    stores = [Store(f"sqlite:///{tmp_path / name}.db") for name in ("a", "b", "c")]
    for store, seed in zip(stores, (7, 7, 8), strict=True):
        _load(store, accounts=60, seed=seed)
    first, second, other = (_snapshot(store) for store in stores)
    assert first == second
    assert first[1] != other[1]
    assert [name for _, name, _ in first[1]] != [name for _, name, _ in other[1]]
    for store in stores:
        store.dispose()


def test_generating_in_a_helper_process_gives_the_same_store(tmp_path: Path) -> None:
    serial, background = Store(f"sqlite:///{tmp_path / 's.db'}"), Store(f"sqlite:///{tmp_path / 'b.db'}")
    _load(serial, accounts=60, background=False)
    _load(background, accounts=60, background=True)
    assert _snapshot(serial) == _snapshot(background)
    serial.dispose()
    background.dispose()


def test_techflow_matches_seed_003(demo_store: Store) -> None:
    p = _profile(demo_store, "TechFlow")
    assert (p.id, p.arr, p.tier, p.segment, p.plan) == (
        "ACCT-3421",
        Decimal("85000.00"),
        Tier.T3,
        Segment.ENTERPRISE,
        "Professional",
    )
    assert p.headcount == 60 and p.industry == "SaaS Technology" and p.months_as_customer == 18
    depts = {d.name: d for d in p.departments}
    assert depts["Engineering"].served and depts["Engineering"].seats == 25
    assert not depts["Marketing"].served and depts["Marketing"].headcount == 15
    assert sum(d.headcount or 0 for d in p.departments) == 60
    geos = {g.name: g for g in p.geographies}
    assert not geos["London, UK"].served and geos["United States"].is_hq
    assert (p.adoption.features_used, p.adoption.features_available) == (7, 12)
    assert (p.adoption.integrations_used, p.adoption.integrations_available) == (3, 7)
    assert p.tickets.by_category == {"api_rate_limit": 4}
    assert p.days_to_renewal == 182
    assert p.days_to_qbr is not None and 20 <= p.days_to_qbr <= 40
    usage = {u.metric: u for u in p.usage}
    assert Decimal("0.92") <= usage["api_calls"].utilisation <= Decimal("0.97")  # type: ignore[operator]
    assert usage["api_calls"].plan_limit == 1_000_000
    assert (usage["seats_used"].value, usage["seats_used"].plan_limit) == (25, 25)
    assert p.surveys.latest_nps == 9 and p.champion is not None and p.active_contacts >= 3
    titles = {c.title for c in p.contacts if c.active}
    assert "VP Marketing" in titles and "Head of Security" in titles
    events = {e.kind: e for e in p.org_events}
    assert "Marketing hired 12" in events["hiring"].description and "London" in events["new_office"].description
    bodies = " ".join(a.body or "" for a in p.recent_activities)
    assert "Audit found 3 Marketing users sharing Engineering logins" in bodies
    assert "advanced reporting" in bodies


def test_retailco_matches_seed_000(demo_store: Store) -> None:
    p = _profile(demo_store, "RetailCo")
    assert (p.arr, p.tier, p.segment) == (Decimal("340000.00"), Tier.T2, Segment.ENTERPRISE)
    assert (p.headcount or 0) >= 2000 and p.months_as_customer == 18
    depts = {d.name: d for d in p.departments}
    assert depts["IT"].served and depts["IT"].served_since == date(2023, 5, 30)
    assert not depts["Marketing"].served and depts["Marketing"].headcount == 45
    assert p.champion == "Tom Wilson"
    tom = next(c for c in p.contacts if c.name == "Tom Wilson")
    assert (tom.email, tom.title, tom.meddicc_role, tom.active) == (
        "twilson@retailco.com",
        "IT Director",
        MeddiccRole.CHAMPION,
        True,
    )
    assert all(c.department != "Marketing" for c in p.contacts)
    names = {c.name for c in p.contacts}
    assert not names & {"Jennifer Martinez", "Lisa Chen", "Mark Stevens"}
    [won] = p.opportunities
    assert (won.id, won.name, won.stage, won.value) == (
        "EXP-2024-0412",
        "Additional IT roles",
        OpportunityStage.CLOSED_WON,
        Decimal("45000.00"),
    )
    assert won.closed_on is not None and (won.closed_on.year, won.closed_on.month) == (2024, 6)
    assert any(line.start_date == won.closed_on and line.annual_value == won.value for line in p.lines)
    assert p.surveys.latest_nps == 9
    with demo_store.transaction() as session:
        bodies = session.scalars(select(Activity.body).where(Activity.account_id == p.id)).all()
        opportunity = session.get(Opportunity, "EXP-2024-0412")
        assert opportunity is not None and opportunity.type.value == "volume_increase"
    assert any(RETAILCO_MARKETING_QUOTE in (body or "") for body in bodies)
    assert "Our Marketing Department is also growing rapidly." in RETAILCO_MARKETING_QUOTE


def test_portfolio_spans_tiers_segments_churn_and_missing_champions(demo_store: Store) -> None:
    with demo_store.transaction() as session:
        summary = summarise_portfolio(session, as_of=AS_OF)
        active = select(Account.id).where(Account.status == AccountStatus.ACTIVE)
        champions = select(Contact.account_id).where(Contact.active, Contact.meddicc_role == MeddiccRole.CHAMPION)
        without_champion = session.scalar(
            select(func.count()).select_from(Account).where(Account.id.in_(active), Account.id.not_in(champions))
        )
        products = session.scalar(select(func.count()).select_from(Product))
    tiers = {t.name: t.accounts for t in summary.tiers}
    segments = {s.name: s.accounts for s in summary.segments}
    assert summary.accounts == 200 and products == 10
    assert all(tiers[t] > 0 for t in ("T1", "T2", "T3")) and 4 <= tiers["T1"] <= 14
    assert all(segments[s] >= 20 for s in ("Enterprise", "Mid-Market", "SMB"))
    assert summary.churned_accounts > 0 and summary.prospect_accounts > 0
    assert without_champion and without_champion > 0
    assert 0 < summary.near < summary.active_accounts


def test_spec_refuses_zero_accounts() -> None:
    with pytest.raises(ValidationFailed):
        DemoSpec(accounts=0)


def test_cli_builds_a_demo_store_and_shows_techflow(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = runner.invoke(app, ["demo", "--accounts", "30", "--db", url, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["summary"]["accounts"] == 30 and report["seed"] == 7 and report["as_of"] == "2024-11-30"
    assert report["rows_written"]["accounts"] == 30
    shown = runner.invoke(app, ["accounts", "show", "TechFlow", "--db", url, "--as-of", "2024-11-30", "--json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["arr"] == "85000.00"
    again = runner.invoke(app, ["demo", "--accounts", "5", "--db", url])  # a demo store may be rebuilt
    assert again.exit_code == 0, again.output
    assert "TechFlow" in again.stdout


def test_cli_refuses_bad_input(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bad.db'}"
    assert runner.invoke(app, ["demo", "--accounts", "0", "--db", url]).exit_code != 0
    bad_date = runner.invoke(app, ["demo", "--as-of", "2024-13-01", "--db", url])
    assert bad_date.exit_code != 0
    assert isinstance(bad_date.exception, ValidationFailed)


def test_demo_refuses_a_store_with_real_accounts(store: Store, db_url: str, clock: FixedClock) -> None:
    with store.transaction() as session:
        session.add(Account(id="REAL-1", name="Real Customer", source="import", created_at=clock.now()))
    store.dispose()
    result = runner.invoke(app, ["demo", "--accounts", "5", "--db", db_url])
    assert result.exit_code != 0
    assert isinstance(result.exception, DomainError) and "--force" in str(result.exception)
    with pytest.raises(DomainError, match=r"--db sqlite:///path/demo\.db"):
        open_fresh_store(db_url)
    check = Store(db_url)
    with check.transaction() as session:
        assert session.get(Account, "REAL-1") is not None
        assert session.scalar(select(func.count()).select_from(Account)) == 1
    check.dispose()
