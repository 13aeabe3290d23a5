from __future__ import annotations

import itertools
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from account_intel.analytics.backtest.metrics import (
    average_ranks,
    bootstrap_auc,
    brier_score,
    calibration_buckets,
    compare_to_baseline,
    precision_at_k,
    precision_recall,
    roc_auc,
    score_report,
    tied_at_cut,
    top_k,
)
from account_intel.errors import ValidationFailed


def _brute_auc(scores: list[float], labels: list[bool]) -> float:
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def test_auc_of_perfect_random_and_inverted_rankings() -> None:
    labels = np.array([0] * 50 + [1] * 50, dtype=bool)
    perfect = np.arange(100, dtype=float)
    assert roc_auc(perfect, labels) == 1.0
    assert roc_auc(-perfect, labels) == 0.0
    rng = np.random.default_rng(0)
    big_labels = rng.random(20_000) < 0.3
    random_auc = roc_auc(rng.random(20_000), big_labels)
    assert random_auc is not None and abs(random_auc - 0.5) < 0.02


def test_auc_handles_ties_as_half_wins() -> None:
    assert roc_auc([0.5, 0.5, 0.5, 0.5], [True, False, True, False]) == 0.5
    scores = [0.1, 0.4, 0.4, 0.4, 0.8, 0.8, 0.9]
    labels = [False, True, False, False, True, False, True]
    assert roc_auc(scores, labels) == pytest.approx(_brute_auc(scores, labels))
    rng = np.random.default_rng(3)
    many = rng.integers(0, 5, 300).astype(float)
    many_labels = rng.random(300) < 0.4
    assert roc_auc(many, many_labels) == pytest.approx(_brute_auc(many.tolist(), many_labels.tolist()))


def test_auc_undefined_for_a_single_class_and_inputs_checked() -> None:
    assert roc_auc([0.1, 0.2], [True, True]) is None
    with pytest.raises(ValidationFailed, match="pair one to one"):
        roc_auc([0.1, 0.2], [True])
    with pytest.raises(ValidationFailed, match="NaN"):
        roc_auc([0.1, float("nan")], [True, False])
    with pytest.raises(ValidationFailed, match="0/1"):
        roc_auc([0.1, 0.2], [2, 0])


def test_average_ranks() -> None:
    assert average_ranks([10, 20, 20, 5]).tolist() == [2.0, 3.5, 3.5, 1.0]


def test_precision_recall_of_red_against_churned() -> None:
    red = [True, True, False, False, True, False]
    churned = [True, False, True, False, True, False]
    counts = precision_recall(red, churned)
    assert (counts.true_positive, counts.false_positive, counts.false_negative, counts.true_negative) == (2, 1, 1, 2)
    assert counts.precision == pytest.approx(2 / 3) and counts.recall == pytest.approx(2 / 3)
    nothing = precision_recall([False, False], [False, True])
    assert nothing.precision is None and nothing.recall == 0.0


def test_precision_at_k_counts_ties_at_their_expected_value() -> None:
    scores = [0.9, 0.8, 0.8, 0.1]
    labels = [True, False, True, False]
    assert top_k(scores, 2).tolist() == [0, 1]  # the listed rows: tie at 0.8 broken by position
    assert top_k(scores, 2, ids=["d", "c", "b", "a"]).tolist() == [0, 2]  # ... or by id
    # one of the two rows tied at 0.8 falls inside the cut; half of them are positive: (1 + 0.5) / 2
    assert precision_at_k(scores, labels, 2) == 0.75
    assert precision_at_k(scores, labels, 2, ids=["d", "c", "b", "a"]) == 0.75  # id order changes nothing
    assert tied_at_cut(scores, 2) == 2 and tied_at_cut(scores, 3) == 0 and tied_at_cut(scores, 1) == 0
    assert precision_at_k(scores, labels, 10) == 0.5  # k above the row count takes every row
    assert precision_at_k(scores, labels, 0) is None
    assert compare_to_baseline(scores, [1, 2, 3, 4], labels, k=2).tied_at_cut == 2


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 4), st.booleans()), min_size=1, max_size=40),
    st.integers(1, 45),
    st.randoms(use_true_random=False),
)
def test_expected_precision_at_k_is_the_mean_over_every_tie_break(
    rows: list[tuple[int, bool]], k: int, rnd: random.Random
) -> None:
    """Shuffling the rows (so any tie-break) never changes it; it lies between the worst and best tie-breaks."""
    scores = [float(score) for score, _ in rows]
    labels = [label for _, label in rows]
    value = precision_at_k(scores, labels, k)
    order = list(range(len(rows)))
    rnd.shuffle(order)
    assert precision_at_k([scores[i] for i in order], [labels[i] for i in order], k) == pytest.approx(value)
    take = min(k, len(rows))
    worst = sorted(range(len(rows)), key=lambda i: (-scores[i], labels[i]))[:take]
    best = sorted(range(len(rows)), key=lambda i: (-scores[i], not labels[i]))[:take]
    assert value is not None
    low, high = sum(labels[i] for i in worst) / take, sum(labels[i] for i in best) / take
    assert low - 1e-12 <= value <= high + 1e-12


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), st.booleans()), min_size=2, max_size=30))
def test_auc_bounds_reversal_and_bootstrap_interval(rows: list[tuple[float, bool]]) -> None:
    scores = np.array([score for score, _ in rows])
    labels = np.array([label for _, label in rows])
    auc = roc_auc(scores, labels)
    interval = bootstrap_auc(scores, labels, resamples=200)
    if auc is None:
        assert interval is None
        return
    assert 0.0 <= auc <= 1.0
    reversed_auc = roc_auc(-scores, labels)
    assert reversed_auc is not None and reversed_auc == pytest.approx(1 - auc)
    assert interval is not None and 0.0 <= interval[0] <= interval[1] <= 1.0
    assert interval == bootstrap_auc(scores, labels, resamples=200)  # seeded: a run repeats


def test_model_against_popularity_baseline() -> None:
    labels = [True, True, False, False, False, False]
    model = [0.9, 0.8, 0.3, 0.2, 0.1, 0.0]
    arr = [10_000, 500_000, 400_000, 300_000, 20_000, 1_000]  # big accounts are not the ones that churn
    result = compare_to_baseline(model, arr, labels, k=2)
    assert (result.model, result.baseline, result.base_rate) == (1.0, 0.5, pytest.approx(1 / 3))
    assert result.lift_over_baseline == 2.0


def test_brier_score() -> None:
    assert brier_score([1.0, 0.0], [True, False]) == 0.0
    assert brier_score([0.5, 0.5], [True, False]) == 0.25
    assert brier_score([0.8, 0.3], [1, 0]) == pytest.approx((0.04 + 0.09) / 2)
    with pytest.raises(ValidationFailed, match=r"\[0, 1\]"):
        brier_score([72.0], [True])


def test_calibration_deciles_of_a_calibrated_score() -> None:
    rng = np.random.default_rng(11)
    p = rng.random(50_000)
    y = rng.random(50_000) < p
    buckets = calibration_buckets(p, y)
    assert [b.index for b in buckets] == list(range(10))
    assert sum(b.count for b in buckets) == 50_000 and {b.count for b in buckets} == {5_000}
    assert all(abs(b.mean_predicted - b.observed_rate) < 0.03 for b in buckets)
    assert all(a.upper <= b.lower for a, b in itertools.pairwise(buckets))


def test_uniform_calibration_bins_skip_empty_ones() -> None:
    buckets = calibration_buckets([0.05, 0.07, 0.95, 1.0], [False, True, True, True], strategy="uniform")
    assert [(b.index, b.count, b.observed_rate) for b in buckets] == [(0, 2, 0.5), (9, 2, 1.0)]
    assert (buckets[1].lower, buckets[1].upper) == pytest.approx((0.9, 1.0))


def test_score_report_collects_the_pieces() -> None:
    rng = np.random.default_rng(5)
    p = rng.random(1_000)
    y = rng.random(1_000) < p
    report = score_report(p, y, prior=rng.random(1_000), k=50)
    assert report.rows == 1_000 and report.positives == int(y.sum())
    assert report.auc is not None and report.auc > 0.7
    assert report.precision_at_k is not None and report.precision_at_k.k == 50
    assert len(report.calibration) == 10
    assert report.model_dump()["brier"] == report.brier
