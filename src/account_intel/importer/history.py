"""Dated history of the undated values an import changes: tier overrides, contacts' active and do-not-contact flags."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from account_intel.importer.references import Located
from account_intel.store.history import record_change
from account_intel.store.models import Account, Contact

_TRACKED: dict[str, tuple[str, Any, tuple[str, ...]]] = {
    "accounts": ("account", Account, ("tier_override", "tier_override_reason")),
    "contacts": ("contact", Contact, ("active", "do_not_contact")),
}
Before = dict[tuple[str, str], tuple[str, dict[str, Any]]]


def values_before(
    session: Session, keyed: dict[str, dict[tuple[Any, ...], Located]], existing: dict[str, set[tuple[Any, ...]]]
) -> Before:
    """The stored values of the tracked fields of the rows the import updates, read before it writes."""
    out: Before = {}
    for name, (entity, model, fields) in _TRACKED.items():
        ids = sorted(key[0] for key in existing.get(name, ()) if key in keyed.get(name, {}))
        account_column = model.id if model is Account else model.account_id
        for start in range(0, len(ids), 500):
            stmt = select(model.id, account_column, *(getattr(model, f) for f in fields)).where(
                model.id.in_(ids[start : start + 500])
            )
            for row in session.execute(stmt):
                out[(entity, row[0])] = (row[1], dict(zip(fields, row[2:], strict=True)))
    return out


def record_changes(
    session: Session, keyed: dict[str, dict[tuple[Any, ...], Located]], before: Before, *, day: date, at: datetime
) -> int:
    """Record each tracked value the import changed, effective on the import's snapshot date; how many."""
    written = 0
    for name, (entity, _, fields) in _TRACKED.items():
        for key, (_, record) in keyed.get(name, {}).items():
            known = before.get((entity, key[0]))
            if known is None:
                continue
            account_id, old = known
            for field in fields:
                if field in record.values and record_change(
                    session,
                    account_id=account_id,
                    entity_type=entity,
                    entity_id=key[0],
                    field=field,
                    old=old[field],
                    new=record.values[field],
                    effective_on=day,
                    at=at,
                ):
                    written += 1
    return written
