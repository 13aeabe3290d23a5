"""Backtest: population, as-of corrections and labels on a hand-built store; fit and CLI on the demo portfolio."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from account_intel.analytics.backtest.data import churn_labels, expansion_labels, iter_population_facts
from account_intel.analytics.backtest.run import run_backtest
from account_intel.analytics.health.config import load_weights
from account_intel.cli.app import app
from account_intel.demo.loader import load_portfolio
from account_intel.demo.portfolio import DemoSpec
from account_intel.domain.enums import AccountStatus, ContractKind, PricingUnit, ProductKind
from account_intel.domain.tiering import Thresholds
from account_intel.errors import ValidationFailed
from account_intel.store.engine import Store
from account_intel.store.models import Account, ChurnEvent, Contract, ContractLine, Product

AS_OF = date(2024, 6, 30)
T0 = datetime(2023, 1, 1, tzinfo=UTC)
runner = CliRunner()


def _account(
    session: Session, account_id: str, lines: list[tuple[date, date, Decimal, ContractKind]], **fields: object
) -> None:
    session.add(Account(id=account_id, name=account_id, created_at=T0, **fields))
    for n, (start, end, amount, kind) in enumerate(lines):
        contract_id = f"C-{account_id}-{n}"
        session.add(Contract(id=contract_id, account_id=account_id, kind=kind, start_date=start, end_date=end))
        session.add(
            ContractLine(
                id=f"L-{account_id}-{n}", contract_id=contract_id, account_id=account_id, product_id="PLAT",
                quantity=1, unit_price=amount, start_date=start, end_date=end,
            )
        )  # fmt: skip


@pytest.fixture
def small(store: Store) -> Store:
    with store.transaction() as session:
        session.add(
            Product(id="PLAT", name="Platform", kind=ProductKind.PLAN, pricing_unit=PricingUnit.FLAT,
                    list_price=Decimal(10_000), tier_rank=1)
        )  # fmt: skip
        first, renewed = (date(2024, 1, 1), date(2025, 12, 31)), (date(2026, 1, 1), date(2027, 12, 31))
        _account(
            session, "A", [(*first, Decimal(10_000), ContractKind.NEW)], status=AccountStatus.CHURNED,
            churned_on=date(2024, 8, 15), customer_since=date(2024, 1, 1),
        )  # fmt: skip
        session.add(ChurnEvent(id="CE-A", account_id="A", churned_on=date(2024, 8, 15)))
        _account(
            session, "B",
            [(*first, Decimal(20_000), ContractKind.NEW), (date(2024, 7, 15), date(2025, 12, 31), Decimal(5_000),
              ContractKind.UPGRADE), (*renewed, Decimal(25_000), ContractKind.RENEWAL)],
            customer_since=date(2024, 1, 1), renewal_date=date(2027, 12, 31), arr=Decimal(25_000),
        )  # fmt: skip
        _account(
            session, "C", [(*first, Decimal(7_000), ContractKind.NEW)], status=AccountStatus.CHURNED,
            churned_on=date(2024, 3, 1), customer_since=date(2024, 1, 1),
        )  # fmt: skip
        _account(
            session, "D", [(date(2024, 9, 1), date(2025, 8, 31), Decimal(9_000), ContractKind.NEW)],
            customer_since=date(2024, 9, 1),
        )  # fmt: skip
    return store


def test_population_and_as_of_values_leak_nothing(small: Store) -> None:
    with small.transaction() as session:
        facts = {f.account_id: f for chunk in iter_population_facts(session, AS_OF, Thresholds()) for f in chunk}
        churned = churn_labels(session, AS_OF, 90)
        upgraded, won = expansion_labels(session, AS_OF, 90)
    assert set(facts) == {"A", "B"}  # C churned before the date, D was not a customer yet
    assert facts["A"].status == "active" and facts["A"].arr == Decimal("10000.00")
    assert facts["B"].arr == Decimal("20000.00")  # not the upgraded 25,000 of today
    assert facts["B"].renewal_date == date(2025, 12, 31)  # the term in force then, not the renewed one
    assert facts["B"].next_qbr_date is None
    assert churned == {"A"} and upgraded == {"B"} and won == set()


def test_backtest_report_on_the_small_store(small: Store) -> None:
    with small.transaction() as session:
        report = run_backtest(session, as_of=AS_OF, horizon=90)
    assert (report.accounts, report.churned, report.upgraded, report.won) == (2, 1, 1, 0)
    assert report.window_end == date(2024, 9, 28)
    assert [h.weights for h in report.health] == ["default"]
    assert report.propensity.expanded == 1 and report.leakage_controls
    with small.transaction() as session, pytest.raises(ValidationFailed, match="earlier date"):
        run_backtest(session, as_of=AS_OF, horizon=90, fit=True, fit_as_of=date(2024, 5, 1))


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('backtest') / 'demo.db'}"
    store = Store(url)
    with store.transaction() as session:
        load_portfolio(session, DemoSpec(accounts=200, seed=7, as_of=date(2024, 11, 30)), thresholds=Thresholds())
    store.dispose()
    yield url


def test_churn_flagged_without_a_date_is_never_dropped_silently(small: Store) -> None:
    """An account flagged churned with no date stops the backtest, naming it; excluding it is a choice the report
    states."""
    with small.transaction() as session:
        _account(
            session, "E", [(date(2024, 1, 1), date(2025, 12, 31), Decimal(8_000), ContractKind.NEW)],
            status=AccountStatus.CHURNED, customer_since=date(2024, 1, 1),
        )  # fmt: skip
    with small.transaction() as session, pytest.raises(ValidationFailed) as refused:
        run_backtest(session, as_of=AS_OF, horizon=90)
    assert "1 account flagged churned without a churn date (E)" in str(refused.value)
    assert "--exclude-undated-churn" in str(refused.value) and "churned_on" in str(refused.value)
    with small.transaction() as session:
        report = run_backtest(session, as_of=AS_OF, horizon=90, exclude_undated_churn=True)
    assert (report.accounts, report.churned) == (2, 1)
    assert any("1 account flagged churned without a date left out" in note for note in report.notes)
    with small.transaction() as session:
        dated = session.get(Account, "E")
        assert dated is not None
        dated.churned_on = date(2024, 8, 1)  # its churn date, found: a customer on the date, a churner after it
    with small.transaction() as session:
        counted = run_backtest(session, as_of=AS_OF, horizon=90)
    assert (counted.accounts, counted.churned) == (3, 2)
    assert not any("without a date" in note for note in counted.notes)


def test_fit_on_an_earlier_date_and_compare(demo_url: str, tmp_path: Path) -> None:
    store = Store(demo_url)
    with store.transaction() as session:
        report = run_backtest(
            session, as_of=date(2024, 7, 31), horizon=120, fit=True, save_as="demo-fit", home=tmp_path
        )
    store.dispose()
    assert report.fit is not None
    assert report.fit.train_as_of == date(2024, 4, 2) and report.fit.train_window_end <= date(2024, 7, 31)
    assert report.fit.churned > 0 and sum(report.fit.weights.values()) == pytest.approx(1.0)
    assert [h.weights for h in report.health] == ["default", "demo-fit"]
    assert all(h.auc is None or 0 <= h.auc <= 1 for h in report.health)
    assert report.churned > 0 and report.propensity.expanded > 0
    assert report.propensity.precision_at_k.k == max(10, report.accounts // 10)
    rows = {(row.outcome, row.name): row for row in report.side_by_side if row.outcome in ("churn", "expansion")}
    assert set(rows) == {
        ("churn", "smaller ARR"),
        ("churn", "more products not yet owned"),
        ("churn", "shorter tenure"),
        ("churn", "health (default)"),
        ("churn", "health (demo-fit)"),
        ("expansion", "larger ARR"),
        ("expansion", "more products not yet owned"),
        ("expansion", "propensity (default)"),
        ("expansion", "expansion model (demo-fit-expansion, calibrated)"),
    }
    # the same figure has the same value wherever it is shown
    default = report.health[0]
    assert rows["churn", "health (default)"].auc == default.auc
    assert rows["churn", "health (default)"].auc_interval == default.auc_interval
    assert rows["expansion", "propensity (default)"].auc == report.propensity.auc
    assert rows["churn", "smaller ARR"].alerts == default.accounts_by_band["Red"]
    for row in rows.values():
        assert row.auc is not None and row.auc_interval is not None
        assert 0 <= row.auc_interval[0] <= row.auc_interval[1] <= 1
        assert row.precision is not None and 0 <= row.precision <= 1
        assert row.recall is not None and 0 <= row.recall <= 1
    saved = load_weights("demo-fit", home=tmp_path)
    assert saved.weights.model_dump() == pytest.approx(report.fit.weights, abs=1e-4)
    assert "fitted by `account-intel backtest --fit` on 2024-04-02" in Path(report.fit.path).read_text()
    # two churners in the training window are too few to learn from: no churn model, and the report says so
    assert report.fit.churned < 10 and not (tmp_path / "models" / "demo-fit-churn.json").exists()
    assert any(n.startswith("no churn model fitted: 2 of ") and "at least 10" in n for n in report.notes)
    assert (tmp_path / "models" / "demo-fit-expansion.json").is_file()
    assert [m.name for m in report.fit.models if m.expansion_type is None] == ["demo-fit-expansion"]


def test_cli_backtest(demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCOUNT_INTEL_HOME", str(tmp_path))
    args = ["backtest", "--as-of", "2024-07-31", "--horizon", "120", "--db", demo_url]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["horizon_days"] == 120 and data["health"][0]["weights"] == "default"
    result = runner.invoke(app, [*args, "--fit", "--weights", "mine"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Health against churn" in result.output and "saved as 'mine'" in result.output
    assert "Churn: baselines beside health" in result.output and "shorter tenure" in result.output
    assert "Expansion: baselines beside propensity" in result.output and "95% interval" in result.output
    assert (tmp_path / "weights" / "mine.yaml").is_file()
    compared = runner.invoke(app, [*args, "--weights", "mine", "--json"])
    assert compared.exit_code == 0, compared.output
    assert [h["weights"] for h in json.loads(compared.output)["health"]] == ["default", "mine"]


def test_products_not_yet_owned_counts_products_and_higher_plans_only() -> None:
    from decimal import Decimal

    from account_intel.analytics.facts import AccountFacts, Catalog, LineFact, ProductFact
    from account_intel.analytics.propensity.features import not_owned

    def product(pid: str, kind: str, rank: int | None = None) -> ProductFact:
        return ProductFact(pid, pid, kind, None, "seat", Decimal("10"), rank)

    catalog = Catalog(
        products={
            p.id: p
            for p in (
                product("starter", "plan", 1),
                product("pro", "plan", 2),
                product("enterprise", "plan", 3),
                product("analytics", "module"),
                product("support", "service"),
            )
        },
        features={},
    )
    facts = AccountFacts(
        account_id="A",
        name="A",
        status="active",
        industry=None,
        tier="T3",
        segment="SMB",
        arr=Decimal("1000"),
        headcount=None,
        customer_since=None,
        renewal_date=None,
        next_qbr_date=None,
        ae_id=None,
        csm_id=None,
        am_id=None,
        as_of=date(2024, 6, 30),
        lines=[LineFact("L1", "pro", 10, Decimal("100"), None, None, date(2024, 1, 1))],
    )
    assert not_owned(facts, catalog) == 3  # enterprise (a higher plan), analytics and support; starter is below
