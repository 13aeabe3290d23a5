"""The store's data date: the day its data runs to, which commands default to without `--as-of`."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from account_intel.store.models import StoreMeta


def data_as_of(session: Session) -> date | None:
    """The recorded data date, or None when nothing recorded one."""
    meta = session.get(StoreMeta, 1)
    return meta.data_as_of if meta is not None else None


def record_data_as_of(session: Session, *, day: date, source: str, at: datetime) -> None:
    """Record the date the store's data runs to, and what set it (demo, import)."""
    meta = session.get(StoreMeta, 1)
    if meta is None:
        meta = StoreMeta(id=1)
        session.add(meta)
    meta.data_as_of, meta.data_as_of_source, meta.updated_at = day, source, at


def data_as_of_source(session: Session) -> str | None:
    """What recorded the data date (demo, import), or None."""
    meta = session.get(StoreMeta, 1)
    return meta.data_as_of_source if meta is not None else None
