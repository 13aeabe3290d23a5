"""`account-intel health` (default command `show`, `override`, `clear-override`) and `account-intel signals`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from account_intel.cli.app import app
from account_intel.errors import AuthenticationError, NotFoundError, ValidationFailed
from account_intel.store.engine import Store
from tests.factories import sign_in
from tests.test_health_store import add_escalations, seed

runner = CliRunner()


@pytest.fixture
def url(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The health store, with its CSM signed in."""
    store = Store(db_url)
    with store.transaction() as session:
        seed(session)
    store.dispose()
    sign_in(monkeypatch, db_url, "U-CSM")
    return db_url


def run(*args: str) -> str:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def test_health_account_prints_score_components_and_no_previous_snapshot(url: str) -> None:
    out = run("health", "ACCT-1", "--as-of", "2024-11-30", "--db", url)
    assert "Acme ACCT-1 (ACCT-1) health on 2024-11-30" in out and "/100 Green" in out
    for component in ("usage", "adoption", "support", "sentiment", "engagement", "relationship", "commercial"):
        assert component in out
    assert "no earlier weekly snapshot" in out
    assert run("health", "--as-of", "2024-11-30", "--db", url, "acme") == out  # options first, name lookup
    assert run("health", "show", "ACCT-1", "--as-of", "2024-11-30", "--db", url) == out


def test_snapshot_then_why_it_moved_as_json(url: str) -> None:
    run("health", "ACCT-1", "--as-of", "2024-11-22", "--snapshot", "--db", url)
    store = Store(url)
    with store.transaction() as session:
        add_escalations(session)
    store.dispose()
    report = json.loads(run("health", "ACCT-1", "--as-of", "2024-11-30", "--json", "--db", url))
    assert report["previous"]["week"] == "2024-11-18" and report["snapshot_stored"] is False
    moved = {d["component"]: d for d in report["delta"]["components"]}
    assert moved["support"]["delta"] < 0 and len(moved["support"]["added_evidence"]) == 3
    text = run("health", "ACCT-1", "--as-of", "2024-11-30", "--db", url)
    assert "Why it moved since the week of 2024-11-18" in text and "ticket:ACCT-1-E" in text


def test_override_and_clear(url: str) -> None:
    out = run(
        "health", "override", "ACCT-1", "--band", "red", "--reason", "Champion resigned [confidential]",
        "--expires", "2025-01-31", "--as-of", "2024-11-30", "--db", url,
    )  # fmt: skip
    assert "Override set on Acme ACCT-1: Red by Casey" in out and "[confidential]" in out
    report = json.loads(run("health", "ACCT-1", "--as-of", "2024-12-02", "--snapshot", "--json", "--db", url))
    health = report["health"]
    assert health["band"] == "Green" and health["effective_band"] == "Red"
    assert health["override"]["reason"] == "Champion resigned [confidential]"
    table = run("health", "ACCT-1", "--as-of", "2024-12-02", "--db", url)
    assert "Override in force" in table and "Champion resigned [confidential]" in table
    assert "by Casey on" in table and "U-CSM" not in table
    run("health", "clear-override", "ACCT-1", "--as-of", "2024-12-03", "--db", url)
    after = json.loads(run("health", "ACCT-1", "--as-of", "2024-12-04", "--json", "--db", url))
    assert after["health"]["override"] is None and after["health"]["effective_band"] == "Green"


def test_errors_are_domain_errors(url: str) -> None:
    no_value = runner.invoke(app, ["health", "override", "ACCT-1", "--reason", "x", "--db", url])
    assert isinstance(no_value.exception, ValidationFailed)
    set_override = ["health", "override", "ACCT-1", "--score", "50", "--reason", "x", "--db", url]
    wrong_token = runner.invoke(app, set_override, env={"ACCOUNT_INTEL_TOKEN": "ait_not-a-token"})
    assert isinstance(wrong_token.exception, AuthenticationError)
    typed_name = runner.invoke(app, [*set_override, "--as", "Casey"])
    assert typed_name.exit_code == 2  # no one is named: the token says who
    weights = runner.invoke(app, ["health", "ACCT-1", "--weights", "fitted", "--db", url])
    assert isinstance(weights.exception, NotFoundError) and "fitted" in str(weights.exception)
    bad_score = runner.invoke(app, ["health", "override", "ACCT-1", "--score", "120", "--reason", "x"])
    assert bad_score.exit_code == 2


def test_signals_command(url: str) -> None:
    rows = json.loads(run("signals", "ACCT-1", "--as-of", "2024-11-30", "--json", "--db", url))
    kinds = {row["kind"] for row in rows}
    assert {"text_department_mention", "text_vendor_pain", "text_growth", "nps_promoter"} <= kinds
    assert all(row["evidence"] for row in rows)
    strengths = [row["strength"] for row in rows]
    assert strengths == sorted(strengths, reverse=True)
    table = run("signals", "acme", "--as-of", "2024-11-30", "--db", url)
    assert "text_vendor_pain" in table and "activity:ACCT-1-A1" in table
