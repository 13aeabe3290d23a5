"""Fitting health-component weights: an L2-regularised logistic regression (scikit-learn) and its mapping to weights.

Fitting standardises every feature (scikit-learn's StandardScaler: mean 0, standard deviation 1; a constant
feature keeps scale 1) and fits scikit-learn's LogisticRegression (lbfgs), which minimises

    sum_i log_loss_i + l2 / 2 * ||beta||^2      (beta on the standardised scale; the intercept is not penalised)

that is C = 1 / l2. It is deterministic. With l2 = 0 (no penalty) and separable data the optimum does not exist;
the fit then stops at max_iter with converged=False. Coefficients are reported on both scales; the original-scale
ones apply to raw feature values. Stratified k-fold cross-validation (same pipeline, refitted per fold) reports the
out-of-fold ROC AUC, so a user sees how well the fit generalises before trusting its weights.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from account_intel.analytics.backtest.metrics import roc_auc
from account_intel.errors import ValidationFailed

MAX_FOLDS = 5


def _sigmoid(eta: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -eta))


def _log_loss_mean(eta: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.logaddexp(0.0, eta) - y * eta))


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
    iterations: int = Field(description="Solver iterations used.")
    converged: bool = Field(description="True when the solver converged before max_iter.")
    training_log_loss: float = Field(description="Mean log-loss on the training rows (penalty excluded).")
    cv_folds: int = Field(default=0, description="Stratified folds of the cross-validation (0: too few of a class).")
    cv_auc: float | None = Field(default=None, description="Out-of-fold ROC AUC of the cross-validation.")

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


def pipeline(l2: float, max_iter: int = 1000, tol: float = 1e-8):  # type: ignore[no-untyped-def]  # sklearn is untyped
    """StandardScaler then an L2 LogisticRegression with C = 1 / l2 (no penalty at l2 = 0)."""
    model = LogisticRegression(C=1.0 / l2 if l2 else np.inf, max_iter=max_iter, tol=tol)
    return make_pipeline(StandardScaler(), model)


def fit_logistic(
    features: np.ndarray | Sequence[Sequence[float]],
    outcome: np.ndarray | Sequence[bool],
    feature_names: Sequence[str],
    *,
    l2: float = 1.0,
    max_iter: int = 1000,
    tol: float = 1e-8,
) -> LogisticModel:
    """Fit P(outcome) on standardised features; see the module docstring for the objective and the validation."""
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
    steps = pipeline(l2, max_iter, tol)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # reported as converged=False
        steps.fit(x, y)
    scaler, fitted = steps[0], steps[-1]
    means, scales = scaler.mean_, scaler.scale_
    standardized = fitted.coef_.ravel()
    original = standardized / scales
    intercept = float(fitted.intercept_[0] - np.sum(standardized * means / scales))
    iterations = int(np.max(fitted.n_iter_))
    folds = min(MAX_FOLDS, int(y.sum()), int((1 - y).sum()))
    cv_auc = None
    if folds >= 2:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            held_out = cross_val_predict(
                pipeline(l2, max_iter, tol), x, y, cv=StratifiedKFold(folds), method="predict_proba"
            )[:, 1]
        cv_auc = roc_auc(held_out, y.astype(bool))
    eta = intercept + x @ original
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
        converged=iterations < max_iter,
        training_log_loss=_log_loss_mean(eta, y),
        cv_folds=folds if folds >= 2 else 0,
        cv_auc=cv_auc,
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
