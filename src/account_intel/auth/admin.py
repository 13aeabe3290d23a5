"""Users and their tokens, as an admin manages them; the first admin of a new store bootstraps itself.

A store with no active admin lets anyone with access to it add the first admin and issue that admin's first
token: whoever holds the database is its operator already (docs/operations.md says so). From then on, adding users
and issuing tokens needs an admin's token.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from account_intel.auth.permissions import Action, authorize
from account_intel.auth.principal import current_user
from account_intel.auth.tokens import issue_token, revoke_token, token_row
from account_intel.domain.email_address import check_email, normalise_address
from account_intel.domain.enums import UserRole
from account_intel.errors import PermissionDenied, ValidationFailed
from account_intel.pipeline.people import find_user
from account_intel.settings import Settings
from account_intel.store.events import record_event
from account_intel.store.models import ApiToken, User


def has_admin(session: Session) -> bool:
    """Whether the store has an active admin."""
    stmt = select(User.id).where(User.role == UserRole.ADMIN, User.active.is_(True)).limit(1)
    return session.scalar(stmt) is not None


def require_admin(session: Session, settings: Settings) -> User:
    """The authenticated user, who must be an active admin of a store that has one."""
    if not has_admin(session):
        raise PermissionDenied(
            "This store has no admin yet: add one first with `account-intel users add --role admin ...`."
        )
    user = current_user(session, settings)
    authorize(user, Action.ADMIN)
    return user


def add_user(
    session: Session,
    settings: Settings,
    *,
    user_id: str,
    name: str,
    email: str,
    role: UserRole,
    manager: str | None,
    at: datetime,
) -> User:
    """Add a user (an admin's act, or the bootstrap of the first admin)."""
    bootstrap = role == UserRole.ADMIN and not has_admin(session)  # the first admin of a new store
    actor = None if bootstrap else require_admin(session, settings)
    if session.get(User, user_id) is not None:
        raise ValidationFailed(f"--id: a user '{user_id}' exists already; `account-intel users list` shows them.")
    address = normalise_address(check_email(email, field="--email"))  # one bare, valid address, as for contacts
    if session.scalar(select(User.id).where(User.email == address)) is not None:
        raise ValidationFailed(f"--email: {email} belongs to another user already.")
    boss = find_user(session, manager).id if manager else None
    user = User(id=user_id, name=name.strip(), email=address, role=role, manager_id=boss, active=True)
    session.add(user)
    session.flush()
    record_event(
        session,
        kind="user.added",
        at=at,
        entity_type="user",
        entity_id=user.id,
        actor=actor.id if actor else "bootstrap",
        payload={"user_id": user.id, "role": role.value},
    )
    return user


def create_token(
    session: Session, settings: Settings, *, user_ref: str, name: str, at: datetime
) -> tuple[ApiToken, str]:
    """Issue a token for a user: an admin's act, or, while no admin holds a live token, an admin's own first."""
    user = find_user(session, user_ref)
    if not user.active:
        raise ValidationFailed(f"{user.name} is deactivated; a token for them would prove nothing.")
    bootstrap = user.role == UserRole.ADMIN and not has_admin_token_holder(session)
    actor = None if bootstrap else require_admin(session, settings)
    return issue_token(session, user=user, name=name, at=at, created_by=actor.id if actor else "bootstrap")


def has_admin_token_holder(session: Session) -> bool:
    """Whether some active admin holds a live token (after that, only an admin issues tokens)."""
    stmt = (
        select(ApiToken.id)
        .join(User, User.id == ApiToken.user_id)
        .where(User.role == UserRole.ADMIN, User.active.is_(True), ApiToken.revoked_at.is_(None))
        .limit(1)
    )
    return session.scalar(stmt) is not None


class TokenView(BaseModel):
    """A token as an admin sees it: never its secret."""

    id: str
    user_id: str
    user_name: str
    name: str
    created_at: datetime
    created_by: str | None
    revoked: str | None = Field(default=None, description="When it was revoked (ISO time), else null.")


def list_tokens(session: Session, settings: Settings, *, user_ref: str | None) -> list[TokenView]:
    """Tokens (never their secrets), newest first, of one user or of everyone: an admin's view."""
    require_admin(session, settings)
    stmt = select(ApiToken, User.name).join(User, User.id == ApiToken.user_id)
    if user_ref:
        stmt = stmt.where(ApiToken.user_id == find_user(session, user_ref).id)
    rows = session.execute(stmt.order_by(ApiToken.created_at.desc(), ApiToken.id)).all()
    return [
        TokenView(
            id=t.id,
            user_id=t.user_id,
            user_name=name,
            name=t.name,
            created_at=t.created_at,
            created_by=t.created_by,
            revoked=t.revoked_at.isoformat() if t.revoked_at else None,
        )
        for t, name in rows
    ]


def revoke(session: Session, settings: Settings, *, token_id: str, at: datetime) -> ApiToken:
    """Revoke a token: an admin's act, or its holder's own (a lost laptop)."""
    row = token_row(session, token_id)
    actor = current_user(session, settings)
    if actor.id != row.user_id:
        authorize(actor, Action.ADMIN)
    return revoke_token(session, token_id=token_id, at=at, actor=actor.id)


def deactivate_user(session: Session, settings: Settings, *, user_ref: str, reason: str, at: datetime) -> User:
    """Deactivate a user (an admin's act, with a reason): their tokens and decisions stop at once."""
    actor = require_admin(session, settings)
    if not reason.strip():
        raise ValidationFailed("--reason: say why the user is deactivated.")
    user = find_user(session, user_ref)
    if user.id == actor.id:
        raise ValidationFailed("An admin cannot deactivate themselves; ask another admin.")
    if user.active:
        user.active = False
        record_event(
            session,
            kind="user.deactivated",
            at=at,
            entity_type="user",
            entity_id=user.id,
            actor=actor.id,
            payload={"user_id": user.id, "reason": reason.strip()},
        )
    return user


def set_user_password(session: Session, settings: Settings, *, user_ref: str, password: str, at: datetime) -> User:
    """Set a user's web sign-in password: an admin's act, or the user's own; signs them out of every browser."""
    from account_intel.auth.passwords import set_password
    from account_intel.auth.web_sessions import end_sessions

    actor = current_user(session, settings)
    user = find_user(session, user_ref)
    if actor.id != user.id:
        authorize(actor, Action.ADMIN)
    set_password(session, user, password, at=at, actor=actor.id)
    end_sessions(session, user.id, at=at)
    return user
