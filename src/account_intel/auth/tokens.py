"""Personal API tokens: issued by an admin, shown once, stored as a SHA-256 hash, revocable.

A token is `ai_<id>_<secret>` with 32 random bytes of secret, so a plain SHA-256 is a sound hash (a slow password
hash protects low-entropy secrets; these are not).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from account_intel.errors import AuthenticationError, NotFoundError
from account_intel.store.events import record_event
from account_intel.store.models import ApiToken, User

PREFIX = "ai_"


def token_hash(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(
    session: Session, *, user: User, name: str, at: datetime, created_by: str | None
) -> tuple[ApiToken, str]:
    """A new token for the user; returns the row and the plaintext, which is never stored."""
    public = secrets.token_hex(6)
    plaintext = f"{PREFIX}{public}_{secrets.token_urlsafe(32)}"
    row = ApiToken(
        id=f"tok_{public}",
        user_id=user.id,
        name=name,
        token_hash=token_hash(plaintext),
        created_at=at,
        created_by=created_by,
    )
    session.add(row)
    session.flush()
    record_event(
        session,
        kind="token.issued",
        at=at,
        account_id=None,
        entity_type="token",
        entity_id=row.id,
        actor=created_by,
        payload={"token_id": row.id, "user_id": user.id, "name": name},
    )
    return row, plaintext


def token_row(session: Session, token_id: str) -> ApiToken:
    """A token row by its id, or a refusal that says where the ids are listed."""
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFoundError(f"Token '{token_id}' not found; `account-intel users token list` shows the ids.")
    return row


def revoke_token(session: Session, *, token_id: str, at: datetime, actor: str | None) -> ApiToken:
    """Revoke a token by its id; revoking twice is harmless."""
    row = token_row(session, token_id)
    if row.revoked_at is None:
        row.revoked_at = at
        record_event(
            session,
            kind="token.revoked",
            at=at,
            account_id=None,
            entity_type="token",
            entity_id=row.id,
            actor=actor,
            payload={"token_id": row.id, "user_id": row.user_id},
        )
    return row


def user_for_token(session: Session, token: str) -> User:
    """The active user a valid, unrevoked token belongs to; anything else is one refusal that reveals nothing."""
    refused = AuthenticationError(
        "The token is not valid: ask an admin for a new one (`account-intel users token create`)."
    )
    token = token.strip()
    if not token.startswith(PREFIX):
        raise refused
    digest = token_hash(token)
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == digest)).first()
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.token_hash, digest):
        raise refused
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise AuthenticationError(f"The token's user ({row.user_id}) is deactivated.")
    return user
