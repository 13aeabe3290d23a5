"""Set-based writes for large loads: batched multi-row INSERTs and dialect-native upserts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import islice
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

Row = Mapping[str, Any]


def batches(rows: Iterable[Row], size: int) -> Iterable[list[Row]]:
    """Split an iterable of rows into lists of at most `size`."""
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def bulk_insert(session: Session, table: Table, rows: Iterable[Row], *, batch_size: int = 5000) -> int:
    """Insert rows through Core executemany (no ORM objects); return how many were written."""
    written = 0
    for chunk in batches(rows, batch_size):
        session.execute(table.insert(), chunk)
        written += len(chunk)
    return written


def bulk_upsert(
    session: Session,
    table: Table,
    rows: Iterable[Row],
    *,
    key: Sequence[str],
    batch_size: int = 2000,
) -> int:
    """Insert rows, or update the existing row with the same `key` columns (idempotent re-imports)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    written = 0
    for chunk in batches(rows, batch_size):
        stmt = insert(table)
        columns = [name for name in chunk[0] if name not in key]
        if columns:
            stmt = stmt.on_conflict_do_update(index_elements=list(key), set_={c: stmt.excluded[c] for c in columns})
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=list(key))
        session.execute(stmt, chunk)
        written += len(chunk)
    return written
