"""What a store URL points at, found without changing it: nothing, an empty database, another application's, or ours."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from account_intel.domain.wording import count
from account_intel.errors import StoreError
from account_intel.store.faults import DEFAULT_BUSY_TIMEOUT_SECONDS, StoreLocation, store_fault

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

VERSIONS = Path(__file__).with_name("migrations") / "versions"
SQLITE_MAGIC = b"SQLite format 3\x00"
WAL_VERSIONS = b"\x02\x02"  # header bytes 18-19 of a database in WAL mode
URL_EXAMPLES = "use sqlite:///path/to/store.db or postgresql+psycopg://user@host/db."
_REVISION = re.compile(r'^(down_)?revision: str(?: \| None)? = (None|"([^"]+)")', re.MULTILINE)


class Found(StrEnum):
    """What a probe found at a URL."""

    MISSING = "missing"
    EMPTY = "empty"
    FOREIGN = "foreign"
    UNKNOWN_REVISION = "unknown_revision"
    BEHIND = "behind"
    CURRENT = "current"


class Intent(StrEnum):
    """Why a command opens the store, which decides what it may find there."""

    READ = "read"
    USE = "use"
    CREATE = "create"
    UPGRADE = "upgrade"


ALLOWED: dict[Intent, frozenset[Found]] = {
    Intent.READ: frozenset({Found.CURRENT}),
    Intent.USE: frozenset({Found.CURRENT}),
    Intent.CREATE: frozenset({Found.MISSING, Found.EMPTY, Found.CURRENT}),
    Intent.UPGRADE: frozenset({Found.MISSING, Found.EMPTY, Found.BEHIND, Found.CURRENT}),
}


@dataclass(frozen=True)
class Probe:
    """The result of looking at a store URL: what is there, its revision and a name for messages."""

    found: Found
    where: str
    revision: str | None = None
    tables: tuple[str, ...] = ()
    path: Path | None = None

    @property
    def head(self) -> str:
        """The newest revision this package knows."""
        return known_revisions()[-1]


def known_revisions() -> list[str]:
    """This package's migration revisions, oldest first, read from the version files without loading Alembic."""
    parents: dict[str, str | None] = {}
    for path in VERSIONS.glob("*.py"):
        found = {bool(m.group(1)): m.group(3) for m in _REVISION.finditer(path.read_text(encoding="utf-8"))}
        if found.get(False):
            parents[found[False]] = found.get(True)
    children = {parent: child for child, parent in parents.items()}
    chain, current = [], children.get(None)
    while current is not None:
        chain.append(current)
        current = children.get(current)
    return chain


def parse_url(url: str) -> URL:
    """The parsed URL; a malformed one is a StoreError naming it."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"'{url}' is not a database URL; {URL_EXAMPLES}") from None
    try:
        parsed.get_dialect()
    except (NoSuchModuleError, ImportError):
        where = parsed.render_as_string(hide_password=True)
        raise StoreError(f"'{where}' names a kind of database this installation cannot open; {URL_EXAMPLES}") from None
    return parsed


def sqlite_path(url: URL) -> Path | None:
    """The file of a SQLite URL, or None for an in-memory or URI-style database."""
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def probe(url: str, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT_SECONDS) -> Probe:
    """Look at the database behind `url` without creating, migrating or changing anything."""
    parsed = parse_url(url)
    path = sqlite_path(parsed) if parsed.get_backend_name() == "sqlite" else None
    if path is not None:
        location = StoreLocation(str(path), path, busy_timeout)
        return replace(_classify(str(path), *_read_sqlite_file(path, location)), path=path)
    in_memory = parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")
    where = "an in-memory SQLite database" if in_memory else parsed.render_as_string(hide_password=True)
    return _classify(where, *_read_with_sqlalchemy(url, where))


def require(found: Probe, intent: Intent) -> None:
    """Refuse, with one line a user can act on, a store the intent may not use."""
    if found.found in ALLOWED[intent]:
        return
    where, revision, head = found.where, found.revision, found.head
    tables = ", ".join(found.tables[:3]) + (", ..." if len(found.tables) > 3 else "")
    messages = {
        Found.MISSING: f"No store at {where}. Run `account-intel demo` to build one, or check --db.",
        Found.EMPTY: f"{where[0].upper()}{where[1:]} is an empty database, not an account-intel store. "
        "Run `account-intel db upgrade` to create one there, or check --db.",
        Found.FOREIGN: f"{where} is not an account-intel store: it holds {count(len(found.tables), 'table', zero='0')} "
        f"of another application ({tables}); nothing was changed. Check --db.",
        Found.UNKNOWN_REVISION: f"{where} is at schema revision '{revision}', which this version of account-intel "
        f"does not know (newest: {head}); nothing was changed. Check --db, or upgrade account-intel.",
        Found.BEHIND: f"The store {where} is at schema revision {revision}; this version needs {head}. "
        "Run `account-intel db upgrade` to migrate it.",
    }
    raise StoreError(messages[found.found])


def _read_sqlite_file(path: Path, location: StoreLocation) -> tuple[tuple[str, ...] | None, str | None]:
    if not path.exists():
        return None, None
    if path.is_dir():
        raise StoreError(f"{path} is a folder, not a store file. Check --db.")
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_MAGIC) + 4)
    if not header:
        raise StoreError(f"{path} is an empty file (0 bytes), not an account-intel store; nothing was changed.")
    if header[: len(SQLITE_MAGIC)] != SQLITE_MAGIC:
        raise StoreError(f"{path} is not a SQLite database, so not an account-intel store; nothing was changed.")
    # a WAL file that no one is writing (no -wal beside it) is read as it is, so no -wal or -shm is left beside it
    idle_wal = header[18:20] == WAL_VERSIONS and not path.with_name(path.name + "-wal").exists()
    try:
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro{'&immutable=1' if idle_wal else ''}",
            uri=True,
            timeout=location.busy_timeout,
        )
    except sqlite3.Error as exc:
        raise StoreError(f"Cannot open {path}: {exc}.") from None
    try:
        tables = tuple(r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"))
        revision = None
        if "alembic_version" in tables:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
    except sqlite3.DatabaseError as exc:
        fault = store_fault(exc, location)
        if fault is not None and fault.kind in ("locked", "io"):
            raise fault from None
        raise StoreError(f"{path} is not a readable SQLite database ({exc}); nothing was changed.") from None
    finally:
        conn.close()
    return tables, revision


def _read_with_sqlalchemy(url: str, where: str) -> tuple[tuple[str, ...] | None, str | None]:
    from sqlalchemy import create_engine, inspect, text
    from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

    try:
        engine = create_engine(url)
    except (NoSuchModuleError, ImportError, ArgumentError) as exc:
        raise StoreError(f"'{where}' names a database this installation cannot open ({exc}); {URL_EXAMPLES}") from None
    try:
        with engine.connect() as conn:
            tables = tuple(sorted(inspect(conn).get_table_names()))
            revision = None
            if "alembic_version" in tables:
                revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError as exc:
        first = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
        raise StoreError(f"Cannot connect to {where}: {first}.") from None
    finally:
        engine.dispose()
    return tables, revision


def _classify(where: str, tables: tuple[str, ...] | None, revision: str | None) -> Probe:
    if tables is None:
        return Probe(Found.MISSING, where)
    if not tables:
        return Probe(Found.EMPTY, where)
    if revision is None:
        return Probe(Found.FOREIGN, where, tables=tables)
    known = known_revisions()
    if revision not in known:
        return Probe(Found.UNKNOWN_REVISION, where, revision=revision, tables=tables)
    found = Found.CURRENT if revision == known[-1] else Found.BEHIND
    return Probe(found, where, revision=revision, tables=tables)
