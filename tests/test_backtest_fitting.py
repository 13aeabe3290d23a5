from __future__ import annotations

import numpy as np
import pytest

from account_intel.analytics.backtest.fitting import fit_logistic, to_weights
from account_intel.analytics.backtest.metrics import roc_auc
from account_intel.errors import ValidationFailed

NAMES = ["usage", "support", "engagement"]


def _synthetic(n: int = 40_000, seed: int = 42) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)) * np.array([1.0, 2.0, 0.5]) + np.array([0.0, 5.0, 1.0])
    beta = np.array([1.2, -0.7, 2.0])
    intercept = 0.8
    eta = intercept + x @ beta
    y = rng.random(n) < 1.0 / (1.0 + np.exp(-eta))
    return x, y, beta, intercept


def test_recovers_known_coefficients() -> None:
    x, y, beta, intercept = _synthetic()
    model = fit_logistic(x, y, NAMES, l2=1e-6)
    assert model.converged and model.iterations < 20
    fitted = np.array([model.coefficients[name] for name in NAMES])
    assert fitted == pytest.approx(beta, abs=0.08)
    assert model.intercept == pytest.approx(intercept, abs=0.25)
    standardized = np.array([model.standardized_coefficients[name] for name in NAMES])
    assert standardized == pytest.approx(fitted * np.array([model.scales[n] for n in NAMES]))
    p = model.predict_proba(x)
    log_loss = -np.mean(np.where(y, np.log(p), np.log(1 - p)))
    assert model.training_log_loss == pytest.approx(log_loss)


def test_fit_is_deterministic_and_l2_shrinks() -> None:
    x, y, _, _ = _synthetic(n=5_000, seed=1)
    first = fit_logistic(x, y, NAMES, l2=1.0)
    assert fit_logistic(x, y, NAMES, l2=1.0) == first
    strong = fit_logistic(x, y, NAMES, l2=5_000.0)

    def norm(model: object) -> float:
        return float(np.linalg.norm(list(model.standardized_coefficients.values())))  # type: ignore[attr-defined]

    assert norm(strong) < 0.5 * norm(first)
    assert strong.training_log_loss > first.training_log_loss


def test_constant_feature_gets_zero_coefficient() -> None:
    x, y, _, _ = _synthetic(n=3_000, seed=2)
    with_constant = np.hstack([x, np.full((x.shape[0], 1), 7.0)])
    model = fit_logistic(with_constant, y, [*NAMES, "constant"])
    assert model.coefficients["constant"] == 0.0 and model.scales["constant"] == 1.0


def test_separable_data_runs_away_without_a_penalty_and_stays_bounded_with_one() -> None:
    x = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([False, False, True, True])
    unpenalised = fit_logistic(x, y, ["f"], l2=0.0)
    penalised = fit_logistic(x, y, ["f"], l2=1.0)
    assert penalised.converged and 0 < penalised.standardized_coefficients["f"] < 3
    assert unpenalised.standardized_coefficients["f"] > 10 * penalised.standardized_coefficients["f"]


def test_cross_validation_reports_out_of_fold_auc() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(200, 2))
    y = rng.random(200) < 1 / (1 + np.exp(-(2.0 * x[:, 0])))  # only the first feature matters
    model = fit_logistic(x, y, ["signal", "noise"])
    assert model.cv_folds == 5 and model.cv_auc is not None and 0.75 < model.cv_auc < 1.0
    few = fit_logistic([[0.0], [1.0], [2.0]], [False, True, True], ["f"])  # one churner: no fold can hold both
    assert few.cv_folds == 0 and few.cv_auc is None


@pytest.mark.parametrize(
    ("x", "y", "names", "message"),
    [
        ([[1.0], [2.0]], [True, True], ["f"], "one class"),
        ([[1.0], [2.0]], [True], ["f"], "2 feature rows but 1"),
        ([[1.0], [float("nan")]], [True, False], ["f"], "NaN"),
        ([[1.0, 2.0], [2.0, 1.0]], [True, False], ["f"], r"\(rows, 1\)"),
        ([[1.0, 2.0], [2.0, 1.0]], [True, False], ["f", "f"], "unique"),
    ],
)
def test_fit_refuses_bad_input(x: list[list[float]], y: list[bool], names: list[str], message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        fit_logistic(x, y, names)


def _churn_data(seed: int = 9, n: int = 20_000, support: float = -0.005) -> tuple[np.ndarray, np.ndarray]:
    """Component sub-scores on 0-100; churn falls as usage and engagement rise; support's effect is given."""
    rng = np.random.default_rng(seed)
    scores = rng.uniform(0, 100, size=(n, 3))
    eta = 2.0 - 0.04 * scores[:, 0] + support * scores[:, 1] - 0.02 * scores[:, 2]
    churned = rng.random(n) < 1.0 / (1.0 + np.exp(-eta))
    return scores, churned


def test_to_weights_maps_protective_coefficients_and_keeps_the_model_ranking() -> None:
    scores, churned = _churn_data()
    model = fit_logistic(scores, churned, NAMES, l2=1e-3)
    result = to_weights(model)
    assert sum(result.weights.values()) == pytest.approx(1.0)
    assert all(w >= 0 for w in result.weights.values())
    assert result.weights["usage"] > result.weights["engagement"] > result.weights["support"]
    assert result.weights["usage"] / result.weights["engagement"] == pytest.approx(2.0, rel=0.15)
    assert result.clipped == []
    # nothing clipped: the weighted health score ranks accounts exactly as the model's churn probability does
    health = scores @ np.array([result.weights[name] for name in NAMES])
    assert roc_auc(-health, churned) == pytest.approx(roc_auc(model.predict_proba(scores), churned))


def test_to_weights_clips_harmful_components_and_supports_retention_models() -> None:
    harmful, harmful_churned = _churn_data(support=0.02)  # a higher support sub-score goes with more churn
    model = fit_logistic(harmful, harmful_churned, NAMES)
    result = to_weights(model)
    assert result.clipped == ["support"] and result.weights["support"] == 0.0
    assert sum(result.weights.values()) == pytest.approx(1.0)

    scores, churned = _churn_data()
    retained = fit_logistic(scores, ~churned, NAMES, l2=1e-3)
    as_retention = to_weights(retained, outcome="retained")
    as_churn = to_weights(fit_logistic(scores, churned, NAMES, l2=1e-3))
    for name in NAMES:
        assert as_retention.weights[name] == pytest.approx(as_churn.weights[name], abs=1e-9)
    subset = to_weights(model, components=["usage", "engagement"], scale="standardized")
    assert set(subset.weights) == {"usage", "engagement"} and subset.scale == "standardized"


def test_to_weights_refuses_a_model_with_nothing_protective() -> None:
    scores, churned = _churn_data()
    model = fit_logistic(scores, ~churned, NAMES)  # predicts retention, read as churn: everything looks harmful
    with pytest.raises(ValidationFailed, match="No component is protective"):
        to_weights(model, outcome="churn", components=["usage", "engagement"])
    with pytest.raises(ValidationFailed, match="not in the model"):
        to_weights(model, components=["nps"])
