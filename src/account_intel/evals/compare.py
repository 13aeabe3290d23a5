"""`eval compare A B`: the deltas of B against A per metric and per scenario, and the gate.

The gate fails when a metric's mean over the common scenarios drops by more than its tolerance
(`evals/tolerances.yaml`; the llm tolerance when B is an llm run), when the pass rate drops beyond its tolerance,
or when B's safety is below 1.0 anywhere. Scenarios only in one of the runs are listed, not compared.
"""

from __future__ import annotations

import statistics
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from account_intel.domain.wording import with_article
from account_intel.evals.evaluators import METRICS
from account_intel.evals.results import RunResult
from account_intel.evals.scenario import ScenarioError
from account_intel.evals.scoring import EPSILON
from account_intel.evals.tolerances import Tolerances


class MetricDelta(BaseModel):
    """One metric: baseline mean, candidate mean, the change, the allowed drop and the verdict."""

    metric: str
    baseline: float | None
    candidate: float | None
    delta: float | None
    tolerance: float
    regressed: bool
    candidate_spread: float | None = Field(default=None, description="Stdev over the candidate's repeats.")


class ScenarioDelta(BaseModel):
    """One scenario's changes per metric, and whether it passed before and after."""

    id: str
    deltas: dict[str, float | None]
    passed_before: bool
    passed_after: bool
    dropped: list[str] = Field(default_factory=list, description="Metrics that fell beyond their tolerance here.")


class Comparison(BaseModel):
    """The whole comparison and its verdict."""

    baseline_stamp: dict[str, object]
    candidate_stamp: dict[str, object]
    metrics: list[MetricDelta]
    pass_rate: MetricDelta
    scenarios: list[ScenarioDelta]
    only_in_baseline: list[str]
    only_in_candidate: list[str]
    safety_ok: bool
    failures: list[str]
    notes: list[str] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing regressed beyond tolerance and safety held."""
        return not self.failures


def load_result(path: Path) -> RunResult:
    """A run result (JSON) written by `eval run`."""
    try:
        return RunResult.model_validate_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such result file.") from None
    except ValidationError as exc:
        raise ScenarioError(f"{path}: not an eval result: {exc}") from None


def _mean(values: list[float | None]) -> float | None:
    xs = [v for v in values if v is not None]
    return round(statistics.fmean(xs), 4) if xs else None


def _delta(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(b - a, 4)


def compare(baseline: RunResult, candidate: RunResult, tolerances: Tolerances) -> Comparison:
    """Deltas per metric (over the scenarios both runs have) and per scenario, with the verdict."""
    brain = candidate.stamp.brain
    a = {s.id: s for s in baseline.scenarios}
    b = {s.id: s for s in candidate.scenarios}
    common = [sid for sid in a if sid in b]
    found = {m for sid in common for m in (*a[sid].metrics, *b[sid].metrics)}
    names = sorted(found, key=lambda m: (METRICS.index(m) if m in METRICS else len(METRICS), m))
    failures: list[str] = []
    metrics = []
    for name in names:
        before = _mean([a[sid].metrics[name].mean if name in a[sid].metrics else None for sid in common])
        after = _mean([b[sid].metrics[name].mean if name in b[sid].metrics else None for sid in common])
        gate = tolerances.gate(name)
        allowed = gate.allowed_drop(brain)
        delta = _delta(before, after)
        regressed = delta is not None and delta < -allowed - EPSILON
        if regressed and delta is not None and before is not None and after is not None:
            failures.append(f"{name} dropped by {-delta:.3f} (from {before:.3f} to {after:.3f}; tolerance {allowed})")
        spread = candidate.run_spread.get(name)
        metrics.append(
            MetricDelta(
                metric=name,
                baseline=before,
                candidate=after,
                delta=delta,
                tolerance=allowed,
                regressed=regressed,
                candidate_spread=spread.stdev if spread else None,
            )
        )
    rate_before = _mean([a[sid].pass_rate for sid in common])
    rate_after = _mean([b[sid].pass_rate for sid in common])
    rate_allowed = tolerances.pass_rate.allowed_drop(brain)
    rate_delta = _delta(rate_before, rate_after)
    rate_regressed = rate_delta is not None and rate_delta < -rate_allowed - EPSILON
    if rate_regressed and rate_delta is not None and rate_before is not None and rate_after is not None:
        failures.append(f"pass rate dropped by {-rate_delta:.3f} (from {rate_before:.3f} to {rate_after:.3f})")
    scenarios = []
    for sid in common:
        deltas = {
            n: _delta(
                a[sid].metrics[n].mean if n in a[sid].metrics else None,
                b[sid].metrics[n].mean if n in b[sid].metrics else None,
            )
            for n in names
        }
        dropped = [
            n for n, d in deltas.items() if d is not None and d < -tolerances.gate(n).allowed_drop(brain) - EPSILON
        ]
        scenarios.append(
            ScenarioDelta(
                id=sid, deltas=deltas, passed_before=a[sid].passed, passed_after=b[sid].passed, dropped=dropped
            )
        )
    safety_ok = candidate.safety_ok and all(
        (s.metrics["safety"].min is None or s.metrics["safety"].min >= 1.0 - EPSILON)
        for s in candidate.scenarios
        if "safety" in s.metrics
    )
    if not safety_ok:
        failures.insert(0, "safety is below 1.0: " + "; ".join(candidate.gate_failures or ["see the scenarios"]))
    notes = []
    if baseline.stamp.brain != candidate.stamp.brain:
        shown = {"llm": "LLM"}
        run, base = (shown.get(s.brain, s.brain) for s in (candidate.stamp, baseline.stamp))
        notes.append(f"comparing {with_article(run)} run against {with_article(base)} baseline")
    if baseline.stamp.content_hash == candidate.stamp.content_hash:
        notes.append("same content hash: agents/, prompts/ and tools/ did not change between the runs")
    return Comparison(
        baseline_stamp=baseline.stamp.model_dump(mode="json"),
        candidate_stamp=candidate.stamp.model_dump(mode="json"),
        metrics=metrics,
        pass_rate=MetricDelta(
            metric="pass_rate",
            baseline=rate_before,
            candidate=rate_after,
            delta=rate_delta,
            tolerance=rate_allowed,
            regressed=rate_regressed,
        ),
        scenarios=scenarios,
        only_in_baseline=sorted(set(a) - set(b)),
        only_in_candidate=sorted(set(b) - set(a)),
        safety_ok=safety_ok,
        failures=failures,
        notes=notes,
    )
