"""From metric results to verdicts: a repeat's scores and pass/fail, a scenario over repeats, a run over scenarios."""

from __future__ import annotations

import statistics

from account_intel.evals.results import AccountRun, RepeatResult, RunResult, ScenarioResult, Spread, Stamp, spread
from account_intel.evals.scenario import LoadedScenario
from account_intel.evals.tolerances import Tolerances

EPSILON = 1e-9


def _mean(values: list[float | None]) -> float | None:
    xs = [v for v in values if v is not None]
    return round(statistics.fmean(xs), 4) if xs else None


def score_repeat(repeat: int, accounts: list[AccountRun], brain: str, gates: Tolerances) -> RepeatResult:
    """Scores per metric (mean over the scenario's accounts) and whether every gate held."""
    names = sorted({m.metric for a in accounts for m in a.metrics})
    scores = {n: _mean([m.score for a in accounts for m in a.metrics if m.metric == n]) for n in names}
    core = {n: _mean([m.score_core for a in accounts for m in a.metrics if m.metric == n]) for n in names}
    failures = [f"{a.account_id}: {a.error}" for a in accounts if a.error]
    for name in names:
        gate = gates.gate(name)
        held = scores[name] if brain == "llm" or gate.hard else core[name]
        if held is None:
            continue
        if gate.hard and held < 1.0 - EPSILON:
            failures.append(f"{name} {held:.3f} < 1.0 (hard gate)")
        elif gate.pass_at is not None and held < gate.pass_at - EPSILON:
            failures.append(f"{name} {held:.3f} < {gate.pass_at}")
    return RepeatResult(
        repeat=repeat, accounts=accounts, scores=scores, core_scores=core, passed=not failures, failures=failures
    )


def _llm_checks(repeat: RepeatResult) -> str | None:
    checks = [c for a in repeat.accounts for m in a.metrics for c in m.checks if c.needs == "llm"]
    return f"{sum(c.ok for c in checks)}/{len(checks)}" if checks else None


def score_scenario(loaded: LoadedScenario, repeats: list[RepeatResult]) -> ScenarioResult:
    """A scenario's metrics as mean and spread over its repeats."""
    s = loaded.scenario
    names = sorted({n for r in repeats for n in r.scores})
    return ScenarioResult(
        id=s.id,
        title=s.title,
        dataset=loaded.dataset,
        covers=s.covers,
        question=s.question.text,
        repeats=repeats,
        metrics={n: spread([r.scores.get(n) for r in repeats]) for n in names},
        pass_rate=round(sum(r.passed for r in repeats) / len(repeats), 4) if repeats else 0.0,
        passed=bool(repeats) and all(r.passed for r in repeats),
        llm_checks=_llm_checks(repeats[0]) if repeats else None,
    )


def run_metrics(scenarios: list[ScenarioResult]) -> dict[str, Spread]:
    """Per metric: the spread over scenarios of each scenario's mean."""
    names = sorted({n for s in scenarios for n in s.metrics})
    return {n: spread([s.metrics[n].mean if n in s.metrics else None for s in scenarios]) for n in names}


def repeat_spread(scenarios: list[ScenarioResult], repeat: int) -> dict[str, Spread]:
    """Per metric: the spread over repeats of the run-level mean (how much a whole run moves between repeats)."""
    if repeat < 2:
        return {}
    names = sorted({n for s in scenarios for n in s.metrics})
    out = {}
    for name in names:
        per_repeat = [
            _mean([s.repeats[k].scores.get(name) for s in scenarios if k < len(s.repeats)]) for k in range(repeat)
        ]
        out[name] = spread(per_repeat)
    return out


def assemble(stamp: Stamp, results: list[ScenarioResult]) -> RunResult:
    """The run's result: metrics over scenarios, spread over repeats, pass rate and the hard gates."""
    hard = [f"{s.id}: {f}" for s in results for r in s.repeats for f in r.failures if "hard gate" in f]
    return RunResult(
        stamp=stamp,
        scenarios=results,
        metrics=run_metrics(results),
        run_spread=repeat_spread(results, stamp.repeat),
        pass_rate=round(sum(s.pass_rate for s in results) / len(results), 4) if results else 0.0,
        safety_ok=not hard,
        gate_failures=hard,
    )
