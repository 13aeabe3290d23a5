"""A saved model's calibrated probability for one account, with its "why", as the brief shows it.

A model is used only on an as-of date on or after the end of its training labels: a model that learnt from
outcomes after the date would carry the future into it (see `fitted.model`). Such a model, or a missing or
damaged file, is reported as a note, never as a number.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

from pydantic import BaseModel, Field

from account_intel.analytics.facts import AccountFacts, Catalog
from account_intel.analytics.fitted.features import label, model_features
from account_intel.analytics.fitted.files import load_model, model_path
from account_intel.analytics.fitted.model import FittedModel, Outcome
from account_intel.analytics.health.config import default_health_config
from account_intel.analytics.health.score import score_only
from account_intel.analytics.propensity.config import PropensityConfig
from account_intel.analytics.signals.models import load_signal_config
from account_intel.analytics.signals.text_matcher import default_matcher
from account_intel.errors import DomainError

TOP_REASONS = 4


class Reason(BaseModel):
    """One feature's push on the log-odds against the average training account."""

    feature: str
    value: float | None = Field(description="The account's value; None when unknown (the training mean is used).")
    log_odds: float = Field(description="Positive: raises the probability of the outcome.")


class Prediction(BaseModel):
    """A calibrated probability of churn or expansion within the model's horizon."""

    model: str
    outcome: Outcome
    probability: float = Field(ge=0, le=1, description="Calibrated probability of the outcome within the horizon.")
    horizon_days: int = Field(description="0 for a model of snapshot labels (churn flags without a date).")
    trained_as_of: date
    window_end: date
    calibration: str
    cv_auc: float | None
    base_rate: float
    band: str | None = Field(description="Churn models: Red, Yellow or Green from the probability.")
    reasons: list[Reason] = Field(description="The strongest pushes first.")

    @property
    def text(self) -> str:
        """One line for a brief: the probability, where it comes from, and why."""
        what = "Churn" if self.outcome == "churn" else "Expansion"
        auc = f", out-of-fold AUC {self.cv_auc:.2f}" if self.cv_auc is not None else ""
        why = "; ".join(
            f"{label(r.feature)} {'unknown' if r.value is None else f'{r.value:g}'} ({r.log_odds:+.2f} log-odds)"
            for r in self.reasons
        )
        band = f", {self.band}" if self.band else ""
        within = (
            f"within {self.horizon_days} days"
            if self.horizon_days
            else f"as flagged in the snapshot of {self.trained_as_of}"
        )
        return (
            f"{what} probability: {self.probability:.0%} {within}{band} (base rate "
            f"{self.base_rate:.0%}; model '{self.model}', {self.calibration}-calibrated, trained on "
            f"{self.trained_as_of}{auc})" + (f"; why: {why}" if why else "")
        )


class Predictions(BaseModel):
    """The models' probabilities for one account, and why any configured model was not used."""

    predictions: list[Prediction] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


def _known(value: float | None) -> float | None:
    """A feature value as shown (two places); None when unknown."""
    return None if value is None or math.isnan(value) else round(value, 2)


def predict(model: FittedModel, features: dict[str, float]) -> Prediction:
    """The model's calibrated probability and strongest reasons for one feature row."""
    probability = float(model.probabilities([features])[0])
    parts = model.contributions(features)
    ranked = sorted(parts.items(), key=lambda kv: (-abs(kv[1]), kv[0]))[:TOP_REASONS]
    reasons = [
        Reason(
            feature=name, value=None if (v := features.get(name)) is None or math.isnan(v) else round(v, 2), log_odds=lo
        )
        for name, lo in ranked
        if lo != 0
    ]
    return Prediction(
        model=model.name,
        outcome=model.outcome,
        probability=round(min(1.0, max(0.0, probability)), 4),
        horizon_days=model.horizon_days,
        trained_as_of=model.trained_as_of,
        window_end=model.window_end,
        calibration=model.calibration.method,
        cv_auc=model.cv_auc,
        base_rate=model.base_rate,
        band=model.band(probability) if model.outcome == "churn" else None,
        reasons=reasons,
    )


def account_predictions(
    facts: AccountFacts, catalog: Catalog, config: PropensityConfig, names: list[str], *, home: Path | None = None
) -> Predictions:
    """The named models' predictions for the account on its as-of date; a model that does not exist yet is
    skipped silently (nothing fitted), one that cannot be used is named in a note."""
    out = Predictions()
    rows: dict[str, dict[str, float]] | None = None
    for name in names:
        try:
            if not model_path(name, home=home).is_file():
                continue
            model = load_model(name, home=home)
        except DomainError as exc:
            out.notes.append(str(exc))
            continue
        if facts.as_of < model.window_end:
            out.notes.append(
                f"model '{name}' not used: it learnt from outcomes up to {model.window_end}, after this as-of date "
                f"({facts.as_of}); fit one with labels that end by then (backtest --fit-as-of)"
            )
            continue
        if rows is None:
            rows = model_features(
                facts,
                catalog,
                score_only(facts, catalog, default_health_config()),
                config,
                matcher=default_matcher(home=home),
                text_rule=load_signal_config(home=home).text,
            )
        # an expansion model reads the expansion row, a model of one type its breadth too (a superset of it)
        out.predictions.append(predict(model, rows["churn" if model.outcome == "churn" else "expansion_by_type"]))
    return out
