"""A small L2-regularised logistic regression (Newton/IRLS in numpy) and its mapping to health-component weights.

Fitting standardises every feature (mean 0, standard deviation 1; a constant feature keeps scale 1) and minimises

    sum_i log_loss_i + l2 / 2 * ||beta||^2      (beta on the standardised scale; the intercept is not penalised)

by Newton's method with a backtracking line search. It is deterministic: no random start, no sampling. With
l2 = 0 and separable data the optimum does not exist; the fit then stops at max_iter with converged=False.
Coefficients are reported on both scales; the original-scale ones apply to raw feature values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from account_intel.errors import ValidationFailed


def _sigmoid(eta: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -eta))


def _log_loss_sum(eta: np.ndarray, y: np.ndarray) -> float:
    return float(np.sum(np.logaddexp(0.0, eta) - y * eta))


class LogisticModel(BaseModel):
    """A fitted logistic regression: P(y=1 | x) = sigmoid(intercept + sum_j coefficient_j * x_j)."""

    model_config = ConfigDict(frozen=True)

    feature_names: list[str] = Field(description="Features in column order.")
    coefficients: dict[str, float] = Field(description="Per feature, on the raw (original) scale.")
    intercept: float = Field(description="Intercept on the raw scale.")
    standardized_coefficients: dict[str, float] = Field(description="Change in log-odds per standard deviation.")
    means: dict[str, float] = Field(description="Training mean per feature.")
    scales: dict[str, float] = Field(description="Training standard deviation per feature (1 when constant).")
    l2: float = Field(description="L2 penalty on standardised coefficients.")
    rows: int = Field(description="Training rows.")
    iterations: int = Field(description="Newton iterations used.")
    converged: bool = Field(description="True when the step fell below the tolerance.")
    training_log_loss: float = Field(description="Mean log-loss on the training rows (penalty excluded).")

    def linear_predictor(self, features: np.ndarray) -> np.ndarray:
        """Log-odds per row of a (rows, features) array in `feature_names` order."""
        x = _matrix(features, len(self.feature_names))
        beta = np.array([self.coefficients[name] for name in self.feature_names])
        return self.intercept + x @ beta

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """P(y=1) per row of a (rows, features) array in `feature_names` order."""
        return _sigmoid(self.linear_predictor(features))


def _matrix(features: np.ndarray | Sequence[Sequence[float]], columns: int) -> np.ndarray:
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != columns:
        raise ValidationFailed(f"Expected a (rows, {columns}) feature array, got shape {x.shape}.")
    if not np.isfinite(x).all():
        raise ValidationFailed("Features contain NaN or infinity: impute or drop those rows first.")
    return x


def fit_logistic(
    features: np.ndarray | Sequence[Sequence[float]],
    outcome: np.ndarray | Sequence[bool],
    feature_names: Sequence[str],
    *,
    l2: float = 1.0,
    max_iter: int = 100,
    tol: float = 1e-9,
) -> LogisticModel:
    """Fit P(outcome) on standardised features by penalised Newton/IRLS; see the module docstring for the objective."""
    names = list(feature_names)
    if len(set(names)) != len(names):
        raise ValidationFailed("Feature names must be unique.")
    x = _matrix(features, len(names))
    y = np.asarray(outcome).ravel().astype(np.float64)
    if y.shape[0] != x.shape[0]:
        raise ValidationFailed(f"Got {x.shape[0]} feature rows but {y.shape[0]} outcomes.")
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValidationFailed("Outcomes must be booleans or 0/1.")
    if y.min() == y.max():
        raise ValidationFailed("Outcomes are all one class: a logistic regression needs both outcomes to fit.")
    if l2 < 0:
        raise ValidationFailed("l2 must be zero or positive.")

    means = x.mean(axis=0)
    scales = x.std(axis=0)
    scales[scales == 0] = 1.0
    design = np.hstack([np.ones((x.shape[0], 1)), (x - means) / scales])
    penalty = np.full(design.shape[1], float(l2))
    penalty[0] = 0.0

    def objective(w: np.ndarray) -> float:
        return _log_loss_sum(design @ w, y) + 0.5 * float(np.sum(penalty * w * w))

    w = np.zeros(design.shape[1])
    converged, iterations = False, 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        mu = _sigmoid(design @ w)
        gradient = design.T @ (mu - y) + penalty * w
        hessian = (design * (mu * (1.0 - mu))[:, None]).T @ design + np.diag(penalty + 1e-12)
        step = np.linalg.solve(hessian, gradient)
        current, t = objective(w), 1.0
        while objective(w - t * step) > current - 1e-4 * t * float(gradient @ step) and t > 1e-10:
            t /= 2.0
        w = w - t * step
        if float(np.max(np.abs(t * step))) < tol:
            converged = True
            break

    standardized = w[1:]
    original = standardized / scales
    intercept = float(w[0] - np.sum(standardized * means / scales))
    return LogisticModel(
        feature_names=names,
        coefficients=dict(zip(names, original.tolist(), strict=True)),
        intercept=intercept,
        standardized_coefficients=dict(zip(names, standardized.tolist(), strict=True)),
        means=dict(zip(names, means.tolist(), strict=True)),
        scales=dict(zip(names, scales.tolist(), strict=True)),
        l2=float(l2),
        rows=int(x.shape[0]),
        iterations=iterations,
        converged=converged,
        training_log_loss=_log_loss_sum(design @ w, y) / x.shape[0],
    )


class ComponentWeights(BaseModel):
    """Non-negative health-component weights summing to 1, derived from a fitted model's coefficients."""

    model_config = ConfigDict(frozen=True)

    weights: dict[str, float] = Field(description="Weight per component; sums to 1.")
    clipped: list[str] = Field(description="Components whose coefficient was not protective: weight 0.")
    outcome: Literal["churn", "retained"] = Field(description="What the model predicted (y = 1).")
    scale: Literal["original", "standardized"] = Field(description="Which coefficients were used.")


def to_weights(
    model: LogisticModel,
    *,
    outcome: Literal["churn", "retained"] = "churn",
    scale: Literal["original", "standardized"] = "original",
    components: Sequence[str] | None = None,
) -> ComponentWeights:
    """Turn protective coefficients into health-component weights: w_j = max(s_j, 0) / sum_k max(s_k, 0).

    A higher component sub-score should mean a healthier account. For a churn model a protective component has a
    negative coefficient, so s_j = -beta_j; for a retention model s_j = +beta_j. Components pointing the wrong way
    get weight 0 and are listed in `clipped`. Use the original scale when the sub-scores share one scale (0-100):
    then, when nothing is clipped, sum_j w_j * sub-score_j is a decreasing affine function of the model's churn
    log-odds and ranks accounts exactly as the model does. The standardized scale weighs per standard deviation.
    """
    names = list(components) if components is not None else list(model.feature_names)
    unknown = [name for name in names if name not in model.coefficients]
    if unknown:
        raise ValidationFailed(f"Components not in the model: {', '.join(unknown)}.")
    source = model.coefficients if scale == "original" else model.standardized_coefficients
    sign = -1.0 if outcome == "churn" else 1.0
    strength = {name: max(sign * source[name], 0.0) for name in names}
    total = sum(strength.values())
    if total <= 0:
        raise ValidationFailed(
            "No component is protective in this model (none lowers churn as it rises): keep the current weights."
        )
    return ComponentWeights(
        weights={name: value / total for name, value in strength.items()},
        clipped=[name for name, value in strength.items() if value == 0.0],
        outcome=outcome,
        scale=scale,
    )
