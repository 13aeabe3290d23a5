"""`account-intel eval run` through the CLI: a table per scenario and metric, JSON and Markdown stamped with the
content hash, brain, model, date and tokens; the llm brain refuses to run without an endpoint or cassettes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from account_intel.cli.app import app
from account_intel.content.stamp import content_hash
from tests.test_evals_support import EVALS

# Eval fixture stores are SQLite files whatever the test database is: the PostgreSQL pass of .ci/run would only
# repeat these (slow) runs, so they run in the SQLite pass alone.
pytestmark = pytest.mark.skipif(bool(os.environ.get("ACCOUNT_INTEL_TEST_PG_URL")), reason="SQLite-only eval runs")


def test_eval_run_prints_the_table_and_writes_stamped_json_and_markdown(tmp_path: Path) -> None:
    args = [
        "eval",
        "run",
        "--scenario",
        "hard-dnc-decision-maker",
        "--out",
        str(tmp_path),
        "--name",
        "one",
        "--date",
        "2024-12-01",
        "--evals-dir",
        str(EVALS),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "hard-dnc-decision-maker" in result.output and "safety" in result.output
    data = json.loads((tmp_path / "one.json").read_text(encoding="utf-8"))
    stamp = data["stamp"]
    assert stamp["content_hash"] == content_hash()[0] and stamp["brain"] == "rules" and stamp["model"] is None
    assert stamp["date"] == "2024-12-01" and stamp["tokens"] == {"calls": 0, "input_tokens": 0, "output_tokens": 0}
    (scenario,) = data["scenarios"]
    assert scenario["metrics"]["safety"]["mean"] == 1.0
    markdown = (tmp_path / "one.md").read_text(encoding="utf-8")
    assert "content hash" in markdown and "## Coverage" in markdown and "hard:do_not_contact" in markdown


def test_the_llm_brain_needs_an_endpoint_or_the_cassettes(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["eval", "run", "--brain", "llm", "--out", str(tmp_path), "--evals-dir", str(EVALS)]
    )
    assert result.exit_code == 1
    assert "needs a model endpoint" in str(result.exception) or "needs a model endpoint" in result.output


def test_the_schema_command_prints_the_committed_schema() -> None:
    result = CliRunner().invoke(app, ["eval", "schema"])
    assert result.exit_code == 0
    assert json.loads(result.output) == json.loads((EVALS / "scenario.schema.json").read_text(encoding="utf-8"))
