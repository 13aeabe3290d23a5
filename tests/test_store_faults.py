"""Store faults through the command line: locked, read-only, full, foreign and broken stores are one clear line."""

from __future__ import annotations

import errno
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest

from account_intel.store.lock_holder import lock_holder
from tests.conftest import PG_URL
from tests.factories import sign_in

CANONICAL = Path(__file__).parent / "fixtures" / "import" / "canonical"
OPP = ["opp", "create", "--account", "RetailCo", "--name", "Extra seats", "--type", "volume_increase"]
OPP += ["--value", "1000", "--source", "client_mention", "--close-date", "2024-12-31"]
CONTACT = ["contacts", "add", "RetailCo", "--name", "Ada Quinn"]
READS = [
    ["accounts", "show", "TechFlow"],
    ["accounts", "list"],
    ["health", "TechFlow"],
    ["signals", "TechFlow"],
    ["whitespace", "TechFlow"],
    ["portfolio"],
    ["opp", "list"],
    ["contacts", "list", "RetailCo"],
    ["users", "list"],
    ["approvals", "list"],
    ["db", "status"],
]
WRITES = [["brief", "TechFlow"], ["run", "weekly"], OPP, CONTACT, ["import", str(CANONICAL)]]


def cli(*args: str, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The real entry point in a fresh process, so the output is exactly what a user sees."""
    return subprocess.run(
        [sys.executable, "-c", "from account_intel.cli.app import main; main()", *args],
        capture_output=True,
        text=True,
        env={"ACCOUNT_INTEL_HOME": str(home), "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "COLUMNS": "200", **env},
    )


def error_line(code: int, output: str) -> str:
    """The one error line of a failed command: exit 1, no traceback, nothing else but the as-of notes."""
    lines = [line for line in output.splitlines() if line.strip()]
    assert code == 1, output
    assert "Traceback" not in output, output
    errors = [line for line in lines if line.startswith("Error: ")]
    assert len(errors) == 1, output
    assert all(line in errors or line.startswith(("As of ", "At ")) for line in lines), output
    return errors[0]


def run_main(args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """The entry point in this process (so a fault can be injected); its exit code and output."""
    from account_intel.cli.app import main

    monkeypatch.setattr(sys, "argv", ["account-intel", *args])
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main()
    out = capsys.readouterr()
    return int(exited.value.code or 0), out.out + out.err


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo store built once; each test works on a copy."""
    folder = tmp_path_factory.mktemp("template")
    path = folder / "demo.db"
    done = cli("demo", "--accounts", "3", "--db", f"sqlite:///{path}", "--json", home=folder / "home")
    assert done.returncode == 0, done.stderr
    return path


@pytest.fixture
def demo(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the demo store, with its first manager signed in (changes need a token)."""
    path = tmp_path / "demo.db"
    shutil.copy(template, path)
    with closing(sqlite3.connect(path)) as conn:
        (manager,) = conn.execute("SELECT id FROM users WHERE role = 'manager' ORDER BY id LIMIT 1").fetchone()
    sign_in(monkeypatch, url(path), manager)
    return path


def url(path: Path) -> str:
    return f"sqlite:///{path}"


def patch_connect(monkeypatch: pytest.MonkeyPatch, connect: Any) -> None:
    """Route every SQLite connection of the product (SQLAlchemy uses `sqlite3.dbapi2`) through `connect`."""
    import sqlite3.dbapi2

    monkeypatch.setattr(sqlite3, "connect", connect)
    monkeypatch.setattr(sqlite3.dbapi2, "connect", connect)


def table_count(path: Path, sql: str) -> int:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


def no_duplicates(path: Path) -> None:
    """One run record per thread and one completion event per thread, whatever failed before."""
    assert table_count(path, "SELECT count(*) - count(DISTINCT thread_id) FROM agent_runs") == 0
    completed = (
        "SELECT count(*) FROM (SELECT entity_id FROM events WHERE kind = 'run.completed' "
        "GROUP BY entity_id HAVING count(*) > 1)"
    )
    assert table_count(path, completed) == 0


# --- files that are not ours, or not a store at all, are refused and left byte-identical -------------------------


def _foreign(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE recipes (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO recipes (name) VALUES ('soup')")
    conn.commit()
    conn.close()


def _unknown_revision(path: Path) -> None:
    _foreign(path)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
    conn.execute("INSERT INTO alembic_version VALUES ('9999_from_the_future')")
    conn.commit()
    conn.close()


def _truncated(path: Path, template: Path) -> None:
    path.write_bytes(template.read_bytes()[:5000])


ODD_FILES: dict[str, tuple[str, str]] = {
    "zero-bytes": ("empty file (0 bytes)", ""),
    "random-bytes": ("not a SQLite database", ""),
    "truncated": ("SQLite", ""),
    "foreign": ("not an account-intel store", "recipes"),
    "unknown-revision": ("'9999_from_the_future'", "upgrade account-intel"),
}


@pytest.mark.parametrize("kind", list(ODD_FILES))
def test_a_file_that_is_not_our_store_is_refused_by_every_command_and_left_untouched(
    kind: str, tmp_path: Path, template: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "odd.db"
    if kind == "zero-bytes":
        path.write_bytes(b"")
    elif kind == "random-bytes":
        path.write_bytes(os.urandom(8192))
    elif kind == "truncated":
        _truncated(path, template)
    elif kind == "foreign":
        _foreign(path)
    else:
        _unknown_revision(path)
    before = path.read_bytes()
    says, also = ODD_FILES[kind]
    commands = [["accounts", "show", "TechFlow"], *WRITES, ["db", "upgrade"], ["demo", "--accounts", "3"]]
    if kind != "zero-bytes":
        commands.append(["db", "status"])
    for command in commands:
        line = error_line(*run_main([*command, "--db", url(path)], capsys, monkeypatch))
        assert str(path) in line and says in line and also in line, (command, line)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "home") == ["odd.db"]


# --- locks: wait the configured busy timeout, then one line naming the holder -----------------------------------


@contextmanager
def held(path: Path) -> Iterator[int]:
    """Another process holding the store's write lock (BEGIN EXCLUSIVE) until the block ends; yields its pid."""
    code = (
        "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
        "c.execute('BEGIN EXCLUSIVE'); print('held', flush=True); sys.stdin.read()"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield holder.pid
    finally:
        holder.communicate("")


@pytest.mark.parametrize("command", WRITES, ids=lambda c: " ".join(c[:2]))
def test_a_locked_store_is_one_line_naming_the_holder_after_the_busy_timeout(
    command: list[str], demo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ACCOUNT_INTEL_DB_BUSY_TIMEOUT_SECONDS", "0.2")
    with held(demo) as pid:
        line = error_line(*run_main([*command, "--db", url(demo)], capsys, monkeypatch))
        assert f"{demo} is locked by process {pid}" in line and "ACCOUNT_INTEL_DB_BUSY_TIMEOUT_SECONDS" in line
        assert "0.2 s" in line
    no_duplicates(demo)


def test_a_lock_released_within_the_busy_timeout_is_waited_for(demo: Path, tmp_path: Path) -> None:
    env = {**os.environ, "ACCOUNT_INTEL_HOME": str(tmp_path / "home"), "ACCOUNT_INTEL_DB_BUSY_TIMEOUT_SECONDS": "120"}
    with held(demo):
        waiting = subprocess.Popen(
            [sys.executable, "-c", "from account_intel.cli.app import main; main()", *OPP, "--db", url(demo)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert waiting.stderr is not None and waiting.stderr.readline().startswith("At ")  # the write comes next
        time.sleep(0.5)  # a command that did not wait would have failed by now
        assert waiting.poll() is None, waiting.communicate()
    out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, out + err
    assert table_count(demo, "SELECT count(*) FROM opportunities WHERE name = 'Extra seats'") == 1


def test_read_commands_run_while_another_program_writes(
    demo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ACCOUNT_INTEL_DB_BUSY_TIMEOUT_SECONDS", "0.2")
    with held(demo):
        for command in READS:
            code, output = run_main([*command, "--db", url(demo)], capsys, monkeypatch)
            assert code == 0, (command, output)


def test_the_holder_is_read_from_the_kernel_lock_table(demo: Path, tmp_path: Path) -> None:
    stat = demo.stat()
    device = f"{os.major(stat.st_dev):02x}:{os.minor(stat.st_dev):02x}:{stat.st_ino}"
    locks = tmp_path / "locks"
    locks.write_text(
        f"1: POSIX  ADVISORY  READ 4242 {device} 1073741826 1073742335\n"
        f"2: -> POSIX  ADVISORY  WRITE 4343 {device} 1073741825 1073741825\n"
        f"3: POSIX  ADVISORY  WRITE 4444 {device} 1073741825 1073741825\n"
    )
    assert lock_holder(demo, locks=locks) == "process 4444"
    locks.write_text(f"1: POSIX  ADVISORY  READ 4242 {device} 1073741826 1073742335\n")
    assert lock_holder(demo, locks=locks) is None
    assert lock_holder(demo, locks=tmp_path / "no-such-table") is None


# --- read-only stores: reads work, writes are one line, and a run resumes once it is writable ---------------------


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make the store file unwritable for this process: chmod, or the immutable flag for root, whom chmod won't stop."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(0o644)
        return
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)]).returncode != 0:
        pytest.skip("running as root without `chattr +i` on this file system: no way to make a file read-only")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def test_read_commands_work_on_a_read_only_store_and_change_nothing(
    demo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = demo.read_bytes()
    with read_only(demo):
        for command in READS:
            code, output = run_main([*command, "--db", url(demo)], capsys, monkeypatch)
            assert code == 0, (command, output)
    assert demo.read_bytes() == before


def test_a_command_that_writes_a_read_only_store_is_one_line_then_runs_once_writable(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = demo.read_bytes()
    with read_only(demo):
        for command in WRITES:
            line = error_line(*run_main([*command, "--db", url(demo)], capsys, monkeypatch))
            assert f"{demo} is read-only" in line and "writable" in line, command
    assert demo.read_bytes() == before
    assert not (tmp_path / "demo.db.checkpoints.sqlite").exists()
    assert run_main(["run", "weekly", "--db", url(demo)], capsys, monkeypatch)[0] == 0
    no_duplicates(demo)


def test_a_store_that_turns_read_only_under_a_run_is_one_line_and_the_rerun_resumes(
    demo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = sqlite3.connect

    def read_only_connect(database: Any, *args: Any, **kwargs: Any) -> sqlite3.Connection:
        if str(database).endswith("demo.db"):
            return real(f"{Path(database).resolve().as_uri()}?mode=ro", *args, **{**kwargs, "uri": True})
        return real(database, *args, **kwargs)

    patch_connect(monkeypatch, read_only_connect)
    for command in (["brief", "TechFlow"], ["run", "weekly"]):
        line = error_line(*run_main([*command, "--db", url(demo)], capsys, monkeypatch))
        assert f"{demo} is read-only" in line and "rerun the same command" in line
    patch_connect(monkeypatch, real)
    assert run_main(["run", "weekly", "--db", url(demo)], capsys, monkeypatch)[0] == 0
    no_duplicates(demo)


# --- a full disk: the store cannot grow, or a deliverable cannot be written --------------------------------------


def test_a_full_store_is_one_line_and_the_rerun_after_freeing_space_resumes(
    demo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = sqlite3.connect

    def full_connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn = real(*args, **kwargs)
        conn.execute("PRAGMA max_page_count = 1")  # SQLite keeps the current size: nothing may grow, as on a full disk
        return conn

    patch_connect(monkeypatch, full_connect)
    for command in (["brief", "TechFlow"], ["run", "weekly"]):
        line = error_line(*run_main([*command, "--db", url(demo)], capsys, monkeypatch))
        assert "is full (database or disk is full)" in line and "Free disk space" in line, line
    patch_connect(monkeypatch, real)
    assert run_main(["run", "weekly", "--db", url(demo)], capsys, monkeypatch)[0] == 0
    assert run_main(["brief", "TechFlow", "--db", url(demo)], capsys, monkeypatch)[0] == 0
    no_duplicates(demo)


def test_a_full_disk_while_writing_a_deliverable_is_one_line_naming_it_and_the_rerun_resumes(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = Path.write_text

    def disk_full(self: Path, *args: Any, **kwargs: Any) -> int:
        if self.suffix in (".md", ".json"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # as write() raises it: no file name
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", disk_full)
    for command in (["brief", "TechFlow"], ["run", "weekly"]):
        line = error_line(*run_main([*command, "--db", url(demo), "--json"], capsys, monkeypatch))
        assert "Could not write " in line and str(tmp_path / "home" / "runs") in line, line
        assert "No space left on device" in line and "Free disk space" in line
    monkeypatch.setattr(Path, "write_text", real)
    code, out = run_main(["run", "weekly", "--db", url(demo), "--json"], capsys, monkeypatch)
    assert code == 0, out
    assert json.loads(out)["failures"] == []
    assert run_main(["brief", "TechFlow", "--db", url(demo)], capsys, monkeypatch)[0] == 0
    no_duplicates(demo)


@pytest.mark.skipif(not PG_URL, reason="needs a PostgreSQL server (ACCOUNT_INTEL_TEST_PG_URL)")
def test_a_locked_postgresql_store_waits_the_busy_timeout_then_is_one_line(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from sqlalchemy import create_engine, text

    from account_intel.store.engine import Store

    Store(db_url).dispose()
    monkeypatch.setenv("ACCOUNT_INTEL_DB_BUSY_TIMEOUT_SECONDS", "0.2")
    engine = create_engine(db_url)
    with engine.connect() as conn:
        conn.execute(text("LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE"))
        line = error_line(*run_main(["accounts", "list", "--db", db_url], capsys, monkeypatch))
    engine.dispose()
    assert "is locked by another program" in line and "0.2 s" in line and "@127.0.0.1" in line
