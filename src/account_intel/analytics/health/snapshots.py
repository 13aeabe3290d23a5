"""Weekly health snapshots in the store: write (idempotent per account, ISO week and weight set) and read back.

Repository functions take a session and keyword-only arguments; the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import and_, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from account_intel.analytics.health.delta import to_snapshot_data, week_start
from account_intel.analytics.health.models import HealthResult, HealthSnapshotData
from account_intel.store.models import HealthSnapshot

CHUNK = 500


def _row(data: HealthSnapshotData) -> dict[str, object]:
    return {
        "account_id": data.account_id,
        "week": data.week,
        "as_of": data.as_of,
        "score": data.score,
        "band": data.band.value,
        "components": [c.model_dump(mode="json") for c in data.components],
        "weights_name": data.weights_name,
        "config_digest": data.config_digest,
    }


def _data(row: HealthSnapshot) -> HealthSnapshotData:
    return HealthSnapshotData(
        account_id=row.account_id,
        week=row.week,
        as_of=row.as_of,
        score=round(row.score, 1),
        band=row.band,  # type: ignore[arg-type]
        weights_name=row.weights_name,
        config_digest=row.config_digest,
        components=row.components,  # type: ignore[arg-type]
    )


def save_snapshots(
    session: Session, *, results: Iterable[HealthResult | HealthSnapshotData], at: datetime, week: date | None = None
) -> int:
    """Store results as this week's snapshots (insert, or replace the same account/week/weight set); return count.

    The week is each result's ISO week (Monday) unless `week` is given. Set-based: one upsert per chunk.
    """
    rows = []
    for item in results:
        data = to_snapshot_data(item, week) if isinstance(item, HealthResult) else item
        rows.append({**_row(data), "created_at": at, "updated_at": at})
    dialect = session.get_bind().dialect.name
    if dialect not in ("sqlite", "postgresql"):
        return _save_portable(session, rows)
    insert = sqlite_insert if dialect == "sqlite" else pg_insert
    for start in range(0, len(rows), CHUNK):
        stmt = insert(HealthSnapshot).values(rows[start : start + CHUNK])
        replaced = {key: stmt.excluded[key] for key in ("as_of", "score", "band", "components", "config_digest")}
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=["account_id", "week", "weights_name"],
                set_={**replaced, "updated_at": stmt.excluded["updated_at"]},
            )
        )
    return len(rows)


def _save_portable(session: Session, rows: list[dict[str, object]]) -> int:
    for row in rows:
        existing = session.scalars(
            select(HealthSnapshot).where(
                HealthSnapshot.account_id == row["account_id"],
                HealthSnapshot.week == row["week"],
                HealthSnapshot.weights_name == row["weights_name"],
            )
        ).first()
        if existing is None:
            session.add(HealthSnapshot(**row))
        else:
            for key in ("as_of", "score", "band", "components", "config_digest", "updated_at"):
                setattr(existing, key, row[key])
    session.flush()
    return len(rows)


def save_snapshot(
    session: Session, *, result: HealthResult, at: datetime, week: date | None = None
) -> HealthSnapshotData:
    """Store one result as its week's snapshot (idempotent) and return what was stored."""
    save_snapshots(session, results=[result], at=at, week=week)
    stored = get_snapshot(
        session, account_id=result.account_id, week=week or week_start(result.as_of), weights_name=result.weights_name
    )
    assert stored is not None
    return stored


def get_snapshot(session: Session, *, account_id: str, week: date, weights_name: str) -> HealthSnapshotData | None:
    """The snapshot of one account, week and weight set, if stored."""
    stmt = select(HealthSnapshot).where(
        HealthSnapshot.account_id == account_id,
        HealthSnapshot.week == week_start(week),
        HealthSnapshot.weights_name == weights_name,
    )
    row = session.scalars(stmt.execution_options(populate_existing=True)).first()
    return None if row is None else _data(row)


def previous_snapshots(
    session: Session, *, account_ids: Sequence[str], before: date, weights_name: str
) -> dict[str, HealthSnapshotData]:
    """For each account, its latest snapshot of a week before `before`'s ISO week (set-based)."""
    week = week_start(before)
    out: dict[str, HealthSnapshotData] = {}
    ids = sorted(set(account_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        latest = (
            select(HealthSnapshot.account_id, func.max(HealthSnapshot.week).label("week"))
            .where(
                HealthSnapshot.account_id.in_(chunk),
                HealthSnapshot.week < week,
                HealthSnapshot.weights_name == weights_name,
            )
            .group_by(HealthSnapshot.account_id)
            .subquery()
        )
        stmt = select(HealthSnapshot).join(
            latest, and_(latest.c.account_id == HealthSnapshot.account_id, latest.c.week == HealthSnapshot.week)
        )
        stmt = stmt.where(HealthSnapshot.weights_name == weights_name).execution_options(populate_existing=True)
        for row in session.scalars(stmt):
            out[row.account_id] = _data(row)
    return out


def previous_snapshot(
    session: Session, *, account_id: str, before: date, weights_name: str
) -> HealthSnapshotData | None:
    """The account's latest snapshot of a week before `before`'s ISO week, if any."""
    return previous_snapshots(session, account_ids=[account_id], before=before, weights_name=weights_name).get(
        account_id
    )


def list_snapshots(session: Session, *, account_id: str, weights_name: str | None = None) -> list[HealthSnapshotData]:
    """An account's snapshots, oldest week first."""
    stmt = select(HealthSnapshot).where(HealthSnapshot.account_id == account_id)
    if weights_name is not None:
        stmt = stmt.where(HealthSnapshot.weights_name == weights_name)
    stmt = stmt.order_by(HealthSnapshot.week, HealthSnapshot.weights_name).execution_options(populate_existing=True)
    return [_data(row) for row in session.scalars(stmt)]
