"""Engines and sessions for the store; the schema is brought up to date by Alembic on first use, or checked first."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from account_intel.store.faults import DEFAULT_BUSY_TIMEOUT_SECONDS, StoreLocation, require_writable, watch
from account_intel.store.probe import Intent, probe, require, sqlite_path

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")


def make_engine(
    url: str, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT_SECONDS, read_only: bool = False, **kwargs: Any
) -> Engine:
    """Create an engine that waits `busy_timeout` for a lock and turns store faults into StoreFault.

    SQLite gets its folder created, foreign keys on and WAL, or, read-only, a connection that cannot write.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_path(parsed)
        if read_only and path is not None:
            uri = f"{path.resolve().as_uri()}?mode=ro"
            kwargs.setdefault(
                "creator", lambda: sqlite3.connect(uri, uri=True, timeout=busy_timeout, check_same_thread=False)
            )
        elif path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": busy_timeout})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if not read_only:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        named = parsed.database if parsed.database not in (None, "", ":memory:") else "an in-memory SQLite database"
        watch(engine, StoreLocation(str(path or named), path, busy_timeout))
        return engine
    if parsed.get_backend_name() == "postgresql" and "options" not in parsed.query:
        lock_ms = max(1, round(busy_timeout * 1000))
        kwargs.setdefault("connect_args", {"options": f"-c lock_timeout={lock_ms}"})
    engine = create_engine(url, pool_pre_ping=True, **kwargs)
    watch(engine, StoreLocation(parsed.render_as_string(hide_password=True), None, busy_timeout))
    return engine


def alembic_config(engine: Engine) -> Config:
    """An Alembic config that runs this package's migrations on `engine`."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    """The newest revision this package knows."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def upgrade(engine: Engine) -> str | None:
    """Apply every pending migration; return the revision reached."""
    from alembic import command

    command.upgrade(alembic_config(engine), "head")
    return current_revision(engine)


def ensure_schema(engine: Engine) -> None:
    """Upgrade on first use: a store behind the package's head is migrated before it is used."""
    if current_revision(engine) != head_revision(engine):
        upgrade(engine)


class Store:
    """An engine and its session factory, with the schema checked once."""

    def __init__(
        self,
        url: str,
        *,
        migrate: bool = True,
        read_only: bool = False,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT_SECONDS,
        **engine_kwargs: Any,
    ) -> None:
        self.url = url
        self.read_only = read_only
        self.busy_timeout = busy_timeout
        self.engine = make_engine(url, busy_timeout=busy_timeout, read_only=read_only, **engine_kwargs)
        if migrate:
            ensure_schema(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def open(
        cls,
        url: str,
        intent: Intent = Intent.USE,
        *,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT_SECONDS,
        **engine_kwargs: Any,
    ) -> Store:
        """Open a store only as `intent` allows; anything else is refused with nothing created or changed.

        A store opened to read cannot write; one opened to change it must be writable before anything runs.
        """
        found = probe(url, busy_timeout=busy_timeout)
        require(found, intent)
        if intent is not Intent.READ:
            require_writable(StoreLocation(found.where, found.path, busy_timeout))
        return cls(
            url,
            migrate=intent not in (Intent.USE, Intent.READ),
            read_only=intent is Intent.READ,
            busy_timeout=busy_timeout,
            **engine_kwargs,
        )

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits together or not at all."""
        with self.sessions.begin() as session:
            yield session

    @property
    def dialect(self) -> str:
        """The database dialect name (`sqlite`, `postgresql`)."""
        return self.engine.dialect.name

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
