"""A fitted, calibrated scoring model: a regularised logistic regression whose probabilities are calibrated.

    raw log-odds  eta = intercept + sum_j coefficient_j * x_j            (`backtest.fitting.fit_logistic`)
    probability   p   = calibrate(eta)                                  (Platt: sigmoid(a * eta + b);
                                                                           isotonic: a monotone step curve)

The calibration is learnt from out-of-fold log-odds (stratified k-fold: each row scored by a model that never saw
it), so it corrects the optimism of in-sample predictions. Unknown feature values are imputed with the training
mean, so an unknown ranks in the middle (neither good nor bad). An account's "why" is its per-feature
contributions, coefficient_j * (x_j - mean_j): log-odds points against the average training account; they sum
to eta minus the log-odds of the average account.

A fit selects its features forward, out of fold: it starts from the outcome's baseline column (tenure for churn,
products not yet owned for expansion; the best single column when none is named) and adds, one at a time, the
feature that raises the out-of-fold AUC most, while it raises it by at least `MIN_GAIN` on average and in
`MIN_FOLDS_BETTER` of the five folds (one lucky fold does not let a noise column in). So a fitted model ranks
at least as well as its baseline column did on the training date, and keeps only the features that earned their
place (a model on every feature learns the noise of thin history). The saved model names each step and the model
on every feature, with their out-of-fold AUCs. Bands come from the calibrated probability against the
training base rate: Red at `red_at` (twice the base rate) or more, Yellow at `yellow_at` (the base rate) or more.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from datetime import date
from typing import Literal

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
MIN_GAIN = 0.005  # out-of-fold AUC a feature must add, on average, to join the model
MIN_FOLDS_BETTER = 4  # and the folds (of five) in which it must add some


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
        description="Out-of-fold AUC of each step of the forward selection ('not_owned', '+ usage_near_limit', ...) "
        "and of the model on 'all features'.",
    )
    selected: str = Field(default="all features", description="The features kept, in the order they joined.")
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
        slope = float(platt.coef_[0, 0])
        if slope <= 0:  # out of fold the model ranked no better than chance: the base rate, never a flipped model
            base = float(np.clip(y.mean(), 1e-6, 1 - 1e-6))
            return Calibration(method="platt", slope=0.0, offset=math.log(base / (1 - base)))
        return Calibration(method="platt", slope=slope, offset=float(platt.intercept_[0]))
    curve = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(eta, y)
    return Calibration(method="isotonic", knots=curve.X_thresholds_.tolist(), values=curve.y_thresholds_.tolist())


@dataclass(frozen=True, slots=True)
class _OutOfFold:
    eta: np.ndarray  # each row's log-odds from the model fitted on the other folds
    aucs: list[float]  # AUC per held-out fold (a fold with one class has none)

    @property
    def auc(self) -> float | None:
        """The mean over the folds, not the AUC of the pooled log-odds: each fold's model has its own scale, so
        pooled log-odds mix rankings (a single column's AUC would come out lower than the column's own)."""
        return float(np.mean(self.aucs)) if self.aucs else None

    def beats(self, other: _OutOfFold) -> bool:
        """At least `MIN_GAIN` more AUC on average, and more in `MIN_FOLDS_BETTER` of the (same) folds."""
        if self.auc is None or other.auc is None or len(self.aucs) != len(other.aucs):
            return False
        better = sum(a > b for a, b in zip(self.aucs, other.aucs, strict=True))
        return self.auc >= other.auc + MIN_GAIN and better >= min(MIN_FOLDS_BETTER, len(self.aucs))


def _out_of_fold(x: np.ndarray, y: np.ndarray, folds: int, l2: float) -> _OutOfFold:
    """Each row's log-odds from a model fitted on the other folds, and the AUC of each held-out fold."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        eta = np.asarray(
            cross_val_predict(pipeline(l2), x, y.astype(float), cv=StratifiedKFold(folds), method="decision_function")
        )
    aucs = [roc_auc(eta[test], y[test]) for _, test in StratifiedKFold(folds).split(x, y)]
    return _OutOfFold(eta, [a for a in aucs if a is not None])


def _forward(
    filled: np.ndarray, y: np.ndarray, features: list[str], folds: int, l2: float, start: str | None
) -> tuple[list[str], _OutOfFold, dict[str, float | None]]:
    """Forward selection out of fold from `start`: the features kept, their out-of-fold scores, and each step's
    AUC."""

    def score(names: list[str]) -> _OutOfFold:
        return _out_of_fold(filled[:, [features.index(f) for f in names]], y, folds, l2)

    varied = [f for f in features if filled[:, features.index(f)].std() > 0]
    if start not in features:
        singles = {f: score([f]) for f in varied}
        start = max(singles, key=lambda f: singles[f].auc or 0.0) if singles else features[0]
    chosen = [start]
    best = score(chosen)
    steps: dict[str, float | None] = {start: best.auc}
    while rest := [f for f in varied if f not in chosen]:
        tried = {f: score([*chosen, f]) for f in rest}
        better = [f for f in rest if tried[f].beats(best)]
        if not better:
            break
        feature = max(better, key=lambda f: tried[f].auc or 0.0)
        chosen.append(feature)
        best = tried[feature]
        steps[f"+ {feature}"] = best.auc
    return chosen, best, steps


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
    start: str | None = None,
    select: bool = True,
    labels: Literal["dated", "snapshot"] = "dated",
    expansion_type: str | None = None,
) -> tuple[FittedModel, np.ndarray]:
    """Fit, cross-validate and calibrate; refuse with a clear message when one class is too rare to learn. The
    second value is each row's calibrated probability from the folds that did not see it.

    `start` names the baseline feature the forward selection starts from (None: the best single feature);
    `select=False` keeps every feature."""
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
    chosen, kept = list(features), _out_of_fold(filled, y, folds, l2)
    candidates: dict[str, float | None] = {}
    if select and len(features) > 1:
        full = kept.auc
        chosen, kept, candidates = _forward(filled, y, features, folds, l2, start)
        candidates["all features"] = full
    else:
        candidates["all features"] = kept.auc
    chosen_out, best = kept.eta, kept.auc
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
        selected="all features" if len(chosen) == len(features) else " + ".join(chosen),
        red_at=round(min(0.9, 2 * base), 4),
        yellow_at=round(base, 4),
    )
    return model, calibrated
