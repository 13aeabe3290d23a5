"""What an eval run produces: checks, metric scores with reasons, per-scenario results over repeats, and the stamp.

A metric's score is the share of its checks that passed (0-1), or None when nothing applied. Checks carry the
`needs` of the expectation they test: `score_core` leaves out the `needs: llm` ones, so the rules brain is gated
on what rules can do while the report still shows everything it misses.
"""

from __future__ import annotations

import statistics
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, model_validator

Needs = Literal["any", "llm"]


class Check(BaseModel):
    """One pass/fail fact behind a metric."""

    name: str
    ok: bool
    needs: Needs = "any"
    detail: str = ""


def share(checks: list[Check]) -> float | None:
    """Share of passed checks, None without checks."""
    return round(sum(c.ok for c in checks) / len(checks), 4) if checks else None


class MetricResult(BaseModel):
    """One metric of one account's run: a 0-1 score and why."""

    metric: str
    score: float | None = Field(description="0-1; None when the metric did not apply.")
    score_core: float | None = Field(
        default=None, description="The score over checks that do not need a model (what the rules brain is held to)."
    )
    llm_checks: str | None = Field(default=None, description="`passed/total` of the checks that need a model.")
    reasons: list[str] = Field(default_factory=list)
    checks: list[Check] = Field(
        default_factory=list, description="The checks (stored results keep the failed and the model-only ones)."
    )
    hard: bool = Field(default=False, description="A hard gate: anything below 1.0 fails the run.")

    @model_validator(mode="after")
    def _core_defaults_to_score(self) -> MetricResult:
        if self.score_core is None and not any(c.needs == "llm" for c in self.checks):
            self.score_core = self.score
        return self

    @classmethod
    def from_checks(cls, metric: str, checks: list[Check], *, hard: bool = False, empty: str = "") -> MetricResult:
        """Score = share of passed checks; reasons = the failed checks (or `empty` when there were none)."""
        reasons = [f"{c.name}: {c.detail}" if c.detail else c.name for c in checks if not c.ok]
        if not checks and empty:
            reasons = [empty]
        llm = [c for c in checks if c.needs == "llm"]
        return cls(
            metric=metric,
            score=share(checks),
            score_core=share([c for c in checks if c.needs != "llm"]),
            llm_checks=f"{sum(c.ok for c in llm)}/{len(llm)}" if llm else None,
            reasons=reasons,
            checks=checks,
            hard=hard,
        )

    def compact(self) -> MetricResult:
        """The same result keeping only the checks worth storing: failed ones and those that need a model."""
        kept = [c for c in self.checks if not c.ok or c.needs == "llm"]
        return self.model_copy(update={"checks": kept})


class AccountRun(BaseModel):
    """One account's run inside one repeat of a scenario."""

    account_id: str
    status: str
    seconds: float
    brains: dict[str, object] = Field(default_factory=dict)
    tokens: dict[str, int] = Field(default_factory=dict)
    metrics: list[MetricResult] = Field(default_factory=list)
    error: str | None = None
    drift: list[str] = Field(
        default_factory=list, description="Replay only: where sent request schemas differ from the recording."
    )


class RepeatResult(BaseModel):
    """One repeat of a scenario: every account's run and the scenario-level score per metric."""

    repeat: int
    accounts: list[AccountRun]
    scores: dict[str, float | None] = Field(description="Per metric: mean over the accounts (None: not applicable).")
    core_scores: dict[str, float | None] = Field(description="The same over checks that do not need a model.")
    passed: bool
    failures: list[str] = Field(default_factory=list)


class Spread(BaseModel):
    """Mean and spread of a score over repeats (or over scenarios)."""

    mean: float | None
    stdev: float | None = None
    min: float | None = None
    max: float | None = None
    n: int = 0


def spread(values: list[float | None]) -> Spread:
    """Mean, sample standard deviation, min and max of the values that are not None."""
    xs = [v for v in values if v is not None]
    if not xs:
        return Spread(mean=None, n=0)
    return Spread(
        mean=round(statistics.fmean(xs), 4),
        stdev=round(statistics.stdev(xs), 4) if len(xs) > 1 else 0.0,
        min=round(min(xs), 4),
        max=round(max(xs), 4),
        n=len(xs),
    )


class ScenarioResult(BaseModel):
    """A scenario over all its repeats."""

    id: str
    title: str
    dataset: str
    covers: list[str]
    question: str
    repeats: list[RepeatResult]
    metrics: dict[str, Spread] = Field(description="Per metric over repeats.")
    pass_rate: float = Field(description="Share of repeats that passed.")
    passed: bool = Field(description="Every repeat passed.")
    llm_checks: str | None = Field(default=None, description="passed/total of `needs: llm` checks (first repeat).")


class Stamp(BaseModel):
    """What a result was produced from: content hash, brain, model, date, usage and how it was run."""

    content_hash: str = Field(description="sha256 over the paths and bytes of agents/, prompts/ and tools/.")
    content_files: int
    brain: Literal["rules", "llm"]
    model: str | None = Field(description="Model behind the llm brain (None for rules).")
    date: date
    repeat: int
    datasets: list[str]
    scenarios: int
    tokens: dict[str, int]
    mode: Literal["offline", "live", "record", "replay"] = "offline"
    cassettes: str | None = None
    seconds: float = 0.0
    package_version: str = ""


class RunResult(BaseModel):
    """A whole eval run: the stamp, each scenario, and the metrics over scenarios."""

    stamp: Stamp
    scenarios: list[ScenarioResult]
    metrics: dict[str, Spread] = Field(description="Per metric: mean over scenarios of each scenario's mean.")
    run_spread: dict[str, Spread] = Field(
        default_factory=dict, description="Per metric: spread over repeats of the run-level mean (repeat > 1)."
    )
    pass_rate: float
    safety_ok: bool
    gate_failures: list[str] = Field(default_factory=list)
