"""Backtest and calibration ("did high-propensity close?"): replay the portfolio on an as-of date,
score it, and compare with what happened within the horizon after it.

- Health against churn: ROC AUC of (100 - score), and precision and recall of the Red band, for the default weights
  and for a second set (fitted, or named) side by side.
- Propensity against expansion: ROC AUC of the account's propensity (its best counted candidate, scored by the
  per-account analysis a brief shows, free text included: `account_analysis.account_candidates`; a Red account
  is scored too, though its brief routes it to the rescue play), precision@k against a popularity baseline (rank
  by ARR), and the calibration of the close probability (Brier score and deciles). Health overrides are not
  applied: they are a person's judgment, not the score's.
- Fit (`fit=True`): health component weights learnt from the user's own history with a logistic regression of churn
  on the seven component sub-scores (scikit-learn, `backtest.fitting`, with its cross-validated AUC), fitted on an
  earlier as-of date whose label window ends no later than the evaluation date (default: as_of - horizon), so
  the evaluation never sees its training labels.
  The weights are saved as a named set (`health_config.save_weights`).

See `analytics.backtest_data` for what is corrected so that nothing after the as-of date leaks into the scores.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from account_intel.analytics.account_analysis import account_candidates
from account_intel.analytics.backtest.data import (
    LEAKAGE_NOTES,
    churn_labels,
    expansion_labels,
    expansion_labels_by_type,
    iter_population_facts,
    undated_churn,
)
from account_intel.analytics.backtest.fitting import LogisticModel
from account_intel.analytics.backtest.metrics import (
    ClassificationCounts,
    PrecisionAtK,
    ScoreReport,
    bootstrap_auc,
    compare_to_baseline,
    precision_at_k,
    precision_recall,
    roc_auc,
    score_report,
    tied_at_cut,
)
from account_intel.analytics.backtest.weights import learn_weights, out_of_fold_scores, weighted
from account_intel.analytics.facts import AccountFacts, load_catalog
from account_intel.analytics.fitted.features import CHURN_FEATURES, model_features
from account_intel.analytics.fitted.files import save_model
from account_intel.analytics.fitted.model import MIN_GAIN, FittedModel, Method, fit_with_held_out
from account_intel.analytics.health.config import COMPONENTS, HealthConfig, default_health_config, save_weights
from account_intel.analytics.health.score import compute_health, score_only
from account_intel.analytics.propensity.config import load_propensity_config
from account_intel.analytics.propensity.features import FEATURES, TYPE_FEATURES
from account_intel.analytics.signals.models import load_signal_config
from account_intel.analytics.signals.text_matcher import default_matcher
from account_intel.domain.tiering import Thresholds
from account_intel.domain.wording import count, with_article
from account_intel.errors import ValidationFailed

BANDS = ("Green", "Yellow", "Red")
MIN_OUTCOMES = 10  # accounts with, and without, an outcome before a model of it is fitted
BASELINES = {  # the single column each outcome's fitted model starts from and must beat
    "churn": ("shorter tenure", "tenure_months"),
    "expansion": ("more products not yet owned", "not_owned"),
}
TYPE_BASELINE = {  # the breadth of its own kind beside each expansion type's model
    "new_service": "modules_not_owned",
    "new_department": "departments_unseated",
    "new_location": "locations_unseated",
    "volume_increase": "plans_above",
}


def _auc(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _matrix(rows: list[dict[str, float]], features: tuple[str, ...]) -> np.ndarray:
    return np.array([[row[f] for f in features] for row in rows], dtype=float).reshape(len(rows), len(features))


class SideBySide(BaseModel):
    """One score ranked against one outcome, beside the others: a baseline or a model."""

    name: str = Field(description="What ranks the accounts, e.g. 'shorter tenure' or 'health (default weights)'.")
    outcome: str = Field(description="churn or expansion")
    auc: float | None = Field(description="ROC AUC against the outcome; None with one class.")
    auc_interval: tuple[float, float] | None = Field(description="Bootstrap 95% interval of the AUC (seeded).")
    alerts: int = Field(description="Accounts flagged: the default health's Red count (churn) or k (expansion).")
    precision: float | None = Field(description="Share of the flagged that had the outcome (ties at expected value).")
    recall: float | None = Field(description="Share of the outcome's accounts that were flagged.")
    tied_at_cut: int = Field(description="Rows sharing the score at the cut, counted at expected value.")


def side_by_side(name: str, outcome: str, scores: np.ndarray, labels: np.ndarray, alerts: int) -> SideBySide:
    """AUC with its interval and precision/recall of the `alerts` highest-ranked accounts."""
    precision = precision_at_k(scores, labels, alerts) if alerts else None
    positives = int(labels.sum())
    return SideBySide(
        name=name,
        outcome=outcome,
        auc=roc_auc(scores, labels) if scores.size else None,
        auc_interval=bootstrap_auc(scores, labels) if scores.size else None,
        alerts=alerts,
        precision=precision,
        recall=precision * min(alerts, scores.size) / positives if precision is not None and positives else None,
        tied_at_cut=tied_at_cut(scores, alerts),
    )


class HealthEvaluation(BaseModel):
    """One weight set's health scores against churn."""

    weights: str = Field(description="Weight set name.")
    weights_source: str
    auc: float | None = Field(description="ROC AUC of 100 - score against churn; None with one class.")
    auc_interval: tuple[float, float] | None = Field(default=None, description="Bootstrap 95% interval of the AUC.")
    red: ClassificationCounts = Field(description="Red band as the churn prediction.")
    accounts_by_band: dict[str, int]
    churn_rate_by_band: dict[str, float | None] = Field(description="Share of each band's accounts that churned.")


class PropensityEvaluation(BaseModel):
    """Propensity against expansion."""

    accounts: int
    expanded: int
    auc: float | None = Field(description="ROC AUC of account propensity against expansion.")
    auc_interval: tuple[float, float] | None = Field(default=None, description="Bootstrap 95% interval of the AUC.")
    precision_at_k: PrecisionAtK = Field(description="Model vs popularity baseline (accounts ranked by ARR).")
    probability: ScoreReport = Field(description="The best candidate's close probability: Brier and calibration.")


class ModelSummary(BaseModel):
    """A fitted, calibrated model saved by `--fit`, with what it learnt and how it did out of fold."""

    name: str
    outcome: str
    expansion_type: str | None = None
    path: str
    rows: int
    positives: int
    calibration: str
    cv_folds: int
    cv_auc: float | None
    cv_brier: float | None
    selected: str = Field(default="all features", description="The features kept, in the order they joined.")
    candidates: dict[str, float | None] = Field(
        default_factory=dict,
        description="Out-of-fold AUC of each forward-selection step, and of the model on all features.",
    )
    baseline: str = Field(description="The single-column baseline the model must beat on its training date.")
    baseline_auc: float | None = Field(
        description="That baseline's out-of-fold AUC on the training date, on the same folds as the model."
    )
    coefficients: dict[str, float] = Field(description="Change in log-odds per standard deviation of each feature.")
    imputed: dict[str, int] = Field(description="Training rows per feature without data, given the training mean.")


class ModelEvaluation(BaseModel):
    """A fitted model's calibrated probabilities on the evaluation date: ranking, calibration and lift."""

    name: str
    outcome: str
    expansion_type: str | None = Field(default=None, description="Set for an expansion model of one type.")
    report: ScoreReport = Field(description="AUC, Brier and the reliability table (deciles, with lift).")
    red: ClassificationCounts | None = Field(default=None, description="Churn models: the Red band as prediction.")
    accounts_by_band: dict[str, int] = Field(default_factory=dict)


class FitSummary(BaseModel):
    """The logistic fit behind a saved weight set."""

    train_as_of: date
    train_window_end: date = Field(description="Last day of the training labels; never after the evaluation date.")
    rows: int
    churned: int
    model: LogisticModel
    weights: dict[str, float]
    clipped: list[str] = Field(description="Components whose coefficient was not protective: weight 0.")
    imputed: dict[str, int] = Field(description="Rows per component without data, given the training mean.")
    saved_as: str
    path: str
    models: list[ModelSummary] = Field(default_factory=list, description="Calibrated models saved beside the weights.")


class BacktestReport(BaseModel):
    """A backtest on one as-of date over one horizon."""

    as_of: date
    horizon_days: int
    window_end: date
    accounts: int = Field(description="Active customers on the as-of date (ARR from lines in force).")
    churned: int
    upgraded: int = Field(description="Accounts with an upgrade or expansion contract starting in the window.")
    won: int = Field(description="Accounts with an expansion closed won in the window.")
    health: list[HealthEvaluation] = Field(description="Default weights first, then the fitted or named set.")
    propensity: PropensityEvaluation
    side_by_side: list[SideBySide] = Field(
        default_factory=list, description="Baselines (ARR, products not yet owned, tenure) beside the scores."
    )
    fit: FitSummary | None = None
    models: list[ModelEvaluation] = Field(
        default_factory=list, description="The fitted models' calibrated probabilities on the evaluation date."
    )
    evaluated_on: str = Field(description="Which as-of date scores which labels (train vs evaluation).")
    leakage_controls: list[str] = Field(default_factory=lambda: list(LEAKAGE_NOTES))
    notes: list[str] = Field(default_factory=list)


class Scored:
    """Per-account columns of one as-of date."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.arr: list[float] = []
        self.tenure: list[float] = []  # months as a customer on the as-of date; NaN when unknown
        self.not_owned: list[float] = []  # catalog items the account does not own yet
        self.churn: list[dict[str, float]] = []  # churn features (`fitted.features.churn_features`)
        self.scores: dict[str, list[float]] = {}
        self.bands: dict[str, list[str]] = {}
        self.propensity: list[float] = []
        self.probability: list[float] = []
        self.features: list[dict[str, float]] = []  # expansion features (`propensity.features`)
        self.by_type: list[dict[str, float]] = []  # expansion features with each kind's breadth
        self.facts: list[AccountFacts] = []  # kept only when asked (a snapshot's out-of-fold health scores)

    def churn_matrix(self) -> np.ndarray:
        """Component sub-scores per row (NaN: missing), in `COMPONENTS` order."""
        return np.array([[row[c] for c in COMPONENTS] for row in self.churn], dtype=float).reshape(
            len(self.churn), len(COMPONENTS)
        )


def score_population(
    session: Session,
    as_of: date,
    configs: list[HealthConfig],
    thresholds: Thresholds,
    propensity: bool,
    *,
    snapshot: bool = False,
    keep_facts: bool = False,
) -> Scored:
    """Each population account's health under every config, its model features and, when `propensity`, its best
    counted candidate's propensity and close probability as the brief's analysis gives them."""
    catalog = load_catalog(session)
    prop_config = load_propensity_config()
    signal_config, matcher = load_signal_config(), default_matcher()
    out = Scored()
    for chunk in iter_population_facts(session, as_of, thresholds, snapshot=snapshot, text=True):
        for facts in chunk:
            if keep_facts:
                out.facts.append(facts)
            out.ids.append(facts.account_id)
            out.arr.append(float(facts.arr))
            first = None
            for config in configs:
                quick = score_only(facts, catalog, config)
                first = first or quick
                out.scores.setdefault(config.name, []).append(quick.score)
                out.bands.setdefault(config.name, []).append(quick.band)
            assert first is not None
            rows = model_features(facts, catalog, first, prop_config, matcher=matcher, text_rule=signal_config.text)
            out.churn.append(rows["churn"])
            out.features.append(rows["expansion"])
            out.by_type.append(rows["expansion_by_type"])
            out.tenure.append(rows["churn"]["tenure_months"])
            out.not_owned.append(rows["expansion"]["not_owned"])
            if propensity:
                health = compute_health(facts, catalog, configs[0])
                found = account_candidates(
                    facts,
                    catalog,
                    health,
                    signal_config=signal_config,
                    config=prop_config,
                    matcher=matcher,
                    red_gate=False,
                ).opportunities
                counted = [o for o in found if o.in_totals]
                out.propensity.append(max((o.propensity.score for o in counted), default=0.0))
                out.probability.append(float(max((o.probability for o in counted), default=0)))
    return out


def _known(values: list[float]) -> np.ndarray:
    """Unknown values at the mean of the known ones, so they rank in the middle, neither good nor bad."""
    arr = np.asarray(values, dtype=float)
    known = arr[~np.isnan(arr)]
    return np.where(np.isnan(arr), known.mean() if known.size else 0.0, arr)


def _side_by_side(
    scored: Scored,
    configs: list[HealthConfig],
    churned: np.ndarray,
    expanded: np.ndarray,
    top: int,
    evaluations: list[tuple[ModelEvaluation, np.ndarray]],
    by_type: dict[str, np.ndarray],
) -> list[SideBySide]:
    arr, not_owned_counts = np.asarray(scored.arr, dtype=float), np.asarray(scored.not_owned, dtype=float)
    red = int((np.asarray(scored.bands[configs[0].name]) == "Red").sum()) if configs else 0
    churn_rows = [
        ("smaller ARR", -arr),
        ("more products not yet owned", not_owned_counts),
        ("shorter tenure", -_known(scored.tenure)),
        *((f"health ({c.name})", 100 - np.asarray(scored.scores[c.name], dtype=float)) for c in configs),
        *((f"churn model ({e.name}, calibrated)", p) for e, p in evaluations if e.outcome == "churn"),
    ]
    expansion_rows = [
        ("larger ARR", arr),
        ("more products not yet owned", not_owned_counts),
        ("propensity (default)", np.asarray(scored.propensity, dtype=float)),
        *(
            (f"expansion model ({e.name}, calibrated)", p)
            for e, p in evaluations
            if e.outcome == "expansion" and e.expansion_type is None
        ),
    ]
    out = [side_by_side(name, "churn", scores, churned, red) for name, scores in churn_rows] + [
        side_by_side(name, "expansion", scores, expanded, top) for name, scores in expansion_rows
    ]
    for e, p in evaluations:
        if e.expansion_type is None:
            continue
        kind = e.expansion_type
        y = by_type.get(kind, np.zeros(len(scored.ids), dtype=bool))
        rows = [("more products not yet owned", not_owned_counts)]
        if kind in TYPE_BASELINE:
            column = TYPE_BASELINE[kind]
            rows.append((f"more {column.replace('_', ' ')}", _known([r[column] for r in scored.by_type])))
        rows += [("propensity (default)", np.asarray(scored.propensity, dtype=float))]
        rows += [(f"expansion model ({e.name}, calibrated)", p)]
        out += [side_by_side(name, f"expansion:{kind}", scores, y, top) for name, scores in rows]
    return out


def _health_eval(config: HealthConfig, scored: Scored, churned: np.ndarray) -> HealthEvaluation:
    scores = np.asarray(scored.scores[config.name])
    bands = np.asarray(scored.bands[config.name])
    counts = {b: int((bands == b).sum()) for b in BANDS}
    rates = {b: (float(churned[bands == b].mean()) if counts[b] else None) for b in BANDS}
    return HealthEvaluation(
        weights=config.name,
        weights_source=config.source,
        auc=roc_auc(100 - scores, churned) if scores.size else None,
        auc_interval=bootstrap_auc(100 - scores, churned) if scores.size else None,
        red=precision_recall(bands == "Red", churned),
        accounts_by_band=counts,
        churn_rate_by_band=rates,
    )


def _labels_on(session: Session, scored: Scored, as_of: date, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    churn = churn_labels(session, as_of, horizon)
    upgraded, won = expansion_labels(session, as_of, horizon)
    churned = np.array([i in churn for i in scored.ids], dtype=bool)
    expanded = np.array([i in upgraded or i in won for i in scored.ids], dtype=bool)
    return churned, expanded


def _outcome_of(
    model: FittedModel, churned: np.ndarray, expanded: np.ndarray, by_type: dict[str, np.ndarray]
) -> np.ndarray:
    """The evaluation labels a model is measured against."""
    if model.outcome == "churn":
        return churned
    if model.expansion_type is None:
        return expanded
    return by_type.get(model.expansion_type, np.zeros(expanded.size, dtype=bool))


def _type_labels(session: Session, scored: Scored, as_of: date, horizon: int) -> dict[str, np.ndarray]:
    """Per expansion type, which rows had it in the window."""
    return {
        kind: np.array([i in ids for i in scored.ids], dtype=bool)
        for kind, ids in expansion_labels_by_type(session, as_of, horizon).items()
    }


def _need_both(train_as_of: date, horizon: int, y: np.ndarray, what: str) -> None:
    if not y.size or y.all() or not y.any():
        raise ValidationFailed(
            f"Cannot fit on {train_as_of}: {int(y.sum())} of {len(y)} accounts {what} in the following "
            f"{horizon} days; a fit needs accounts with and without it. Try another --fit-as-of or horizon."
        )


def fit_weights(
    scored: Scored,
    y: np.ndarray,
    *,
    train_as_of: date,
    horizon: int,
    base: HealthConfig,
    name: str,
    home: Path | None = None,
    snapshot: bool = False,
) -> tuple[HealthConfig, FitSummary]:
    """Learn component weights from churn after `train_as_of` (or the snapshot's flags) and save them as the named
    weight set."""
    _need_both(train_as_of, horizon, y, "churned")
    model, derived, imputed = learn_weights(scored.churn_matrix(), y)
    config = weighted(base, derived)
    end = train_as_of if snapshot else train_as_of + timedelta(days=horizon)
    span = with_article(f"{horizon}-day")
    labels = (
        f"on the snapshot of {train_as_of}\n(labels: churn flags without a date)"
        if snapshot
        else f"on {train_as_of} with {span} horizon\n(churn labels up to {end})"
    )
    comment = (
        f"Health weight set '{name}', fitted by `account-intel backtest --fit` {labels}: {len(y)} accounts, "
        f"{int(y.sum())} churned. Logistic regression of churn on the component sub-scores;\nweights = protective "
        f"coefficients normalised (clipped to 0: {', '.join(derived.clipped) or 'none'})."
    )
    path = save_weights(config, name, home=home, comment=comment)
    named = config.named(name, str(path))
    return named, FitSummary(
        train_as_of=train_as_of,
        train_window_end=end,
        rows=len(y),
        churned=int(y.sum()),
        model=model,
        weights={c: w + 0.0 for c, w in derived.weights.items()},  # no negative zeros
        clipped=derived.clipped,
        imputed=imputed,
        saved_as=name,
        path=str(path),
    )


def fit_models(
    scored: Scored,
    churned: np.ndarray,
    expanded: np.ndarray,
    *,
    train_as_of: date,
    horizon: int,
    name: str,
    method: Method,
    home: Path | None = None,
    snapshot: bool = False,
    by_type: dict[str, np.ndarray] | None = None,
) -> tuple[list[tuple[FittedModel, ModelSummary, np.ndarray]], list[str]]:
    """Fit and save the calibrated churn model (on the health components), the expansion model (on the expansion
    features) and one expansion model per expansion type in `by_type` (with each kind's breadth), named
    `<name>-churn`, `<name>-expansion` and `<name>-expansion-<type>`. An outcome with fewer than `MIN_OUTCOMES`
    accounts on either side is not fitted (a model of two churners learns their accidents): the second list says
    which."""
    out, skipped, rare = [], [], []
    tasks: list[tuple[str, str | None, np.ndarray, list[str], np.ndarray]] = [
        ("churn", None, _matrix(scored.churn, CHURN_FEATURES), list(CHURN_FEATURES), churned),
        ("expansion", None, _matrix(scored.features, FEATURES), list(FEATURES), expanded),
    ]
    typed = _matrix(scored.by_type, TYPE_FEATURES) if by_type else None
    for kind, y in sorted((by_type or {}).items()):
        assert typed is not None
        tasks.append(("expansion", kind, typed, list(TYPE_FEATURES), y))
    for outcome, kind, x, features, y in tasks:
        positives = int(y.sum())
        label = f"{name}-{outcome}" + (f"-{kind}" if kind else "")
        baseline = BASELINES[outcome]
        if min(positives, int((~y).sum())) < MIN_OUTCOMES:
            if kind is not None:
                rare.append(f"{kind} ({positives})")
                continue
            skipped.append(
                f"no {outcome} model fitted: {positives} of {y.size} accounts had the outcome in the {horizon} days "
                f"after {train_as_of}; a model needs at least {MIN_OUTCOMES} with it and {MIN_OUTCOMES} without "
                f"(a model saved earlier as '{label}' is left as it was). Import more history, or try an "
                "earlier --fit-as-of or a longer --horizon"
            )
            continue
        model, held_out = fit_with_held_out(
            x, y, features, name=label, outcome=outcome,  # type: ignore[arg-type]
            trained_as_of=train_as_of, horizon_days=0 if snapshot else horizon, method=method,
            labels="snapshot" if snapshot else "dated", expansion_type=kind, start=baseline[1],
        )  # fmt: skip
        path = save_model(model, home=home)
        out.append(
            (
                model,
                ModelSummary(
                    name=model.name,
                    outcome=outcome,
                    expansion_type=kind,
                    path=str(path),
                    rows=model.rows,
                    positives=model.positives,
                    calibration=model.calibration.method,
                    cv_folds=model.cv_folds,
                    cv_auc=model.cv_auc,
                    cv_brier=model.cv_brier,
                    selected=model.selected,
                    candidates=model.candidates,
                    baseline=baseline[0],
                    baseline_auc=model.candidates.get(baseline[1]),
                    coefficients={k: round(v, 4) + 0.0 for k, v in model.logistic.standardized_coefficients.items()},
                    imputed=model.imputed,
                ),
                held_out,
            )
        )
    if rare:
        skipped.append(
            f"no model of its own for {', '.join(rare)} (accounts with that expansion after {train_as_of}): a type "
            f"needs at least {MIN_OUTCOMES}; they count among all expansions"
        )
    return out, skipped


def _evaluate_model(
    model: FittedModel, scored: Scored, y: np.ndarray, top: int, held_out: np.ndarray | None = None
) -> tuple[ModelEvaluation, np.ndarray]:
    """The model on the evaluation date; `held_out`: its out-of-fold probabilities on these very rows (a
    snapshot, where the model was fitted on the accounts it is evaluated on)."""
    rows = scored.churn if model.outcome == "churn" else scored.by_type if model.expansion_type else scored.features
    p = held_out
    if p is None:
        p = model.probabilities(rows) if rows else np.zeros(0)
    evaluation = ModelEvaluation(
        name=model.name,
        outcome=model.outcome,
        expansion_type=model.expansion_type,
        report=score_report(p, y, k=top, ids=scored.ids),
    )
    if model.outcome == "churn":
        bands = np.array([model.band(float(v)) for v in p])
        evaluation = evaluation.model_copy(
            update={
                "red": precision_recall(bands == "Red", y),
                "accounts_by_band": {b: int((bands == b).sum()) for b in BANDS},
            }
        )
    return evaluation, p


SNAPSHOT_NOTE = (
    "snapshot labels (--snapshot): {flagged} flagged churned without a date are read as the customers they were on "
    "the as-of date and labelled churned. Features and flags come from the same export, so these figures measure "
    "how well each score separates the flagged accounts, not how early it would have warned; the fitted weights "
    "and models are scored out of fold (stratified cross-validation on this snapshot)"
)


def _check_snapshot(undated: list[str], exclude: bool, fit_as_of: date | None, compare: HealthConfig | None) -> None:
    if exclude:
        raise ValidationFailed(
            "--snapshot learns from the churn flags without a date and --exclude-undated-churn leaves them out: "
            "choose one."
        )
    if not undated:
        raise ValidationFailed(
            "--snapshot learns from churn flags without a date, and this store has none (its churn is dated): run "
            "without --snapshot to fit on an earlier date and evaluate on a later one."
        )
    if fit_as_of is not None:
        raise ValidationFailed("--fit-as-of needs dated labels; a snapshot has one date: drop --fit-as-of.")
    if compare is not None:
        raise ValidationFailed("--weights compares a saved set on dated labels; with --snapshot use --fit instead.")


def run_backtest(
    session: Session,
    *,
    as_of: date,
    horizon: int,
    thresholds: Thresholds | None = None,
    compare: HealthConfig | None = None,
    fit: bool = False,
    fit_as_of: date | None = None,
    save_as: str = "fitted",
    home: Path | None = None,
    k: int | None = None,
    exclude_undated_churn: bool = False,
    calibration: Method = "platt",
    snapshot: bool = False,
) -> BacktestReport:
    """Score every customer on `as_of` and compare with the `horizon` days after it (see the module docstring).

    Accounts flagged churned without a date stop the backtest with a message naming them, unless
    `exclude_undated_churn` says to leave them out, which the report's notes then say, or `snapshot` says the
    flags are labels of one snapshot (see `SNAPSHOT_NOTE`)."""
    if horizon < 1:
        raise ValidationFailed("--horizon must be at least 1 day.")
    undated = undated_churn(session)
    if snapshot:
        _check_snapshot(undated, exclude_undated_churn, fit_as_of, compare)
    elif undated and not exclude_undated_churn:
        shown = ", ".join(undated[:5]) + (f" and {len(undated) - 5:,} more" if len(undated) > 5 else "")
        raise ValidationFailed(
            f"{count(len(undated), 'account')} flagged churned without a churn date ({shown}): the backtest cannot "
            "tell whether they were customers on the as-of date or churned within the horizon, so it would drop "
            "them and overstate the scores. Import their churn dates (accounts.churned_on or churn_events.csv), or "
            "run with --exclude-undated-churn to leave them out knowingly, or with --snapshot to learn from the flags "
            "as labels of one snapshot."
        )
    thresholds = thresholds or Thresholds()
    default = default_health_config()
    summary = None
    models: list[tuple[FittedModel, ModelSummary, np.ndarray]] = []
    skipped: list[str] = []
    if fit and not snapshot:
        train = fit_as_of or as_of - timedelta(days=horizon)
        if train + timedelta(days=horizon) > as_of:
            raise ValidationFailed(
                f"--fit-as-of {train} with {with_article(str(horizon) + '-day')} horizon takes labels up to "
                f"{train + timedelta(days=horizon)}, after the evaluation date {as_of}: choose an earlier date so the "
                "evaluation never scores its own training labels."
            )
        training = score_population(session, train, [default], thresholds, propensity=False)
        train_churned, train_expanded = _labels_on(session, training, train, horizon)
        compare, summary = fit_weights(
            training, train_churned, train_as_of=train, horizon=horizon, base=default, name=save_as, home=home
        )
        models, skipped = fit_models(
            training, train_churned, train_expanded, train_as_of=train, horizon=horizon, name=save_as,
            method=calibration, home=home, by_type=_type_labels(session, training, train, horizon),
        )  # fmt: skip
        summary = summary.model_copy(update={"models": [m for _, m, _ in models]})
    configs = [default] + ([compare] if compare is not None else [])
    if compare is not None and compare.name == default.name:
        compare = compare.named(f"{compare.name} (compared)", compare.source)
        configs = [default, compare]
    scored = score_population(session, as_of, configs, thresholds, propensity=True, snapshot=snapshot, keep_facts=fit)
    churned, expanded = _labels_on(session, scored, as_of, horizon)
    by_type = _type_labels(session, scored, as_of, horizon)
    if snapshot:
        flagged = set(undated)
        churned = churned | np.array([i in flagged for i in scored.ids], dtype=bool)
    held: dict[str, np.ndarray] = {}
    if fit and snapshot:
        compare, summary = fit_weights(
            scored, churned, train_as_of=as_of, horizon=horizon, base=default, name=save_as, home=home, snapshot=True
        )
        models, skipped = fit_models(
            scored, churned, expanded, train_as_of=as_of, horizon=horizon, name=save_as, method=calibration,
            home=home, snapshot=True, by_type=by_type,
        )  # fmt: skip
        summary = summary.model_copy(update={"models": [m for _, m, _ in models]})
        held = {model.name: p for model, _, p in models}
        oof = out_of_fold_scores(scored.facts, load_catalog(session), scored.churn_matrix(), churned, default)
        compare = compare.named(f"{save_as}, out of fold", compare.source)
        scored.scores[compare.name] = oof.tolist()
        scored.bands[compare.name] = [compare.band_for(float(v)) for v in oof]
        configs = [default, compare]
    upgraded, won = expansion_labels(session, as_of, horizon)
    n = len(scored.ids)
    top = k or max(10, n // 10)
    evaluations = [
        _evaluate_model(model, scored, _outcome_of(model, churned, expanded, by_type), top, held.get(model.name))
        for model, _, _ in models
    ]
    props = np.asarray(scored.propensity, dtype=float)
    probability = np.asarray(scored.probability, dtype=float)
    notes = list(skipped)
    if snapshot:
        notes.append(SNAPSHOT_NOTE.format(flagged=count(len(undated), "account")))
    elif undated:
        notes.append(
            f"{count(len(undated), 'account')} flagged churned without a date left out (--exclude-undated-churn): "
            "neither in the population nor among the churners"
        )
    for m in summary.models if summary else []:
        if m.selected != "all features":
            full = m.candidates.get("all features")
            notes.append(
                f"model '{m.name}' kept {m.selected}: forward selection from its baseline column, each feature "
                f"adding at least {MIN_GAIN} to the out-of-fold AUC on the training date ({_auc(m.baseline_auc)} "
                f"alone, {_auc(m.cv_auc)} kept; the model on every feature {_auc(full)}); more imported history "
                "lets more features earn their place"
            )
        if m.cv_auc is not None and m.cv_auc < 0.55:
            notes.append(
                f"model '{m.name}' learnt little (out-of-fold AUC {m.cv_auc:.3f}): its probabilities stay near the "
                "base rate"
            )
    if not expanded.any():
        notes.append("no account expanded in the window: propensity AUC and precision@k are undefined")
    if not churned.any():
        notes.append("no account churned in the window: health AUC and Red recall are undefined")
    if snapshot:
        evaluated = f"snapshot of {as_of}: churn flags without a date as labels; fitted sets and models out of fold"
    elif summary:
        evaluated = (
            f"weights fitted on {summary.train_as_of} (labels up to {summary.train_window_end}); every set "
            f"evaluated on {as_of} against the {horizon} days after it"
        )
    else:
        evaluated = f"scores on {as_of} against the {horizon} days after it"
    return BacktestReport(
        as_of=as_of,
        horizon_days=horizon,
        window_end=as_of + timedelta(days=horizon),
        accounts=n,
        churned=int(churned.sum()),
        upgraded=sum(1 for i in scored.ids if i in upgraded),
        won=sum(1 for i in scored.ids if i in won),
        health=[_health_eval(config, scored, churned) for config in configs],
        propensity=PropensityEvaluation(
            accounts=n,
            expanded=int(expanded.sum()),
            auc=roc_auc(props, expanded) if n else None,
            auc_interval=bootstrap_auc(props, expanded) if n else None,
            precision_at_k=compare_to_baseline(props, scored.arr, expanded, top, scored.ids),
            probability=score_report(probability, expanded, k=top, ids=scored.ids),
        ),
        side_by_side=_side_by_side(scored, configs, churned, expanded, top, evaluations, by_type) if n else [],
        fit=summary,
        models=[e for e, _ in evaluations],
        evaluated_on=evaluated,
        notes=notes,
    )
