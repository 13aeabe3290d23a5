"""Loading a generated portfolio: Core executemany in chunks of accounts, then set-based ARR, tier and segment.

Memory stays flat whatever the size: rows exist only for the few chunks in flight.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, inspect, select, text, update
from sqlalchemy.exc import SAWarning
from sqlalchemy.orm import Session

from account_intel.analytics.signals.mention_store import derive_mentions
from account_intel.analytics.signals.text_matcher import default_matcher
from account_intel.clock import FixedClock
from account_intel.demo.portfolio import DemoSpec
from account_intel.demo.producer import generate_chunks, generate_chunks_in_background
from account_intel.demo.rows import INSERT_ORDER
from account_intel.domain.tiering import Thresholds, segment_for_arr, tier_for_arr
from account_intel.store.accounts import arr_by_account
from account_intel.store.base import Base
from account_intel.store.bulk import batches, bulk_insert
from account_intel.store.data_date import record_data_as_of
from account_intel.store.models import Account, IdSequence

CHUNK_ACCOUNTS = 500
SQLITE_CACHE_KIB = 128 * 1024
ZERO = Decimal("0.00")
# The pipeline numbers EXP-YYYY-NNNN from the sequence `expansion:YYYY` (pipeline/ids.py). The RetailCo story's
# next expansion is EXP-2024-0847, so new ids in the as-of year start there (or after the demo's own ids).
OPPORTUNITY_SEQUENCE = "expansion:{year}"
STORY_NEXT_OPPORTUNITY = 847

# Tables that take many rows: their non-unique indexes are built after the load, not row by row
BULK_TABLES = (
    "usage_metrics", "activities", "activity_contacts", "support_tickets", "survey_responses", "contacts",
    "contract_lines", "departments", "geographies", "qbrs", "org_events", "contracts", "accounts",
)  # fmt: skip

Progress = Callable[[int], None]


@dataclass
class LoadReport:
    """What a load wrote and how long it took."""

    accounts: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    generate_and_insert_seconds: float = 0.0
    derive_seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        """Rows written over every table."""
        return sum(self.rows.values())


def load_portfolio(
    session: Session,
    spec: DemoSpec,
    *,
    thresholds: Thresholds,
    on_progress: Progress | None = None,
    chunk_accounts: int = CHUNK_ACCOUNTS,
    background: bool = False,
) -> LoadReport:
    """Generate the portfolio of `spec` and write it in the caller's transaction; derive ARR, tier and segment.

    `background`: generate in a spawned helper process while writing (see `producer.use_background`); the
    calling program's main module must then be import-safe (an `if __name__ == "__main__":` guard).
    """
    report = LoadReport()
    started = time.perf_counter()
    if session.get_bind().dialect.name == "sqlite":
        _tune_sqlite_for_bulk_load(session)
    with deferred_indexes(session, BULK_TABLES):
        opportunities = _generate_and_insert(session, spec, report, on_progress, chunk_accounts, background)
    report.generate_and_insert_seconds = time.perf_counter() - started
    started = time.perf_counter()
    refresh_arr(session, as_of=spec.as_of, thresholds=thresholds)
    derive_mentions(session, default_matcher())
    record_data_as_of(session, day=spec.as_of, source="demo", at=FixedClock.on(spec.as_of).now())
    report.rows["id_sequences"] = _seed_opportunity_sequences(session, opportunities, spec.as_of)
    report.derive_seconds = time.perf_counter() - started
    return report


def _generate_and_insert(
    session: Session,
    spec: DemoSpec,
    report: LoadReport,
    on_progress: Progress | None,
    chunk_accounts: int,
    background: bool,
) -> dict[int, int]:
    """Write every chunk as it comes; return the highest opportunity number used per year."""
    chunks = generate_chunks_in_background if background else generate_chunks
    numbers: dict[int, int] = {}
    for chunk in chunks(spec, chunk_accounts):
        for name in INSERT_ORDER:
            if chunk.rows.get(name):
                written = bulk_insert(session, Base.metadata.tables[name], chunk.rows[name])
                report.rows[name] = report.rows.get(name, 0) + written
        report.accounts += chunk.accounts
        if on_progress and chunk.accounts:
            on_progress(chunk.accounts)
        numbers = chunk.opportunity_numbers or numbers
    return numbers


@contextmanager
def deferred_indexes(session: Session, tables: tuple[str, ...]) -> Iterator[None]:
    """Drop the tables' non-unique indexes for the load and build them again after (same transaction).

    Building an index once over sorted keys is cheaper than updating it row by row; unique indexes stay, so
    constraints hold throughout. The indexes are read from the database, so this follows any migration; column
    indexes are deferred, partial ones with their WHERE (expression indexes, or other options, stay as they are).
    """
    inspector = inspect(session.connection())
    with warnings.catch_warnings():  # expression indexes (lower(email)) are not reflected; they stay as they are
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index", SAWarning)
        present = [table for table in tables if inspector.has_table(table)]
        found = [(table, index) for table in present for index in inspector.get_indexes(table)]
    dropped = [
        (table, index["name"], index["column_names"], _where(index))
        for table, index in found
        if not index["unique"] and index["name"] and all(index["column_names"]) and _deferrable(index)
    ]
    for _, name, _, _ in dropped:
        session.execute(text(f'DROP INDEX "{name}"'))
    yield
    for table, name, columns, where in dropped:
        quoted = ", ".join(f'"{column}"' for column in columns)
        session.execute(text(f'CREATE INDEX "{name}" ON "{table}" ({quoted})' + (f" WHERE {where}" if where else "")))


def _where(index: Any) -> str | None:
    """The WHERE of a partial index, as SQL text (None for a full index)."""
    for key, value in index.get("dialect_options", {}).items():
        if key.endswith("_where") and value is not None:
            return str(value)
    return None


def _deferrable(index: Any) -> bool:
    """No dialect option other than a partial index's WHERE."""
    options = index.get("dialect_options", {})
    return all(key.endswith("_where") or not value for key, value in options.items())


def refresh_arr(session: Session, *, as_of: date, thresholds: Thresholds, batch_size: int = 5_000) -> int:
    """Set ARR, tier and segment of every account from its contract lines, set-based; return accounts updated.

    Same rules as `store.accounts.recalculate_accounts` (a manual tier override wins) without loading ORM
    objects or writing events: one aggregate query, then a batched executemany UPDATE.
    """
    arr = arr_by_account(session, as_of)
    table = Account.__table__
    stmt = (
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(
            arr=bindparam("b_arr"),
            arr_as_of=bindparam("b_as_of"),
            tier=bindparam("b_tier"),
            segment=bindparam("b_segment"),
        )
    )
    params = (
        {
            "b_id": account_id,
            "b_arr": arr.get(account_id, ZERO),
            "b_as_of": as_of,
            "b_tier": override or tier_for_arr(arr.get(account_id, ZERO), thresholds),
            "b_segment": segment_for_arr(arr.get(account_id, ZERO), thresholds),
        }
        for account_id, override in session.execute(select(table.c.id, table.c.tier_override))
    )
    updated = 0
    for chunk in batches(list(params), batch_size):
        session.execute(stmt, chunk)
        updated += len(chunk)
    return updated


def _tune_sqlite_for_bulk_load(session: Session) -> None:
    """Settings of this connection for one large write (the next connection gets engine.py's settings again).

    A rollback journal instead of WAL: pages appended to a fresh file are written once, not to the WAL and then
    again at checkpoint (measured: same CPU, less than half the wall time). Only possible before the
    transaction has written; otherwise the load simply stays in WAL mode. A larger page cache keeps hot index
    pages in memory.
    """
    session.execute(text("PRAGMA journal_mode=DELETE"))
    session.execute(text(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}"))


def _seed_opportunity_sequences(session: Session, highest: dict[int, int], as_of: date) -> int:
    """Start each year's opportunity counter after the demo's ids (and the as-of year at the story's next id)."""
    highest = dict(highest)
    highest[as_of.year] = max(highest.get(as_of.year, 0), STORY_NEXT_OPPORTUNITY - 1)
    rows = [{"name": OPPORTUNITY_SEQUENCE.format(year=year), "value": v} for year, v in sorted(highest.items())]
    return bulk_insert(session, IdSequence.__table__, rows)
