"""The vendor's users, for `users list` and for finding the name an option should be given."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from account_intel.domain.enums import UserRole
from account_intel.store.models import User


class UserRow(BaseModel):
    """One line of `users list`."""

    id: str
    name: str
    email: str
    role: UserRole
    manager: str | None
    active: bool


def list_users(session: Session, *, role: UserRole | None = None, active_only: bool = False) -> list[UserRow]:
    """Users by role then name, optionally one role or only the active ones."""
    query = select(User).order_by(User.role, User.name)
    if role is not None:
        query = query.where(User.role == role)
    if active_only:
        query = query.where(User.active.is_(True))
    users = list(session.scalars(query))
    names = {user.id: user.name for user in session.scalars(select(User))}
    return [
        UserRow(
            id=user.id,
            name=user.name,
            email=user.email,
            role=user.role,
            manager=names.get(user.manager_id) if user.manager_id else None,
            active=user.active,
        )
        for user in users
    ]
