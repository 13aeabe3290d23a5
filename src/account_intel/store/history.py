"""Dated changes of undated values: record one, and read each entity's value on a date."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from account_intel.store.models import FieldChange

TRACKED = {
    "account": ("tier", "tier_override", "tier_override_reason"),
    "contact": ("active", "do_not_contact"),
}


def as_text(value: Any) -> str | None:
    """A value as it is stored in the history: enums by value, flags as true/false."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def record_change(
    session: Session,
    *,
    account_id: str,
    entity_type: str,
    entity_id: str,
    field: str,
    old: Any,
    new: Any,
    effective_on: date,
    at: datetime,
) -> FieldChange | None:
    """Record that `field` went from `old` to `new` on `effective_on`; nothing when the value did not change."""
    if field not in TRACKED[entity_type]:
        raise ValueError(f"{entity_type}.{field} has no history")
    old_text, new_text = as_text(old), as_text(new)
    if old_text == new_text:
        return None
    change = FieldChange(
        account_id=account_id,
        entity_type=entity_type,
        entity_id=entity_id,
        field=field,
        old_value=old_text,
        new_value=new_text,
        effective_on=effective_on,
        recorded_at=at,
    )
    session.add(change)
    return change


def values_on(
    session: Session, *, entity_type: str, field: str, day: date, accounts: ColumnElement[bool]
) -> dict[str, str | None]:
    """The value of `field` on `day` for every entity with history, of the accounts `accounts` selects.

    The last change dated on or before the day gives its new value; with none, the first later change gives the
    value it replaced. Entities without history are left out: their current value is known since they were created.
    """
    rows = session.connection().execute(
        select(FieldChange.entity_id, FieldChange.effective_on, FieldChange.old_value, FieldChange.new_value)
        .where(FieldChange.entity_type == entity_type, FieldChange.field == field, accounts)
        .order_by(FieldChange.entity_id, FieldChange.effective_on, FieldChange.id)
    )
    return resolve(rows, day)


def resolve(rows: Iterable[Any], day: date) -> dict[str, str | None]:
    """Each entity's value on `day` from its changes (entity id, effective on, old, new), in date order."""
    out: dict[str, str | None] = {}
    settled: set[str] = set()
    for entity_id, effective_on, old, new in rows:
        if entity_id in settled:
            continue
        if effective_on <= day:
            out[entity_id] = new
        elif entity_id in out:
            settled.add(entity_id)
        else:
            out[entity_id] = old
            settled.add(entity_id)
    return out
