"""A store that fails under a command (locked, read-only, full, unreadable) becomes one StoreFault naming it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from account_intel.errors import StoreFault
from account_intel.store.lock_holder import lock_holder

if TYPE_CHECKING:
    from sqlalchemy import Engine

DEFAULT_BUSY_TIMEOUT_SECONDS = 30.0
TIMEOUT_SETTING = "ACCOUNT_INTEL_DB_BUSY_TIMEOUT_SECONDS"
RERUN = "then rerun the same command (what was saved before is kept, and the run picks up from there)"

# SQLite primary result codes and PostgreSQL SQLSTATEs, by the kind of fault they are
SQLITE_KINDS = {5: "locked", 6: "locked", 8: "read_only", 10: "io", 11: "damaged", 13: "full", 14: "io", 26: "damaged"}
POSTGRES_KINDS = {"55P03": "locked", "25006": "read_only", "53100": "full", "53000": "full", "58030": "io"}


@dataclass(frozen=True)
class StoreLocation:
    """How messages name a store, its SQLite file (None for a server) and how long a lock is waited for."""

    where: str
    path: Path | None
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT_SECONDS


def fault_kind(error: BaseException) -> str | None:
    """The kind of store fault a DB-API error is (locked, read_only, full, io, damaged), or None for another error."""
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int):
        return SQLITE_KINDS.get(code & 0xFF)
    sqlstate = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    if isinstance(sqlstate, str):
        return POSTGRES_KINDS.get(sqlstate)
    return None


def store_fault(error: BaseException, location: StoreLocation) -> StoreFault | None:
    """The StoreFault for a DB-API error raised by the store at `location`, or None when it is no store fault."""
    kind = fault_kind(error)
    if kind is None:
        return None
    where, detail = location.where, _first_line(error)
    if kind == "locked":
        holder = lock_holder(location.path) if location.path is not None else None
        message = (
            f"The store {where} is locked by {holder or 'another program'}; gave up after waiting "
            f"{location.busy_timeout:g} s. Rerun when it has finished, or wait longer with {TIMEOUT_SETTING}."
        )
    elif kind == "read_only":
        message = (
            f"The store {where} is read-only ({detail}), so this command cannot save anything. "
            f"Make it (and its folder) writable, {RERUN}."
        )
    elif kind == "full":
        message = f"The store {where} is full ({detail}); the step that failed was not saved. Free disk space, {RERUN}."
    elif kind == "damaged":
        message = f"The store {where} is damaged or not a SQLite database ({detail}). Restore it from a backup."
    else:
        message = f"The store {where} could not be read or written ({detail}). Check the disk and the file, {RERUN}."
    return StoreFault(message, kind=kind)


def watch(engine: Engine, location: StoreLocation) -> None:
    """Make every store fault of `engine` raise a StoreFault naming the store, in place of the driver's error."""
    from sqlalchemy import event

    @event.listens_for(engine, "handle_error")
    def _one_line(context: Any) -> None:
        fault = store_fault(context.original_exception, location)
        if fault is not None:
            raise fault from context.original_exception


def require_writable(location: StoreLocation) -> None:
    """Refuse, before anything runs, a SQLite store whose file or folder this process may not write."""
    path = location.path
    if path is None or not path.exists():
        return
    if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK | os.X_OK):
        what = "file" if not os.access(path, os.W_OK) else "folder"
        raise StoreFault(
            f"The store {location.where} is read-only (this user may not write its {what}), so this command "
            "cannot save anything; nothing was changed. Make it writable, or run a command that only reads.",
            kind="read_only",
        )


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
