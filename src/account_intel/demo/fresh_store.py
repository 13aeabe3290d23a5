"""Making the target store empty for the demo, without ever wiping someone's real data by accident.

A store that holds any account whose source is not "demo" (or a file that is not a store at all) is refused
unless forced. SQLite: the file and its -wal/-shm/-journal companions are deleted. PostgreSQL: every table
(alembic_version included) and the guard functions are dropped. Migrations then rebuild the schema.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, MetaData, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError

from account_intel.demo.catalog import DEMO_SOURCE
from account_intel.domain.wording import count
from account_intel.errors import DomainError, StoreError
from account_intel.store.engine import Store, make_engine
from account_intel.store.migrations.guards import POSTGRES_DROPS
from account_intel.store.probe import Found, Intent, parse_url, probe, require

ELSEWHERE = "Pass `--db sqlite:///path/demo.db` for a separate demo store, or `--force` to replace it."

SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def display_url(url: str) -> str:
    """The store URL with any password hidden."""
    return make_url(url).render_as_string(hide_password=True)


def foreign_accounts(engine: Engine) -> int:
    """How many accounts in the store did not come from the demo (0 for an empty database)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("accounts"):
            return 0
        return int(
            conn.execute(text("SELECT count(*) FROM accounts WHERE source <> :s"), {"s": DEMO_SOURCE}).scalar_one()
        )


def open_fresh_store(url: str, *, force: bool = False) -> Store:
    """Check the store is safe to wipe, wipe it, and return it migrated and empty."""
    parse_url(url)
    if not force:
        refuse_other_databases(url)
    engine = make_engine(url)
    try:
        try:
            foreign = foreign_accounts(engine)
        except DatabaseError as exc:
            if not force:
                raise DomainError(
                    f"{display_url(url)} is not an account-intel store ({exc.orig}). Pass "
                    "`--db sqlite:///path/demo.db` for a separate demo store, or `--force` to replace it."
                ) from None
            foreign = 0
        if foreign and not force:
            raise DomainError(
                f"{display_url(url)} holds {count(foreign, 'account')} that {'is' if foreign == 1 else 'are'} "
                "not demo data; the demo would erase them. "
                "Pass `--db sqlite:///path/demo.db` for a separate demo store, or `--force` to replace it."
            )
        if engine.dialect.name != "sqlite":
            _drop_everything(engine)
    finally:
        engine.dispose()
    if make_url(url).get_backend_name() == "sqlite":
        _delete_sqlite_files(url)
    return Store(url)


def refuse_other_databases(url: str) -> None:
    """Refuse a database that is not an account-intel store (another application's, not SQLite, unknown schema)."""
    try:
        found = probe(url)
        if found.found in (Found.FOREIGN, Found.UNKNOWN_REVISION):
            require(found, Intent.UPGRADE)
    except StoreError as exc:
        raise StoreError(f"{exc} {ELSEWHERE}") from None


def _delete_sqlite_files(url: str) -> None:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database).expanduser()
    for suffix in SQLITE_COMPANIONS:
        companion = path.with_name(path.name + suffix)
        companion.unlink(missing_ok=True)


def _drop_everything(engine: Engine) -> None:
    with engine.begin() as conn:
        metadata = MetaData()
        metadata.reflect(conn)
        metadata.drop_all(conn)  # triggers go with their tables
        for statement in POSTGRES_DROPS:
            if statement.startswith("DROP FUNCTION"):
                conn.execute(text(statement))
