"""Backtest metrics for churn and propensity scores: ROC AUC, precision/recall, precision@k, Brier, calibration.

Pure numpy. Labels are booleans (True = the outcome happened: churned, or expanded). Scores are "higher means more
likely". Results that leave this module are pydantic models; undefined metrics (no positives, nothing predicted)
are None rather than NaN.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from account_intel.errors import ValidationFailed

ArrayLike = Sequence[float] | Sequence[bool] | np.ndarray


def _scores(values: ArrayLike, name: str = "scores") -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64).ravel()
    if np.isnan(arr).any():
        raise ValidationFailed(f"{name} contain NaN: drop or impute missing scores before evaluating.")
    return arr


def _labels(values: ArrayLike, n: int) -> np.ndarray:
    arr = np.asarray(values).ravel()
    if arr.shape[0] != n:
        raise ValidationFailed(f"Got {n} scores but {arr.shape[0]} labels: they must pair one to one.")
    if arr.dtype != np.bool_ and not np.isin(arr, (0, 1)).all():
        raise ValidationFailed("Labels must be booleans or 0/1.")
    return arr.astype(bool)


def average_ranks(values: ArrayLike) -> np.ndarray:
    """1-based ranks, ties sharing the average of the ranks they span (as in Mann-Whitney U)."""
    arr = _scores(values)
    _, inverse, counts = np.unique(arr, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    return ((ends - counts + 1 + ends) / 2.0)[inverse]


def roc_auc(scores: ArrayLike, labels: ArrayLike) -> float | None:
    """Probability that a random positive scores above a random negative (ties count half); None if one class."""
    s = _scores(scores)
    y = _labels(labels, s.shape[0])
    n_pos = int(y.sum())
    n_neg = y.shape[0] - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    u = average_ranks(s)[y].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


class ClassificationCounts(BaseModel):
    """Confusion counts of a predicted class against the outcome, with precision and recall."""

    model_config = ConfigDict(frozen=True)

    true_positive: int = Field(description="Predicted and happened.")
    false_positive: int = Field(description="Predicted, did not happen.")
    false_negative: int = Field(description="Not predicted, happened.")
    true_negative: int = Field(description="Not predicted, did not happen.")
    precision: float | None = Field(description="TP / (TP + FP); None when nothing was predicted.")
    recall: float | None = Field(description="TP / (TP + FN); None when nothing happened.")


def precision_recall(predicted: ArrayLike, actual: ArrayLike) -> ClassificationCounts:
    """Precision and recall of a predicted class (e.g. band == Red) against the outcome (e.g. churned)."""
    p = _labels(predicted, len(np.asarray(predicted).ravel()))
    y = _labels(actual, p.shape[0])
    tp, fp = int((p & y).sum()), int((p & ~y).sum())
    fn, tn = int((~p & y).sum()), int((~p & ~y).sum())
    return ClassificationCounts(
        true_positive=tp,
        false_positive=fp,
        false_negative=fn,
        true_negative=tn,
        precision=tp / (tp + fp) if tp + fp else None,
        recall=tp / (tp + fn) if tp + fn else None,
    )


def top_k(scores: ArrayLike, k: int, ids: Sequence[str] | None = None) -> np.ndarray:
    """Indices of the k highest scores; ties broken by id (or by position when no ids), so the cut is stable."""
    s = _scores(scores)
    if k < 0:
        raise ValidationFailed("k must be zero or more.")
    tie = np.asarray(ids if ids is not None else np.arange(s.shape[0]))
    if tie.shape[0] != s.shape[0]:
        raise ValidationFailed("ids must pair one to one with scores.")
    order = np.lexsort((tie, -s))  # last key is primary: score descending, then id ascending
    return order[: min(k, s.shape[0])]


def precision_at_k(scores: ArrayLike, labels: ArrayLike, k: int, ids: Sequence[str] | None = None) -> float | None:
    """Share of positives among the k highest-scored (fewer if there are fewer rows); None when k is 0.

    Rows tied at the cut are counted at their expected value under random tie-breaking: of the m rows sharing the
    k-th score, r fall inside the cut, so they add r times the tied rows' positive share. The answer never depends
    on the order of ids (`ids` is accepted for the callers that also list the rows, and not used)."""
    del ids
    s = _scores(scores)
    y = _labels(labels, s.shape[0])
    take = min(k, s.shape[0])
    if k < 0:
        raise ValidationFailed("k must be zero or more.")
    if take == 0:
        return None
    cut = np.sort(s)[::-1][take - 1]
    above, tied = s > cut, s == cut
    inside = take - int(above.sum())
    positives = float(y[above].sum()) + inside * float(y[tied].mean())
    return positives / take


def tied_at_cut(scores: ArrayLike, k: int) -> int:
    """How many rows share the k-th highest score while the cut splits them (0 when the cut falls between scores)."""
    s = _scores(scores)
    take = min(k, s.shape[0])
    if take <= 0 or take == s.shape[0]:
        return 0
    ordered = np.sort(s)[::-1]
    if ordered[take - 1] != ordered[take]:
        return 0
    return int((s == ordered[take - 1]).sum())


def bootstrap_auc(
    scores: ArrayLike, labels: ArrayLike, *, resamples: int = 1000, seed: int = 0, level: float = 0.95
) -> tuple[float, float] | None:
    """A percentile bootstrap interval of the ROC AUC (rows resampled with replacement, seeded so a run repeats);
    resamples holding one class only are skipped. None when the AUC itself is undefined."""
    s = _scores(scores)
    y = _labels(labels, s.shape[0])
    if roc_auc(s, y) is None:
        return None
    rng = np.random.default_rng(seed)
    found: list[float] = []
    for _ in range(resamples):
        pick = rng.integers(0, s.shape[0], s.shape[0])
        value = roc_auc(s[pick], y[pick])
        if value is not None:
            found.append(value)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(found, [tail, 100 - tail])
    return float(low), float(high)


class PrecisionAtK(BaseModel):
    """Precision@k of a model against a popularity baseline (a simple prior such as ARR or seats)."""

    model_config = ConfigDict(frozen=True)

    k: int = Field(description="Rows taken from the top.")
    model: float | None = Field(description="Precision@k of the model's scores.")
    baseline: float | None = Field(description="Precision@k when ranking by the prior alone.")
    base_rate: float | None = Field(description="Share of positives overall: what a random pick gets.")
    lift_over_baseline: float | None = Field(description="model / baseline; None when the baseline is 0 or None.")
    tied_at_cut: int = Field(
        default=0, description="Rows sharing the model's k-th score that the cut splits: counted at expected value."
    )


def compare_to_baseline(
    scores: ArrayLike, prior: ArrayLike, labels: ArrayLike, k: int, ids: Sequence[str] | None = None
) -> PrecisionAtK:
    """Precision@k of the model and of the popularity baseline (rank by the prior, e.g. ARR), with the lift."""
    s = _scores(scores)
    y = _labels(labels, s.shape[0])
    baseline_scores = _scores(prior, "prior")
    if baseline_scores.shape[0] != s.shape[0]:
        raise ValidationFailed("The prior must pair one to one with the scores.")
    model = precision_at_k(s, y, k, ids)
    baseline = precision_at_k(baseline_scores, y, k, ids)
    return PrecisionAtK(
        k=k,
        model=model,
        baseline=baseline,
        base_rate=float(y.mean()) if y.size else None,
        lift_over_baseline=model / baseline if model is not None and baseline else None,
        tied_at_cut=tied_at_cut(s, k),
    )


def brier_score(probabilities: ArrayLike, labels: ArrayLike) -> float | None:
    """Mean squared error of probabilities against 0/1 outcomes (0 is perfect); None for no rows."""
    p = _probabilities(probabilities)
    y = _labels(labels, p.shape[0])
    return float(np.mean((p - y) ** 2)) if p.size else None


def _probabilities(values: ArrayLike) -> np.ndarray:
    p = _scores(values, "probabilities")
    if ((p < 0) | (p > 1)).any():
        raise ValidationFailed("Probabilities must lie in [0, 1]; rescale scores (e.g. health / 100) first.")
    return p


class CalibrationBucket(BaseModel):
    """One bucket of a calibration table: the mean prediction against the observed rate."""

    model_config = ConfigDict(frozen=True)

    index: int = Field(description="0-based bucket, lowest predictions first.")
    count: int = Field(description="Rows in the bucket.")
    lower: float = Field(description="Lowest prediction in the bucket (quantile) or bin start (uniform).")
    upper: float = Field(description="Highest prediction in the bucket (quantile) or bin end (uniform).")
    mean_predicted: float = Field(description="Mean predicted probability.")
    observed_rate: float = Field(description="Share of rows where the outcome happened.")
    lift: float | None = Field(
        default=None, description="Observed rate over the base rate of all rows (None when no row had the outcome)."
    )


def calibration_buckets(
    probabilities: ArrayLike,
    labels: ArrayLike,
    n_buckets: int = 10,
    strategy: Literal["quantile", "uniform"] = "quantile",
) -> list[CalibrationBucket]:
    """Calibration table: "quantile" splits rows sorted by prediction into n nearly equal groups (deciles by
    default, ties kept in input order); "uniform" uses n equal-width bins on [0, 1]. Empty buckets are left out."""
    p = _probabilities(probabilities)
    y = _labels(labels, p.shape[0])
    if n_buckets < 1:
        raise ValidationFailed("n_buckets must be at least 1.")
    out: list[CalibrationBucket] = []
    base = float(y.mean()) if y.size else 0.0
    if strategy == "quantile":
        order = np.argsort(p, kind="stable")
        for index, chunk in enumerate(np.array_split(order, n_buckets)):
            if chunk.size:
                out.append(_bucket(index, p[chunk], y[chunk], float(p[chunk].min()), float(p[chunk].max()), base))
        return out
    edges = np.linspace(0.0, 1.0, n_buckets + 1)
    which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, n_buckets - 1)
    for index in range(n_buckets):
        chosen = which == index
        if chosen.any():
            out.append(_bucket(index, p[chosen], y[chosen], float(edges[index]), float(edges[index + 1]), base))
    return out


def _bucket(index: int, p: np.ndarray, y: np.ndarray, lower: float, upper: float, base: float) -> CalibrationBucket:
    observed = float(y.mean())
    return CalibrationBucket(
        index=index,
        count=int(p.size),
        lower=lower,
        upper=upper,
        mean_predicted=float(p.mean()),
        observed_rate=observed,
        lift=observed / base if base > 0 else None,
    )


class ScoreReport(BaseModel):
    """The backtest pieces of one probability score against one outcome."""

    model_config = ConfigDict(frozen=True)

    rows: int = Field(description="Rows evaluated.")
    positives: int = Field(description="Rows where the outcome happened.")
    auc: float | None = Field(description="ROC AUC; None with a single class.")
    brier: float | None = Field(description="Brier score.")
    precision_at_k: PrecisionAtK | None = Field(description="Against the popularity baseline, when a prior is given.")
    calibration: list[CalibrationBucket] = Field(description="Decile calibration table.")


def score_report(
    probabilities: ArrayLike,
    labels: ArrayLike,
    *,
    prior: ArrayLike | None = None,
    k: int = 20,
    ids: Sequence[str] | None = None,
) -> ScoreReport:
    """AUC, Brier, decile calibration and (with a prior) precision@k against the popularity baseline."""
    p = _probabilities(probabilities)
    y = _labels(labels, p.shape[0])
    return ScoreReport(
        rows=int(p.size),
        positives=int(y.sum()),
        auc=roc_auc(p, y),
        brier=brier_score(p, y),
        precision_at_k=compare_to_baseline(p, prior, y, k, ids) if prior is not None else None,
        calibration=calibration_buckets(p, y),
    )
