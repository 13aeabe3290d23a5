"""Writing validated records: upserts in dependency order, one statement batch per entity, inside the caller's
transaction. Columns a source does not carry are left as they are on update."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from account_intel.importer.entities import ENTITIES
from account_intel.importer.references import Located
from account_intel.pipeline.stages import STAGE_PROBABILITY
from account_intel.store.bulk import bulk_upsert
from account_intel.store.models import Account

ACCOUNT_SOURCE = "import"


def _row(entity: str, values: dict[str, Any], *, created: dict[str, datetime], at: datetime) -> dict[str, Any]:
    """The row to upsert; accounts are marked as imported and keep the creation time they already have."""
    row = dict(values)
    if entity == "accounts":
        row["source"] = ACCOUNT_SOURCE
        row["created_at"] = created.get(row["id"], at)
        row.setdefault("attributes", {})
    if entity == "opportunities":
        row["updated_at"] = at
        if row.get("probability") is None and "stage" in row:
            row["probability"] = STAGE_PROBABILITY[row["stage"]]
    return row


def _account_created_at(session: Session, ids: list[str]) -> dict[str, datetime]:
    found: dict[str, datetime] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        stmt = select(Account.id, Account.created_at).where(Account.id.in_(chunk))
        found.update({account_id: created for account_id, created in session.execute(stmt)})
    return found


def _managers_first(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Users ordered so that a manager is written before the people who report to them."""
    pending = {row["id"]: row for row in rows}
    ordered: list[dict[str, Any]] = []
    while pending:
        ready = [r for r in pending.values() if r.get("manager_id") not in pending or r.get("manager_id") == r["id"]]
        ready = ready or list(pending.values())
        for row in ready:
            ordered.append(row)
            del pending[row["id"]]
    return ordered


def write_all(
    session: Session,
    keyed: dict[str, dict[tuple[Any, ...], Located]],
    existing: dict[str, set[tuple[Any, ...]]],
    *,
    at: datetime,
    advance: Callable[[int], None] | None = None,
) -> None:
    """Upsert every entity's records (parents before children); new accounts get `created_at` = `at`."""
    for spec in ENTITIES:
        records = keyed.get(spec.name)
        if not records:
            continue
        known = sorted(key[0] for key in existing[spec.name]) if spec.name == "accounts" else []
        created = _account_created_at(session, known)
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for _, record in records.values():
            row = _row(spec.name, record.values, created=created, at=at)
            groups[tuple(sorted(row))].append(row)
        for rows in groups.values():
            ordered = _managers_first(rows) if spec.name == "users" else rows
            bulk_upsert(session, spec.table, ordered, key=list(spec.key))
        if advance is not None:
            advance(len(records))
