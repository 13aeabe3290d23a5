"""Signed-in browsers: a random key in an HttpOnly cookie, its SHA-256 hash in `web_sessions`, with a form token.

A session ends when the user signs out, after `IDLE` without a request, at `LIFETIME` after sign-in, or as soon as
its user is deactivated. The form token (CSRF) is random per session and compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from account_intel.store.models import User, WebSession

IDLE = timedelta(hours=8)
LIFETIME = timedelta(days=7)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def open_session(session: Session, user: User, *, at: datetime) -> tuple[str, WebSession]:
    """A new session for the user: the cookie key (shown once, never stored) and its row."""
    key = secrets.token_urlsafe(32)
    row = WebSession(
        key_hash=_hash(key),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=at,
        last_seen_at=at,
        expires_at=at + LIFETIME,
    )
    session.add(row)
    session.flush()
    return key, row


def session_for(session: Session, key: str | None, *, at: datetime) -> tuple[WebSession, User] | None:
    """The live session behind a cookie key and its active user (touched: idle time starts again), else None."""
    if not key:
        return None
    row = session.get(WebSession, _hash(key))
    if row is None or row.ended_at is not None or at >= row.expires_at or at - row.last_seen_at >= IDLE:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    row.last_seen_at = at
    return row, user


def csrf_ok(row: WebSession, presented: str | None) -> bool:
    """Whether a form or header token is the session's own."""
    return bool(presented) and hmac.compare_digest(row.csrf_token, presented or "")


def end_session(session: Session, key: str | None, *, at: datetime) -> None:
    """Sign one browser out (an unknown or ended key is a no-op)."""
    if key:
        live = (WebSession.key_hash == _hash(key), WebSession.ended_at.is_(None))
        session.execute(update(WebSession).where(*live).values(ended_at=at))


def end_sessions(session: Session, user_id: str, *, at: datetime) -> int:
    """Sign a user out everywhere (a password change, a deactivation); how many sessions ended."""
    result = session.execute(
        update(WebSession).where(WebSession.user_id == user_id, WebSession.ended_at.is_(None)).values(ended_at=at)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
