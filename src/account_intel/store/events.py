"""Writing to the append-only event log."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from account_intel.store.models import Event


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime) or hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


def record_event(
    session: Session,
    *,
    kind: str,
    at: datetime,
    account_id: str | None = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
    actor: str | None = None,
    payload: dict[str, Any] | None = None,
    dedupe_key: str | None = None,
) -> Event:
    """Append one event in the caller's transaction; money goes in as strings, never floats. An event with a
    `dedupe_key` happens once: the database refuses a second one with the same key."""
    event = Event(
        occurred_at=at,
        kind=kind,
        account_id=account_id,
        entity_type=entity_type,
        entity_id=entity_id,
        actor=actor,
        payload=_jsonable(payload or {}),
        dedupe_key=dedupe_key,
    )
    session.add(event)
    return event


def list_events(
    session: Session, *, account_id: str | None = None, kind: str | None = None, limit: int | None = None
) -> list[Event]:
    """Events in the order they were written, optionally for one account or of one kind."""
    stmt = select(Event).order_by(Event.id)
    if account_id is not None:
        stmt = stmt.where(Event.account_id == account_id)
    if kind is not None:
        stmt = stmt.where(Event.kind == kind)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))
