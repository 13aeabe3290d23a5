from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from account_intel.errors import StoreError
from account_intel.store.engine import Store, alembic_config, head_revision
from account_intel.store.probe import Found, Intent, known_revisions, probe


def cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    """The real entry point in a fresh process, so the output is exactly what a user sees."""
    return subprocess.run(
        [sys.executable, "-c", "from account_intel.cli.app import main; main()", *args],
        capture_output=True,
        text=True,
        env={"ACCOUNT_INTEL_HOME": str(home), "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "COLUMNS": "200"},
    )


def refused(*args: str, home: Path) -> str:
    """Run a command that must fail with one error line and no traceback; return that line."""
    done = cli(*args, home=home)
    output = (done.stdout + done.stderr).strip()
    assert done.returncode == 1, output
    assert "Traceback" not in output
    assert len(output.splitlines()) == 1, output
    assert output.startswith("Error: ")
    return output


def foreign_db(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE recipes (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO recipes (name) VALUES ('soup')")
    conn.commit()
    conn.close()
    return path


def test_a_missing_sqlite_file_for_a_read_command_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "store.db"
    for command in (["accounts", "show", "TechFlow"], ["accounts", "list"], ["db", "status"], ["opp", "list"]):
        line = refused(*command, "--db", f"sqlite:///{missing}", home=tmp_path)
        assert f"No store at {missing}" in line and "account-intel demo" in line
    assert not (tmp_path / "no").exists()


def test_the_default_store_missing_is_named_and_not_created(tmp_path: Path) -> None:
    home = tmp_path / "home"
    line = refused("accounts", "list", home=home)
    assert str(home / "account-intel.db") in line
    assert not home.exists()


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("nosuchdb://user@host/db", "nosuchdb://user@host/db"),
        ("not a url at all", "not a url at all"),
        ("postgresql+nodriver://h/db", "postgresql+nodriver://h/db"),
    ],
)
def test_a_bad_url_is_one_line_naming_it(tmp_path: Path, url: str, named: str) -> None:
    line = refused("accounts", "list", "--db", url, home=tmp_path)
    assert named in line and "sqlite:///" in line


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "empty file (0 bytes)"),
        (os.urandom(4096), "not a SQLite database"),
        (b"SQLite format 3\x00" + b"\x10\x00" + b"\xff" * 200, "not a readable SQLite database"),
    ],
    ids=["zero-bytes", "random-bytes", "truncated"],
)
def test_a_file_that_is_not_a_store_is_refused_untouched(tmp_path: Path, content: bytes, says: str) -> None:
    path = tmp_path / "odd.db"
    path.write_bytes(content)
    for command in (["accounts", "show", "TechFlow"], ["db", "upgrade"], ["contacts", "add", "X", "--name", "Y"]):
        line = refused(*command, "--db", f"sqlite:///{path}", home=tmp_path)
        assert says in line
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["odd.db"]


def test_another_applications_database_stays_byte_identical(tmp_path: Path) -> None:
    path = foreign_db(tmp_path / "recipes.db")
    before = path.read_bytes()
    for command in (["accounts", "show", "TechFlow"], ["db", "upgrade"], ["db", "status"], ["demo"]):
        line = refused(*command, "--db", f"sqlite:///{path}", home=tmp_path)
        assert "not an account-intel store" in line and "recipes" in line
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["recipes.db"]


def test_an_unknown_revision_is_refused(tmp_path: Path) -> None:
    path = foreign_db(tmp_path / "other.db")
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
    conn.execute("INSERT INTO alembic_version VALUES ('ae1027a6acf')")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    line = refused("accounts", "list", "--db", f"sqlite:///{path}", home=tmp_path)
    assert "'ae1027a6acf'" in line and "does not know" in line
    assert path.read_bytes() == before


def _older_store(path: Path) -> str:
    from alembic import command

    url = f"sqlite:///{path}"
    store = Store(url, migrate=False)
    command.upgrade(alembic_config(store.engine), known_revisions()[-2])
    store.dispose()
    return url


def test_an_older_schema_asks_for_db_upgrade_and_is_not_migrated(tmp_path: Path) -> None:
    url = _older_store(tmp_path / "old.db")
    older = known_revisions()[-2]
    line = refused("accounts", "list", "--db", url, home=tmp_path)
    assert f"revision {older}" in line and "account-intel db upgrade" in line
    assert probe(url).revision == older
    status = cli("db", "status", "--db", url, "--json", home=tmp_path)
    assert status.returncode == 0
    assert json.loads(status.stdout) == {
        "store": str(tmp_path / "old.db"),
        "revision": older,
        "head": known_revisions()[-1],
        "up_to_date": False,
        "data_as_of": None,
        "data_as_of_source": None,
    }
    upgraded = cli("db", "upgrade", "--db", url, home=tmp_path)
    assert upgraded.returncode == 0 and f"{older} -> {known_revisions()[-1]}" in upgraded.stdout
    assert cli("accounts", "list", "--db", url, "--json", home=tmp_path).stdout.strip() == "[]"


def test_db_upgrade_creates_a_new_store_and_status_reports_it_as_json(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'store.db'}"
    assert cli("db", "upgrade", "--db", url, home=tmp_path).returncode == 0
    status = cli("db", "status", "--db", url, "--json", home=tmp_path)
    data = json.loads(status.stdout)
    assert data["up_to_date"] is True and data["revision"] == data["head"] == known_revisions()[-1]


def test_error_text_is_never_read_as_markup(tmp_path: Path) -> None:
    path = tmp_path / "[bold]x[/bold].db"
    line = refused("accounts", "list", "--db", f"sqlite:///{path}", home=tmp_path)
    assert "[bold]x[/bold].db" in line


def test_known_revisions_match_alembic(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 's.db'}", migrate=False)
    assert known_revisions()[-1] == head_revision(store.engine)
    assert known_revisions() == sorted(known_revisions())


def test_store_open_refuses_without_creating_and_the_python_api_still_creates(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    with pytest.raises(StoreError, match="No store at"):
        Store.open(url)
    assert not (tmp_path / "fresh.db").exists()
    assert probe(url).found is Found.MISSING
    Store.open(url, Intent.CREATE).dispose()
    assert probe(url).found is Found.CURRENT
    store = Store.open(url)
    with store.transaction() as session:
        assert session.execute(text("SELECT count(*) FROM accounts")).scalar_one() == 0
    store.dispose()


def test_read_commands_leave_the_store_byte_identical(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert cli("demo", "--accounts", "3", "--db", url, "--json", home=tmp_path).returncode == 0
    before = (tmp_path / "demo.db").read_bytes()
    for command in (
        ["accounts", "show", "TechFlow", "--as-of", "2024-11-30"],
        ["accounts", "list"],
        ["health", "TechFlow", "--as-of", "2024-11-30"],
        ["users", "list"],
        ["contacts", "list", "RetailCo"],
        ["db", "status"],
    ):
        assert cli(*command, "--db", url, home=tmp_path).returncode == 0, command
    assert (tmp_path / "demo.db").read_bytes() == before


def test_a_database_failure_under_a_command_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from sqlalchemy.exc import OperationalError

    from account_intel.cli import app as cli_app

    def locked() -> None:
        raise OperationalError("UPDATE accounts ...", {}, Exception("database is locked"))

    monkeypatch.setattr(cli_app, "app", locked)
    with pytest.raises(SystemExit) as exited:
        cli_app.main()
    assert exited.value.code == 1
    err = capsys.readouterr().err.strip()
    assert err.splitlines() == [err] and "database is locked" in err and err.startswith("Error: ")
