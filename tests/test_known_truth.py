"""A portfolio with planted outcomes whose drivers are known: the fitted models find the drivers, and rank the
evaluation window's outcomes better than the single-column baselines."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from account_intel.analytics.backtest.run import BacktestReport, run_backtest
from account_intel.demo.build import build_demo
from account_intel.demo.spec import DemoSpec
from account_intel.domain.tiering import Thresholds
from account_intel.errors import ValidationFailed
from account_intel.store.engine import Store

DATA_DATE = date(2024, 11, 30)
HORIZON = 180


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[BacktestReport, object]]:
    folder = tmp_path_factory.mktemp("truth")
    url = f"sqlite:///{folder / 'truth.db'}"
    report = build_demo(
        url, DemoSpec(accounts=1000, seed=7, as_of=DATA_DATE, plant_horizon=HORIZON), thresholds=Thresholds()
    )
    store = Store(url)
    with store.transaction() as session:
        backtest = run_backtest(
            session, as_of=DATA_DATE - timedelta(days=HORIZON), horizon=HORIZON, fit=True, home=folder
        )
    store.dispose()
    yield backtest, report.planted


def test_the_planted_windows_are_the_backtests_training_and_evaluation_windows(planted) -> None:  # type: ignore[no-untyped-def]
    backtest, truth = planted
    assert truth is not None and [w.starts for w in truth.windows] == [date(2023, 12, 6), date(2024, 6, 3)]
    assert all(0.08 < w.churned / w.customers < 0.25 for w in truth.windows)
    assert backtest.fit is not None and backtest.fit.train_as_of == truth.windows[0].starts
    assert backtest.churned >= truth.windows[1].churned  # the planted churners, and the demo's own
    assert truth.backtest == "account-intel backtest --as-of 2024-06-03 --horizon 180 --fit"


def test_the_churn_model_finds_the_planted_drivers(planted) -> None:  # type: ignore[no-untyped-def]
    backtest, _ = planted
    churn = next(m for m in backtest.fit.models if m.outcome == "churn")
    coef = churn.coefficients
    strongest = sorted(coef, key=lambda k: -abs(coef[k]))[:3]
    tenure = next(k for k in strongest if k in ("tenure", "tenure_months"))  # sub-score or months: the same driver
    assert coef[tenure] < 0  # longer tenure protects
    assert "sentiment" in strongest and coef["sentiment"] < 0  # NPS drives the sentiment sub-score
    rows = {row.name: row for row in backtest.side_by_side if row.outcome == "churn"}
    model = rows["churn model (fitted-churn, calibrated)"]
    assert model.auc is not None and model.auc > 0.7
    assert model.auc > rows["shorter tenure"].auc and model.auc > rows["smaller ARR"].auc  # type: ignore[operator]
    assert rows["health (fitted)"].auc > rows["health (default)"].auc  # type: ignore[operator]


def test_the_expansion_model_finds_the_planted_drivers(planted) -> None:  # type: ignore[no-untyped-def]
    backtest, _ = planted
    expansion = next(m for m in backtest.fit.models if m.outcome == "expansion")
    coef = expansion.coefficients
    strongest = sorted(coef, key=lambda k: -abs(coef[k]))[:2]
    assert set(strongest) == {"not_owned", "usage_near_limit"}
    assert coef["not_owned"] > 0 and coef["usage_near_limit"] > 0
    rows = {row.name: row for row in backtest.side_by_side if row.outcome == "expansion"}
    model = rows["expansion model (fitted-expansion, calibrated)"]
    assert model.auc > rows["larger ARR"].auc  # type: ignore[operator]
    assert model.auc > rows["more products not yet owned"].auc  # type: ignore[operator]
    assert expansion.selected.startswith("not_owned + usage_near_limit")  # the baseline, then the other driver


def test_a_horizon_outside_the_range_is_refused_naming_the_option() -> None:
    with pytest.raises(ValidationFailed, match="--plant-outcomes takes a horizon of 30 to 365 days; got 10"):
        DemoSpec(plant_horizon=10)


def test_the_cli_prints_the_drivers_and_the_command_that_checks_them(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from account_intel.cli.app import app

    url = f"sqlite:///{tmp_path / 'small.db'}"
    result = CliRunner().invoke(
        app, ["demo", "--accounts", "120", "--plant-outcomes", "--plant-horizon", "90", "--db", url],
        env={"COLUMNS": "200", "ACCOUNT_INTEL_HOME": str(tmp_path)},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Planted 2024-06-03 to 2024-09-01: of " in result.output
    assert "churn tenure_years -0.9, escalations_90d +0.6, nps_minus_7 -0.35" in result.output
    assert "account-intel backtest --as-of 2024-09-01 --horizon 90 --fit" in result.output


def test_each_expansion_type_with_enough_history_gets_its_own_model(planted, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    backtest, _ = planted
    typed = {m.expansion_type: m for m in backtest.fit.models if m.expansion_type}
    assert "new_service" in typed  # the planted expansions are new services
    model = typed["new_service"]
    assert model.name == "fitted-expansion-new_service" and model.positives >= 10
    assert model.selected.startswith("not_owned") and "usage_near_limit" in model.coefficients  # the drivers
    rows = {row.name: row for row in backtest.side_by_side if row.outcome == "expansion:new_service"}
    assert set(rows) == {
        "more products not yet owned",
        "more modules not owned",
        "propensity (default)",
        "expansion model (fitted-expansion-new_service, calibrated)",
    }
    own = rows["expansion model (fitted-expansion-new_service, calibrated)"]
    assert own.auc is not None and own.auc > rows["propensity (default)"].auc  # type: ignore[operator]
    overall = [e for e in backtest.models if e.outcome == "expansion" and e.expansion_type is None]
    assert len(overall) == 1  # the typed models are not mixed into the all-expansions table
    assert not any(
        r.name.endswith("new_service, calibrated)") for r in backtest.side_by_side if r.outcome == "expansion"
    )
