from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from account_intel.cli.app import app
from account_intel.domain.enums import UserRole
from account_intel.store.engine import Store, head_revision
from tests.factories import add_account, add_user

runner = CliRunner()


def _seed(url: str) -> None:
    store = Store(url)
    with store.transaction() as session:
        add_user(session, "U-AE1", UserRole.AE, "Avery Stone")
        add_account(session, "ACCT-1", arr=Decimal("600000"), name="Globex", ae_id="U-AE1")
        add_account(session, "ACCT-2", arr=Decimal("30000"), name="Initech")
    store.dispose()


def test_db_upgrade_then_status(db_url: str) -> None:
    result = runner.invoke(app, ["db", "upgrade", "--db", db_url])
    assert result.exit_code == 0, result.output
    assert f"empty -> {head_revision(Store(db_url, migrate=False).engine)}" in result.output
    status = runner.invoke(app, ["db", "status", "--db", db_url])
    assert "up to date" in status.output


def test_accounts_list_filters_and_json(db_url: str) -> None:
    _seed(db_url)
    result = runner.invoke(app, ["accounts", "list", "--db", db_url, "--json"])
    rows = json.loads(result.output)
    assert [(r["id"], r["tier"], r["segment"], r["arr"]) for r in rows] == [
        ("ACCT-1", "T1", "Enterprise", "600000.00"),
        ("ACCT-2", "T3", "Mid-Market", "30000.00"),
    ]
    t1 = json.loads(runner.invoke(app, ["accounts", "list", "--tier", "T1", "--db", db_url, "--json"]).output)
    assert [r["id"] for r in t1] == ["ACCT-1"]
    mine = json.loads(
        runner.invoke(app, ["accounts", "list", "--owner", "avery stone", "--db", db_url, "--json"]).output
    )
    assert [r["id"] for r in mine] == ["ACCT-1"]
    smb = json.loads(runner.invoke(app, ["accounts", "list", "--segment", "SMB", "--db", db_url, "--json"]).output)
    assert smb == []
    table = runner.invoke(app, ["accounts", "list", "--db", db_url], env={"COLUMNS": "160"})
    assert "Globex" in table.output and "$600,000" in table.output


def test_accounts_show_by_name(db_url: str) -> None:
    _seed(db_url)
    result = runner.invoke(app, ["accounts", "show", "initech", "--as-of", "2024-11-30", "--db", db_url, "--json"])
    assert result.exit_code == 0, result.output
    profile = json.loads(result.output)
    assert profile["id"] == "ACCT-2" and profile["arr"] == "30000.00" and profile["segment"] == "Mid-Market"


def _cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from account_intel.cli.app import main; main()", *args],
        capture_output=True,
        text=True,
        env={"ACCOUNT_INTEL_HOME": str(home), "PATH": "/usr/bin:/bin"},
    )


def test_domain_errors_are_one_line_and_exit_non_zero(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    _seed(db)
    missing = _cli("accounts", "show", "Nope", "--db", db, home=tmp_path)
    assert missing.returncode == 1
    assert missing.stderr.strip().startswith("Error: Account 'Nope' not found")
    assert "Traceback" not in missing.stderr
    bad_date = _cli("accounts", "show", "Globex", "--as-of", "30/11/2024", "--db", db, home=tmp_path)
    assert bad_date.returncode == 1 and "--as-of '30/11/2024' is not a date" in bad_date.stderr
    bad_tier = _cli("accounts", "list", "--tier", "T9", "--db", db, home=tmp_path)
    assert bad_tier.returncode == 2 and "T9" in bad_tier.stderr
