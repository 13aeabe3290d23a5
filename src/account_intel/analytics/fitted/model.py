"""A fitted, calibrated scoring model: a regularised logistic regression whose probabilities are calibrated.

    raw log-odds  eta = intercept + sum_j coefficient_j * x_j            (`backtest.fitting.fit_logistic`)
    probability   p   = calibrate(eta)                                  (Platt: sigmoid(a * eta + b);
                                                                           isotonic: a monotone step curve)

The calibration is learnt from out-of-fold log-odds (stratified k-fold: each row scored by a model that never saw
it), so it corrects the optimism of in-sample predictions. Unknown feature values are imputed with the training
mean, so an unknown ranks in the middle (neither good nor bad). An account's "why" is its per-feature
contributions, coefficient_j * (x_j - mean_j): log-odds points against the average training account; they sum
to eta minus the log-odds of the average account.

A fit is a small tournament decided out of fold: the model on every feature against a one-feature model on each
feature alone. The single feature wins only when it ranks strictly better out of fold than the full model, so a
fitted model never ranks worse on its training date than the simple column it could have been (when an outcome's
history is thin, one strong column beats a model that learns noise). The saved model names the candidates and
their out-of-fold AUCs. Bands come from the calibrated probability against the
training base rate: Red at `red_at` (twice the base rate) or more, Yellow at `yellow_at` (the base rate) or more.
"""

from __future__ import annotations

import math
import warnings
from datetime import date
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from sklearn.exceptions import ConvergenceWarning
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from account_intel.analytics.backtest.fitting import LogisticModel, fit_logistic, pipeline
from account_intel.analytics.backtest.metrics import brier_score, roc_auc
from account_intel.errors import ValidationFailed

Outcome = Literal["churn", "expansion"]
Method = Literal["platt", "isotonic"]
MIN_FOLDS = 2


class Calibration(BaseModel):
    """How raw log-odds become a probability."""

    model_config = ConfigDict(frozen=True)

    method: Method
    slope: float = Field(default=1.0, description="Platt: a in sigmoid(a * eta + b).")
    offset: float = Field(default=0.0, description="Platt: b.")
    knots: list[float] = Field(default_factory=list, description="Isotonic: log-odds of the curve's steps.")
    values: list[float] = Field(default_factory=list, description="Isotonic: probability at each knot.")

    def apply(self, eta: np.ndarray) -> np.ndarray:
        """Calibrated probabilities of raw log-odds."""
        if self.method == "platt":
            return np.exp(-np.logaddexp(0.0, -(self.slope * eta + self.offset)))
        return np.interp(eta, self.knots, self.values)


class FittedModel(BaseModel):
    """A named model as saved: what it learnt, from which window, and how well it did out of fold."""

    model_config = ConfigDict(frozen=True)

    name: str
    outcome: Outcome = Field(description="What a probability is of: churn or expansion within the horizon.")
    expansion_type: str | None = Field(
        default=None, description="An expansion model of one type (new_service, new_department, ...); None: any."
    )
    labels: Literal["dated", "snapshot"] = Field(
        default="dated",
        description="dated: outcomes dated after the training as-of date, within the horizon; snapshot: churn "
        "flags without a date, labels of the same export as the features (horizon 0).",
    )
    trained_as_of: date
    horizon_days: int
    window_end: date = Field(description="Last day of the training labels.")
    rows: int
    positives: int
    base_rate: float = Field(description="Share of training rows with the outcome.")
    features: list[str]
    imputation: dict[str, float] = Field(description="Training mean used for an unknown value, per feature.")
    imputed: dict[str, int] = Field(description="Training rows with the feature unknown.")
    logistic: LogisticModel
    calibration: Calibration
    cv_folds: int
    cv_auc: float | None = Field(description="ROC AUC on the held-out folds, the mean over the folds.")
    cv_brier: float | None = Field(description="Brier score of the calibrated out-of-fold probabilities.")
    candidates: dict[str, float | None] = Field(
        default_factory=dict,
        description="Out-of-fold AUC of each model tried: 'all features' and each feature alone; the best is kept.",
    )
    selected: str = Field(default="all features", description="Which candidate was kept.")
    red_at: float = Field(description="Red band from this probability (twice the base rate, at most 0.9).")
    yellow_at: float = Field(description="Yellow band from this probability (the base rate).")

    def matrix(self, rows: list[dict[str, float]]) -> np.ndarray:
        """Feature rows as an array in `features` order, unknowns (NaN or absent) at the training mean."""
        x = np.array([[row.get(f, math.nan) for f in self.features] for row in rows], dtype=float).reshape(
            len(rows), len(self.features)
        )
        for j, name in enumerate(self.features):
            x[np.isnan(x[:, j]), j] = self.imputation[name]
        return x

    def probabilities(self, rows: list[dict[str, float]]) -> np.ndarray:
        """Calibrated probability of the outcome per feature row."""
        return self.calibration.apply(self.logistic.linear_predictor(self.matrix(rows)))

    def contributions(self, row: dict[str, float]) -> dict[str, float]:
        """Log-odds points per feature against the average training account (unknown: 0)."""
        x = self.matrix([row])[0]
        return {
            name: round(self.logistic.coefficients[name] * (x[j] - self.logistic.means[name]), 4) + 0.0
            for j, name in enumerate(self.features)
        }

    def band(self, probability: float) -> str:
        """Red, Yellow or Green from a calibrated probability (churn models)."""
        return "Red" if probability >= self.red_at else "Yellow" if probability >= self.yellow_at else "Green"


def _impute(x: np.ndarray, names: list[str]) -> tuple[np.ndarray, dict[str, float], dict[str, int]]:
    x = x.copy()
    means, counts = {}, {}
    for j, name in enumerate(names):
        missing = np.isnan(x[:, j])
        counts[name] = int(missing.sum())
        known = x[~missing, j]
        means[name] = float(known.mean()) if known.size else 0.0
        x[missing, j] = means[name]
    return x, means, counts


def _calibrate(eta: np.ndarray, y: np.ndarray, method: Method) -> Calibration:
    if method == "platt":
        platt = LogisticRegression(C=np.inf).fit(eta.reshape(-1, 1), y)
        return Calibration(method="platt", slope=float(platt.coef_[0, 0]), offset=float(platt.intercept_[0]))
    curve = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(eta, y)
    return Calibration(method="isotonic", knots=curve.X_thresholds_.tolist(), values=curve.y_thresholds_.tolist())


def _out_of_fold(x: np.ndarray, y: np.ndarray, folds: int, l2: float) -> tuple[np.ndarray, float | None]:
    """Log-odds of each row from a model fitted on the other folds, and the mean AUC over the held-out folds.

    The mean over folds, not the AUC of the pooled log-odds: each fold's model has its own scale, so pooled
    log-odds mix rankings (a single column's AUC would come out lower than the column's own)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        eta = np.asarray(
            cross_val_predict(pipeline(l2), x, y.astype(float), cv=StratifiedKFold(folds), method="decision_function")
        )
    aucs = [roc_auc(eta[test], y[test]) for _, test in StratifiedKFold(folds).split(x, y)]
    known = [a for a in aucs if a is not None]
    return eta, (float(np.mean(known)) if known else None)


def fit_model(x: np.ndarray, y: np.ndarray, features: list[str], **options: Any) -> FittedModel:
    """`fit_with_held_out` without the held-out probabilities."""
    return fit_with_held_out(x, y, features, **options)[0]


def fit_with_held_out(
    x: np.ndarray,
    y: np.ndarray,
    features: list[str],
    *,
    name: str,
    outcome: Outcome,
    trained_as_of: date,
    horizon_days: int,
    method: Method = "platt",
    l2: float = 1.0,
    alone: list[str] | None = None,
    labels: Literal["dated", "snapshot"] = "dated",
    expansion_type: str | None = None,
) -> tuple[FittedModel, np.ndarray]:
    """Fit, cross-validate and calibrate; refuse with a clear message when one class is too rare to learn. The
    second value is each row's calibrated probability from the folds that did not see it.

    `alone` names the features tried as one-feature models against the full one (default: every feature with
    variance; [] for the full model only)."""
    y = np.asarray(y, dtype=bool)
    positives, negatives = int(y.sum()), int((~y).sum())
    folds = min(5, positives, negatives)
    if folds < MIN_FOLDS:
        raise ValidationFailed(
            f"Cannot fit the {outcome} model on {trained_as_of}: {positives} of {y.size} accounts had the outcome in "
            f"the following {horizon_days} days; it needs at least {MIN_FOLDS} with it and {MIN_FOLDS} without. "
            "Try an earlier --fit-as-of or a longer --horizon."
        )
    filled, means, counts = _impute(np.asarray(x, dtype=float), features)
    held_out, best = _out_of_fold(filled, y, folds, l2)
    candidates: dict[str, float | None] = {"all features": best}
    chosen, chosen_out = list(features), held_out
    tried = [f for f in features if filled[:, features.index(f)].std() > 0] if alone is None else alone
    if len(features) > 1:
        for feature in tried:
            column = filled[:, [features.index(feature)]]
            single, auc = _out_of_fold(column, y, folds, l2)
            candidates[f"{feature} alone"] = auc
            if auc is not None and (best is None or auc > best):
                best, chosen, chosen_out = auc, [feature], single
    columns = [features.index(f) for f in chosen]
    logistic = fit_logistic(filled[:, columns], y, chosen, l2=l2)
    calibration = _calibrate(chosen_out, y.astype(float), method)
    calibrated = calibration.apply(chosen_out)
    base = positives / y.size
    model = FittedModel(
        name=name,
        outcome=outcome,
        labels=labels,
        expansion_type=expansion_type,
        trained_as_of=trained_as_of,
        horizon_days=horizon_days,
        window_end=date.fromordinal(trained_as_of.toordinal() + horizon_days),
        rows=int(y.size),
        positives=positives,
        base_rate=round(base, 4),
        features=chosen,
        imputation={f: means[f] for f in chosen},
        imputed={f: counts[f] for f in chosen},
        logistic=logistic,
        calibration=calibration,
        cv_folds=folds,
        cv_auc=None if best is None else round(best, 4),
        cv_brier=brier_score(calibrated, y),
        candidates={k: None if v is None else round(v, 4) for k, v in candidates.items()},
        selected="all features" if len(chosen) == len(features) else f"{chosen[0]} alone",
        red_at=round(min(0.9, 2 * base), 4),
        yellow_at=round(base, 4),
    )
    return model, calibrated
