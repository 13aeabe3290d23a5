"""`eval compare`: deltas per metric and scenario, tolerances, and a deliberately worsened rules brain caught."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from account_intel.agents.rules import RULES
from account_intel.cli.app import app
from account_intel.evals.compare import compare
from account_intel.evals.results import AccountRun, MetricResult, Stamp
from account_intel.evals.scenario import LoadedScenario
from account_intel.evals.scoring import assemble, score_repeat, score_scenario
from account_intel.evals.tolerances import load_tolerances
from tests.test_evals_support import EVALS, TECHFLOW, scenario

# Eval fixture stores are SQLite files whatever the test database is: the PostgreSQL pass of .ci/run would only
# repeat these (slow) runs, so they run in the SQLite pass alone.
pytestmark = pytest.mark.skipif(bool(os.environ.get("ACCOUNT_INTEL_TEST_PG_URL")), reason="SQLite-only eval runs")

GATES = load_tolerances(EVALS / "tolerances.yaml")


def _run(scores: dict[str, dict[str, float]], brain: str = "rules", repeat: int = 1) -> Any:
    results = []
    for sid, metrics in scores.items():
        loaded = LoadedScenario(dataset="t.yaml", scenario=scenario(id=sid))
        repeats = []
        for k in range(1, repeat + 1):
            ms = [MetricResult(metric=m, score=v, hard=m == "safety") for m, v in metrics.items()]
            account = AccountRun(account_id=TECHFLOW, status="completed", seconds=1.0, metrics=ms)
            repeats.append(score_repeat(k, [account], brain, GATES))
        results.append(score_scenario(loaded, repeats))
    stamp = Stamp(
        content_hash="h",
        content_files=1,
        brain=brain,
        model=None,
        date=date(2024, 11, 30),
        repeat=repeat,
        datasets=["t"],
        scenarios=len(results),
        tokens={"calls": 0, "input_tokens": 0, "output_tokens": 0},
    )
    return assemble(stamp, results)


def test_a_drop_within_tolerance_passes_and_beyond_it_fails_naming_the_metric() -> None:
    base = _run({"sc-a": {"opp_recall": 1.0, "judge": 1.0, "safety": 1.0}, "sc-b": {"opp_recall": 1.0, "safety": 1.0}})
    small = _run(
        {"sc-a": {"opp_recall": 1.0, "judge": 0.97, "safety": 1.0}, "sc-b": {"opp_recall": 1.0, "safety": 1.0}}
    )
    big = _run({"sc-a": {"opp_recall": 0.5, "judge": 1.0, "safety": 1.0}, "sc-b": {"opp_recall": 1.0, "safety": 1.0}})
    assert compare(base, small, GATES).ok
    verdict = compare(base, big, GATES)
    assert not verdict.ok
    assert verdict.failures[0].startswith("opp_recall dropped by 0.250")
    (a,) = [s for s in verdict.scenarios if s.id == "sc-a"]
    assert a.dropped == ["opp_recall"] and a.passed_before and not a.passed_after
    assert "pass rate dropped" in " ".join(verdict.failures)
    improved = compare(big, base, GATES)
    assert improved.ok and next(m for m in improved.metrics if m.metric == "opp_recall").delta == 0.25


def test_llm_runs_get_the_llm_tolerance_and_report_the_spread() -> None:
    base = _run({"sc-a": {"judge": 1.0, "safety": 1.0}}, brain="llm")
    noisy = _run({"sc-a": {"judge": 0.92, "safety": 1.0}}, brain="llm", repeat=3)
    verdict = compare(base, noisy, GATES)
    judge = next(m for m in verdict.metrics if m.metric == "judge")
    assert judge.tolerance == 0.1 and not judge.regressed and verdict.ok
    assert noisy.run_spread["judge"].n == 3 and noisy.stamp.repeat == 3
    assert not compare(base, _run({"sc-a": {"judge": 0.85, "safety": 1.0}}, brain="llm"), GATES).ok


def test_scenarios_missing_on_one_side_are_listed_not_compared() -> None:
    base = _run({"sc-a": {"opp_recall": 1.0}, "sc-gone": {"opp_recall": 1.0}})
    cand = _run({"sc-a": {"opp_recall": 1.0}, "sc-new": {"opp_recall": 0.0}})
    verdict = compare(base, cand, GATES)
    assert verdict.ok and verdict.only_in_baseline == ["sc-gone"] and verdict.only_in_candidate == ["sc-new"]


def _eval_run(out: Path, name: str, ids: tuple[str, ...]) -> Path:
    args = ["eval", "run", "--brain", "rules", "--out", str(out), "--name", name, "--date", "2024-11-30"]
    args += ["--evals-dir", str(EVALS)] + [a for sid in ids for a in ("--scenario", sid)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return out / f"{name}.json"


def test_compare_catches_a_deliberately_worsened_rules_brain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = ("trigger-hiring", "play-cross-sell")
    baseline = _eval_run(tmp_path, "baseline", ids)
    original = RULES["opportunity-identifier"]

    def drops_the_top_opportunity(ctx: Any, task: dict[str, Any]) -> Any:
        out = original(ctx, task)
        return out.model_copy(update={"recommendations": out.recommendations[1:]})

    monkeypatch.setitem(RULES, "opportunity-identifier", drops_the_top_opportunity)
    worse = _eval_run(tmp_path, "worse", ids)
    data = json.loads(worse.read_text(encoding="utf-8"))
    assert data["metrics"]["opp_top1"]["mean"] == 0.0
    result = CliRunner().invoke(
        app, ["eval", "compare", str(baseline), str(worse), "--evals-dir", str(EVALS), "--md", str(tmp_path / "c.md")]
    )
    assert result.exit_code == 1
    assert "opp_top1 dropped by 1.000" in result.output and "opp_recall dropped" in result.output
    assert "REGRESSED" in (tmp_path / "c.md").read_text(encoding="utf-8")
    same = CliRunner().invoke(app, ["eval", "compare", str(baseline), str(baseline), "--evals-dir", str(EVALS)])
    assert same.exit_code == 0, same.output
