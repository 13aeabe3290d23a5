"""Passwords for web sign-in: argon2id hashes (argon2-cffi), a length rule, and rate-limited checks.

A sign-in is refused in the same words whether the address is unknown, the password wrong or the user deactivated
(an unknown address costs a hash check too), and every attempt is recorded. After `MAX_FAILURES` failures within
`WINDOW` for one address, or `MAX_CLIENT_FAILURES` from one client, further attempts are refused until the window
has passed, whatever the password.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from account_intel.errors import ValidationFailed
from account_intel.store.events import record_event
from account_intel.store.models import SignInAttempt, User

MIN_LENGTH = 12
MAX_LENGTH = 256
MAX_FAILURES = 5
MAX_CLIENT_FAILURES = 20
WINDOW = timedelta(minutes=15)
REFUSED = "That address and password do not match a user who may sign in."
_HASHER = PasswordHasher()
_DUMMY = _HASHER.hash("an unused password, so an unknown address costs as much as a known one")


def check_password(password: str) -> str:
    """The password if it meets the rule, else a refusal that says the rule."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise ValidationFailed(
            f"password: use {MIN_LENGTH} to {MAX_LENGTH} characters (got {len(password)}); "
            "a phrase of a few words works."
        )
    return password


def hash_password(password: str) -> str:
    """The argon2id hash to store."""
    return _HASHER.hash(check_password(password))


def set_password(session: Session, user: User, password: str, *, at: datetime, actor: str | None) -> None:
    """Give the user a new password (ending none of their sessions: `web_sessions.end_sessions` does that)."""
    user.password_hash = hash_password(password)
    record_event(
        session, kind="user.password_set", at=at, entity_type="user", entity_id=user.id, actor=actor,
        payload={"user_id": user.id},
    )  # fmt: skip


def _failures(session: Session, column: object, value: str, since: datetime) -> int:
    stmt = select(func.count()).where(
        column == value,  # type: ignore[operator]
        SignInAttempt.at > since,
        SignInAttempt.succeeded.is_(False),
    )
    return int(session.scalar(stmt) or 0)


def authenticate(session: Session, *, email: str, password: str, client: str, at: datetime) -> User | str:
    """The active user with this address and password, else the refusal to show. The attempt is recorded in the
    caller's transaction, which must commit a refusal too (that is what the rate limit counts)."""
    address = email.strip().lower()[:200]
    since = at - WINDOW
    limited = (
        _failures(session, SignInAttempt.email, address, since) >= MAX_FAILURES
        or _failures(session, SignInAttempt.client, client, since) >= MAX_CLIENT_FAILURES
    )
    if limited:
        session.add(SignInAttempt(email=address, client=client[:64], at=at, succeeded=False))
        return f"Too many failed sign-ins: try again in {int(WINDOW.total_seconds() // 60)} minutes."
    user = session.scalar(select(User).where(func.lower(User.email) == address))
    stored = user.password_hash if user is not None and user.password_hash else None
    try:
        ok = _HASHER.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        ok = False
    ok = ok and user is not None and user.active
    session.add(SignInAttempt(email=address, client=client[:64], at=at, succeeded=ok))
    if not ok or user is None:
        return REFUSED
    if _HASHER.check_needs_rehash(stored or ""):
        user.password_hash = _HASHER.hash(password)
    return user
