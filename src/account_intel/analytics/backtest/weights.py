"""Health component weights learnt from churn: one function for the saved weight set and for each fold of a
snapshot's cross-validation, so the out-of-fold figures measure the very rule that is saved.

    weights = protective logistic coefficients of churn on the component sub-scores, normalised (`to_weights`);
    a component without data is given its column mean (0.5 when no row has it).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.model_selection import StratifiedKFold

from account_intel.analytics.backtest.fitting import ComponentWeights, LogisticModel, fit_logistic, to_weights
from account_intel.analytics.facts import AccountFacts, Catalog
from account_intel.analytics.health.config import COMPONENTS, HealthConfig, Weights
from account_intel.analytics.health.score import score_only
from account_intel.errors import ValidationFailed


def impute(x: np.ndarray) -> tuple[np.ndarray, dict[str, int]]:
    """Missing sub-scores at their column mean; how many rows each component was missing in."""
    x = x.copy()
    imputed = {}
    for j, component in enumerate(COMPONENTS):
        missing = np.isnan(x[:, j])
        imputed[component] = int(missing.sum())
        x[missing, j] = 0.5 if missing.all() else float(np.nanmean(x[:, j]))
    return x, imputed


def learn_weights(x: np.ndarray, y: np.ndarray) -> tuple[LogisticModel, ComponentWeights, dict[str, int]]:
    """The logistic model of churn on the sub-scores (NaN: missing), its weights and the imputation counts."""
    filled, imputed = impute(x)
    model = fit_logistic(filled, y, list(COMPONENTS))
    return model, to_weights(model, outcome="churn", scale="original"), imputed


def weighted(base: HealthConfig, derived: ComponentWeights) -> HealthConfig:
    """The base configuration with the learnt weights (four places)."""
    return base.model_copy(update={"weights": Weights(**{c: round(w, 4) + 0.0 for c, w in derived.weights.items()})})


def out_of_fold_scores(
    facts: Sequence[AccountFacts], catalog: Catalog, x: np.ndarray, y: np.ndarray, base: HealthConfig, folds: int = 5
) -> np.ndarray:
    """Each account's health score under weights learnt on the other folds (stratified, in row order). A fold
    whose training rows teach no protective component keeps the base weights."""
    y = np.asarray(y, dtype=bool)
    folds = min(folds, int(y.sum()), int((~y).sum()))
    if folds < 2:
        raise ValidationFailed("Cross-validation needs at least two accounts with the outcome and two without.")
    scores = np.zeros(len(facts))
    for train, test in StratifiedKFold(folds).split(x, y):
        try:
            config = weighted(base, learn_weights(x[train], y[train])[1])
        except ValidationFailed:
            config = base
        for i in test:
            scores[i] = score_only(facts[i], catalog, config).score
    return scores
