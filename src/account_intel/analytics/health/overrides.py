"""Manual health overrides: set with a reason (required), optional expiry, cleared explicitly; never touched by a
recompute. An override applies on a date when it was set by then, has not been cleared by then, and that date is
before its `expires_on`. Setting a new one clears the one in force. Both actions are written to the event log.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from account_intel.analytics.health.models import Band, HealthOverrideInfo
from account_intel.errors import NotFoundError, ValidationFailed
from account_intel.store.events import record_event
from account_intel.store.models import Account, HealthOverride


def _end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)


def _in_force(as_of: date) -> tuple[ColumnElement[bool], ...]:
    end = _end_of(as_of)
    return (
        HealthOverride.set_at < end,
        or_(HealthOverride.cleared_at.is_(None), HealthOverride.cleared_at >= end),
        or_(HealthOverride.expires_on.is_(None), HealthOverride.expires_on > as_of),
    )


def override_info(row: HealthOverride) -> HealthOverrideInfo:
    """The override as shown beside a health result."""
    return HealthOverrideInfo(
        id=row.id,
        score=row.score,
        band=Band(row.band) if row.band else None,
        reason=row.reason,
        set_by=row.set_by,
        set_at=row.set_at,
        expires_on=row.expires_on,
    )


def active_overrides(session: Session, *, account_ids: Sequence[str], as_of: date) -> dict[str, HealthOverrideInfo]:
    """The override in force on `as_of` for each account that has one (the latest set wins)."""
    stmt = (
        select(HealthOverride)
        .where(HealthOverride.account_id.in_(sorted(set(account_ids))), *_in_force(as_of))
        .order_by(HealthOverride.set_at, HealthOverride.id)
    )
    return {row.account_id: override_info(row) for row in session.scalars(stmt)}


def active_override(session: Session, *, account_id: str, as_of: date) -> HealthOverrideInfo | None:
    """The override in force on `as_of` for one account, if any."""
    return active_overrides(session, account_ids=[account_id], as_of=as_of).get(account_id)


def _open_rows(session: Session, account_id: str, at: datetime) -> list[HealthOverride]:
    stmt = select(HealthOverride).where(
        HealthOverride.account_id == account_id,
        HealthOverride.cleared_at.is_(None),
        or_(HealthOverride.expires_on.is_(None), HealthOverride.expires_on > at.date()),
    )
    return list(session.scalars(stmt))


def _band(value: Band | str) -> Band:
    try:
        return Band(value.title() if isinstance(value, str) else value)
    except ValueError:
        raise ValidationFailed(f"Band '{value}' is not one of Green, Yellow, Red.") from None


def set_override(
    session: Session,
    *,
    account_id: str,
    reason: str,
    set_by: str,
    at: datetime,
    score: int | None = None,
    band: Band | str | None = None,
    expires_on: date | None = None,
) -> HealthOverride:
    """Record an override (a score, a band or both) with its reason; the one in force, if any, is cleared."""
    if session.get(Account, account_id) is None:
        raise NotFoundError(f"Account '{account_id}' not found.")
    if score is None and band is None:
        raise ValidationFailed("An override needs --score or --band.")
    if score is not None and not 0 <= score <= 100:
        raise ValidationFailed(f"Override score {score} is outside 0-100.")
    if not reason or not reason.strip():
        raise ValidationFailed("An override needs a reason (--reason).")
    if not set_by or not set_by.strip():
        raise ValidationFailed("An override needs its author (--as).")
    if expires_on is not None and expires_on <= at.date():
        raise ValidationFailed(f"Expiry {expires_on} is not after today ({at.date()}); the override would never apply.")
    band_value = _band(band).value if band is not None else None
    for previous in _open_rows(session, account_id, at):
        previous.cleared_at, previous.cleared_by = at, set_by
    row = HealthOverride(
        account_id=account_id,
        score=score,
        band=band_value,
        reason=reason.strip(),
        set_by=set_by.strip(),
        set_at=at,
        expires_on=expires_on,
    )
    session.add(row)
    session.flush()
    record_event(
        session,
        kind="health.override_set",
        at=at,
        account_id=account_id,
        entity_type="health_override",
        entity_id=str(row.id),
        actor=row.set_by,
        payload={"score": score, "band": band_value, "reason": row.reason, "expires_on": expires_on},
    )
    return row


def clear_override(session: Session, *, account_id: str, cleared_by: str, at: datetime) -> HealthOverride:
    """Clear the override in force; refuses when there is none."""
    rows = _open_rows(session, account_id, at)
    if not rows:
        raise NotFoundError(f"Account '{account_id}' has no health override in force.")
    for row in rows:
        row.cleared_at, row.cleared_by = at, cleared_by
    session.flush()
    latest = max(rows, key=lambda r: (r.set_at, r.id))
    record_event(
        session,
        kind="health.override_cleared",
        at=at,
        account_id=account_id,
        entity_type="health_override",
        entity_id=str(latest.id),
        actor=cleared_by,
        payload={"reason": latest.reason},
    )
    return latest
