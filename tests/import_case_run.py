"""Running one generated import case through the CLI and judging it against its oracle.

A case is files (bytes), an optional mapping, and either the values the store must hold afterwards or the cell
the import must name when it refuses. The outcome is one of OUTCOMES; only `round_trip` and `clear_error` pass.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from typer.testing import CliRunner

from account_intel.cli.app import app
from account_intel.importer.entities import ENTITIES
from account_intel.store.engine import make_engine

CANONICAL = Path(__file__).parent / "fixtures" / "import" / "canonical"
SNAPSHOT = "2024-11-30"
DNC_CONTACT = "P-GLOBEX-DNC"  # a contact the base store holds with do_not_contact = true
BASE_EXTRA = {
    "contacts.csv": "id,account_id,name,do_not_contact,active\nP-GLOBEX-DNC,GLOBEX,Rae Quist,true,true\n",
}
DERIVED = {"accounts": {"arr", "arr_as_of", "tier", "segment", "source"}}  # columns an import derives
OUTCOMES = (
    "round_trip",
    "clear_error",
    "unclear_error",
    "wrong_refusal",
    "crash",
    "partial_write",
    "silent_change",
    "data_loss",
)
PASSING = {"round_trip", "clear_error"}
_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff\u00ad]")
Dump = dict[str, dict[tuple[Any, ...], dict[str, Any]]]


def shown(text: str) -> str:
    """Text as an error message must spell it: invisible characters as \\uXXXX, undecodable bytes as \\xNN."""
    out = []
    for ch in text:
        if "\udc80" <= ch <= "\udcff":
            out.append(f"\\x{ord(ch) - 0xDC00:02x}")
        elif ch.isprintable() and not _INVISIBLE.match(ch):
            out.append(ch)
        else:
            out.append(f"\\u{ord(ch):04x}")
    return "".join(out)


@dataclass(frozen=True)
class Where:
    """The place a refusal must name: a file, and (when the rule concerns one) a line, a column and a value."""

    file: str
    line: int | None = None
    column: str | None = None
    value: str | None = None
    words: tuple[str, ...] = ()  # further text the message must hold (spelled as shown)

    def fragments(self) -> list[str]:
        """The pieces of text one error line must contain, in order."""
        parts = [self.file + (f" line {self.line}" if self.line is not None else "")]
        if self.column is not None:
            parts.append(f"column {shown(self.column)}")
        if self.value is not None:
            parts.append(f"value '{shown(self.value)}'")
        return parts + [shown(word) for word in self.words]


@dataclass
class Case:
    """One generated import: what is written, how it is imported, and what must come of it."""

    family: str
    files: dict[str, bytes]
    expect: Dump = field(default_factory=dict)  # table -> key -> column -> value, on success
    error: Where | None = None
    mapping: bytes | None = None
    mapping_name: str = "mapping.yaml"
    folder: str = "export"


@dataclass(frozen=True)
class Outcome:
    """What came of a case, and why when it failed."""

    kind: str
    detail: str = ""

    @property
    def passed(self) -> bool:
        """Whether the case round-tripped or was refused clearly."""
        return self.kind in PASSING


runner = CliRunner()


def _invoke(folder: Path, db: Path, mapping: Path | None) -> Any:
    args = ["import", str(folder), "--db", f"sqlite:///{db}", "--snapshot-date", SNAPSHOT]
    if mapping is not None:
        args += ["--mapping", str(mapping)]
    return runner.invoke(app, args)


def build_base(directory: Path) -> Path:
    """A store holding the canonical example files and one do-not-contact contact."""
    db = directory / "base.db"
    assert _invoke(CANONICAL, db, None).exit_code == 0
    extra = directory / "extra"
    extra.mkdir()
    for name, text in BASE_EXTRA.items():
        (extra / name).write_text(text)
    result = _invoke(extra, db, None)
    assert result.exit_code == 0, result.output
    return db


def dump(db: Path) -> Dump:
    """Every row of every importable table, typed as the store reads it, by primary key."""
    engine = make_engine(f"sqlite:///{db}")
    out: Dump = {}
    try:
        with engine.connect() as conn:
            for spec in ENTITIES:
                keys = [c.name for c in spec.table.primary_key.columns]
                rows = conn.execute(select(spec.table)).mappings()
                out[spec.table.name] = {tuple(row[k] for k in keys): dict(row) for row in rows}
    finally:
        engine.dispose()
    return out


def _write(case: Case, work: Path) -> tuple[Path, Path | None]:
    folder = work / case.folder
    folder.mkdir()
    for name, content in case.files.items():
        (folder / name).write_bytes(content)
    mapping = None
    if case.mapping is not None:
        mapping = work / case.mapping_name
        mapping.write_bytes(case.mapping)
    return folder, mapping


def _is_crash(result: Any) -> str | None:
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return f"{type(result.exception).__name__}: {result.exception}"
    if result.exit_code not in (0, 1) or "Traceback" in result.output:
        return f"exit {result.exit_code}: {result.output[-500:]}"
    return None


def _errors(output: str) -> str:
    """The error lines of the CLI's output (after its summary tables)."""
    at = max(output.find("Import failed"), output.find("Error:"))
    return output[at:] if at >= 0 else output[-1500:]


def _names(output: str, where: Where) -> bool:
    wanted = where.fragments()
    for line in output.splitlines():
        position = 0
        for fragment in wanted:
            found = line.find(fragment, position)
            if found < 0:
                break
            position = found + len(fragment)
        else:
            return True
    return False


def _compare(case: Case, before: Dump, after: Dump) -> Outcome:
    """Every expected value is stored exactly; every value the import does not carry is as it was."""
    for table, rows in after.items():
        derived = DERIVED.get(table, set())
        expected_rows = case.expect.get(table, {})
        for key, row in rows.items():
            wanted = expected_rows.get(key)
            old = before[table].get(key)
            if old is None and wanted is None:
                return Outcome("silent_change", f"{table} {key}: a row the case does not import appeared")
            for column, value in row.items():
                if wanted is not None and column in wanted:
                    expected = wanted[column]
                    if value != expected or type(value) is not type(expected):
                        return Outcome("silent_change", f"{table} {key} {column}: {value!r}, expected {expected!r}")
                elif old is not None and column not in derived and value != old[column]:
                    return Outcome("data_loss", f"{table} {key} {column}: {old[column]!r} became {value!r}")
        for key in expected_rows.keys() - rows.keys():
            return Outcome("silent_change", f"{table} {key}: expected row missing")
    return Outcome("round_trip")


def run_case(case: Case, base: Path, before: Dump) -> Outcome:
    """Import the case into a copy of the base store and judge what came of it."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        folder, mapping = _write(case, work)
        db = work / "store.db"
        shutil.copy(base, db)
        original = base.read_bytes()
        result = _invoke(folder, db, mapping)
        crash = _is_crash(result)
        if crash is not None:
            return Outcome("crash", crash)
        wal = db.with_name(db.name + "-wal")
        unchanged = db.read_bytes() == original and not (wal.exists() and wal.stat().st_size)
        if result.exit_code == 1:
            if not unchanged:
                return Outcome("partial_write", result.output[-500:])
            if case.error is None:
                return Outcome("wrong_refusal", _errors(result.output))
            if not _names(result.output, case.error):
                return Outcome("unclear_error", f"wanted {case.error.fragments()} in: {_errors(result.output)}")
            return Outcome("clear_error")
        if case.error is not None:
            return Outcome("silent_change", f"accepted, should name {case.error.fragments()}")
        return _compare(case, before, dump(db))
