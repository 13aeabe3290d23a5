"""The checkpointer follows the store: a SqliteSaver next to a SQLite store, a PostgresSaver for PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from langgraph.checkpoint.base import BaseCheckpointSaver
from sqlalchemy.engine import make_url

from account_intel.errors import DomainError
from account_intel.store.faults import DEFAULT_BUSY_TIMEOUT_SECONDS, StoreLocation, store_fault


def checkpoint_path(db_url: str, home: Path) -> Path:
    """Where a SQLite store keeps its checkpoints: `<store>.checkpoints.sqlite` beside it (or under home)."""
    url = make_url(db_url)
    if url.database and url.database != ":memory:":
        store = Path(url.database).expanduser()
        return store.with_name(store.name + ".checkpoints.sqlite")
    return Path(home).expanduser() / "checkpoints.sqlite"


@contextmanager
def open_checkpointer(
    db_url: str, home: Path, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT_SECONDS
) -> Iterator[BaseCheckpointSaver]:
    """A checkpointer for this store, closed on exit; a locked, read-only or full checkpoint file is a StoreFault."""
    url = make_url(db_url)
    if url.get_backend_name() == "postgresql":
        try:
            from langgraph.checkpoint.postgres import PostgresSaver
        except ImportError as exc:  # pragma: no cover - depends on the extra
            raise DomainError(
                "A PostgreSQL store needs the postgres extra: pip install 'account-intel[postgres]'."
            ) from exc
        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        with PostgresSaver.from_conn_string(conninfo) as saver:
            saver.setup()
            yield saver
        return
    from langgraph.checkpoint.sqlite import SqliteSaver

    path = checkpoint_path(db_url, home)
    location = StoreLocation(str(path), path, busy_timeout)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, check_same_thread=False, timeout=busy_timeout)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        yield SqliteSaver(conn)
    except sqlite3.Error as exc:
        fault = store_fault(exc, location)
        if fault is None:
            raise
        raise fault from exc
    finally:
        conn.close()
