"""Per-metric gates (`evals/tolerances.yaml`): how far a mean may drop against a baseline, and what a scenario
needs on a metric to pass."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from account_intel.evals.scenario import ScenarioError

TOLERANCES_FILE = "tolerances.yaml"


class MetricGate(BaseModel):
    """One metric's gate."""

    model_config = ConfigDict(extra="forbid")

    tolerance: float = Field(ge=0, le=1, description="Largest accepted drop of the mean score against the baseline.")
    llm_tolerance: float | None = Field(
        default=None, ge=0, le=1, description="The tolerance when the llm brain is compared (models vary)."
    )
    pass_at: float | None = Field(default=None, ge=0, le=1, description="Score a scenario needs; None: not gated.")
    hard: bool = Field(default=False, description="Must be exactly 1.0 in every scenario, whatever else passed.")

    def allowed_drop(self, brain: str) -> float:
        """The tolerance for this brain."""
        return self.llm_tolerance if brain == "llm" and self.llm_tolerance is not None else self.tolerance


class Tolerances(BaseModel):
    """Every metric's gate and the pass-rate tolerance."""

    model_config = ConfigDict(extra="forbid")

    metrics: dict[str, MetricGate]
    pass_rate: MetricGate = Field(default_factory=lambda: MetricGate(tolerance=0.0))

    def gate(self, metric: str) -> MetricGate:
        """The metric's gate (an unlisted metric: reported, never gated)."""
        return self.metrics.get(metric, MetricGate(tolerance=1.0))


def load_tolerances(path: Path) -> Tolerances:
    """Read and validate the tolerances file; errors name the file and the field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Tolerances.model_validate(raw)
    except FileNotFoundError:
        raise ScenarioError(f"{path} is missing: the gates of `eval run` and `eval compare` live there.") from None
    except (yaml.YAMLError, ValidationError) as exc:
        raise ScenarioError(f"{path}: {exc}") from None
