"""Fitted, calibrated models: they find a planted driver, calibrate, explain themselves and round-trip as JSON."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from account_intel.analytics.fitted.files import load_model, save_model
from account_intel.analytics.fitted.model import FittedModel, fit_with_held_out
from account_intel.errors import NotFoundError, ValidationFailed

DAY = date(2024, 1, 1)


def fit_model(*args: Any, **options: Any) -> FittedModel:
    return fit_with_held_out(*args, **options)[0]


def _planted(rows: int = 600, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Churn driven by short tenure (the first column) only; the second column is noise, a third is half unknown."""
    rng = np.random.default_rng(seed)
    tenure = rng.uniform(0, 60, rows)
    noise = rng.normal(size=rows)
    partial = np.where(rng.random(rows) < 0.5, np.nan, rng.normal(size=rows))
    churn = rng.random(rows) < 1 / (1 + np.exp(-(1.5 - tenure / 10)))
    return np.column_stack([tenure, noise, partial]), churn


@pytest.mark.parametrize("method", ["platt", "isotonic"])
def test_the_model_finds_the_planted_driver_and_is_calibrated(method: str) -> None:
    x, y = _planted()
    model = fit_model(
        x, y, ["tenure", "noise", "partial"], name="m", outcome="churn", trained_as_of=DAY, horizon_days=90,
        method=method, select=False,  # type: ignore[arg-type]
    )  # fmt: skip
    coef = model.logistic.standardized_coefficients
    assert coef["tenure"] < 0 and abs(coef["tenure"]) > 5 * abs(coef["noise"])
    assert model.cv_auc is not None and model.cv_auc > 0.8
    assert model.imputed["partial"] > 200 and model.imputed["tenure"] == 0
    rows = [{"tenure": float(t), "noise": 0.0, "partial": float("nan")} for t in (1, 12, 30, 59)]
    p = model.probabilities(rows)
    assert ((p >= 0) & (p <= 1)).all() and list(p) == sorted(p, reverse=True)  # shorter tenure, more risk
    assert abs(float(model.probabilities([{"tenure": 30.0}])[0]) - y.mean()) < 0.25
    assert model.band(float(p[0])) == "Red" and model.band(float(p[-1])) == "Green"


def test_contributions_add_up_to_the_log_odds_against_the_average_account() -> None:
    x, y = _planted()
    model = fit_model(
        x, y, ["tenure", "noise", "partial"], name="m", outcome="churn", trained_as_of=DAY, horizon_days=90,
        select=False,
    )  # fmt: skip
    row = {"tenure": 3.0, "noise": 1.0, "partial": float("nan")}
    parts = model.contributions(row)
    eta = model.logistic.linear_predictor(model.matrix([row]))[0]
    average = model.logistic.linear_predictor(np.array([[model.logistic.means[f] for f in model.features]]))[0]
    assert sum(parts.values()) == pytest.approx(eta - average, abs=1e-3)
    assert parts["partial"] == pytest.approx(0.0, abs=1e-3)  # unknown: the training mean, no push either way
    assert parts["tenure"] > 0  # a three-month customer is riskier than average


def test_a_saved_model_reads_back_the_same_and_a_missing_one_is_named(tmp_path: Path) -> None:
    x, y = _planted()
    model = fit_model(x, y, ["tenure", "noise", "partial"], name="fitted-churn", outcome="churn", trained_as_of=DAY,
                      horizon_days=90)  # fmt: skip
    path = save_model(model, home=tmp_path)
    assert path == tmp_path / "models" / "fitted-churn.json"
    assert load_model("fitted-churn", home=tmp_path) == model
    with pytest.raises(NotFoundError, match="fitted-churn"):
        load_model("other", home=tmp_path)
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(ValidationFailed, match="not a fitted model"):
        load_model("fitted-churn", home=tmp_path)


def test_too_few_outcomes_to_learn_is_refused_with_the_counts() -> None:
    x, _ = _planted(rows=50)
    y = np.zeros(50, dtype=bool)
    y[0] = True
    with pytest.raises(ValidationFailed, match="1 of 50"):
        fit_model(x, y, ["tenure", "noise", "partial"], name="m", outcome="churn", trained_as_of=DAY, horizon_days=90)


def test_forward_selection_keeps_the_drivers_and_drops_the_noise() -> None:
    """Few rows, two real drivers among many noise columns: starting from the baseline column, the fit adds the
    other driver and none of the noise (a noise column that lifts the mean AUC by luck lifts it in few folds), and
    what it keeps ranks at least as well out of fold as the baseline alone and as the model on every feature."""
    rng = np.random.default_rng(11)
    rows = 150
    baseline, driver = rng.normal(size=rows), rng.normal(size=rows)
    y = rng.random(rows) < 1 / (1 + np.exp(-(1.5 * baseline + 2.0 * driver)))
    x = np.column_stack([baseline, rng.normal(size=(rows, 12)), driver, rng.normal(size=(rows, 12))])
    names = ["baseline", *(f"noise_{i}" for i in range(12)), "driver", *(f"noise_{i}" for i in range(12, 24))]
    model = fit_model(x, y, names, name="m", outcome="expansion", trained_as_of=DAY, horizon_days=90,
                      start="baseline")  # fmt: skip
    assert model.features == ["baseline", "driver"] and model.selected == "baseline + driver"
    assert list(model.candidates) == ["baseline", "+ driver", "all features"]
    assert model.cv_auc is not None
    assert model.cv_auc >= model.candidates["baseline"] and model.cv_auc >= model.candidates["all features"]
    assert model.probabilities([{"driver": 2.0}])[0] > model.probabilities([{"driver": -2.0}])[0]
    full = fit_model(x, y, names, name="m", outcome="expansion", trained_as_of=DAY, horizon_days=90, select=False)
    assert full.selected == "all features" and len(full.features) == 26
    assert full.cv_auc == model.candidates["all features"]


def test_without_a_baseline_the_selection_starts_from_the_best_single_column() -> None:
    rng = np.random.default_rng(5)
    rows = 200
    driver = rng.normal(size=rows)
    y = rng.random(rows) < 1 / (1 + np.exp(-2.5 * driver))
    x = np.column_stack([rng.normal(size=(rows, 4)), driver])
    model = fit_model(x, y, ["a", "b", "c", "d", "driver"], name="m", outcome="churn", trained_as_of=DAY,
                      horizon_days=90)  # fmt: skip
    assert model.features[0] == "driver" and next(iter(model.candidates)) == "driver"


def test_a_model_that_ranks_below_chance_out_of_fold_predicts_the_base_rate_and_never_flips() -> None:
    """Pure noise: the folds' models disagree, so the out-of-fold log-odds may fall as the outcome rises. The
    calibration then gives every account the base rate rather than reversing the model's ranking."""
    for seed in range(40):
        rng = np.random.default_rng(seed)
        x, y = rng.normal(size=(60, 1)), rng.random(60) < 0.4
        model = fit_model(x, y, ["noise"], name="m", outcome="expansion", trained_as_of=DAY, horizon_days=90)
        if model.cv_auc is not None and model.cv_auc < 0.45:
            break
    else:
        pytest.fail("no seed gave a model below chance out of fold")
    assert model.calibration.slope == 0.0
    p = model.probabilities([{"noise": v} for v in (-2.0, 0.0, 2.0)])
    assert p == pytest.approx([y.mean()] * 3, abs=1e-6)
