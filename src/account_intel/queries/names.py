"""Display names for ids: the people and contacts a user sees by name, never by id."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from account_intel.store.models import Account, Contact, User


def user_names(session: Session, *, ids: Iterable[str | None]) -> dict[str, str]:
    """The name of each of the vendor's people among `ids` (unknown ids are left out)."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return dict(session.execute(select(User.id, User.name).where(User.id.in_(wanted))).all())


def contact_names(session: Session, *, ids: Iterable[str | None]) -> dict[str, str]:
    """The name of each customer contact among `ids` (unknown ids are left out)."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return dict(session.execute(select(Contact.id, Contact.name).where(Contact.id.in_(wanted))).all())


def account_names(session: Session, *, ids: Iterable[str | None]) -> dict[str, str]:
    """The name of each account among `ids` (unknown ids are left out)."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return dict(session.execute(select(Account.id, Account.name).where(Account.id.in_(wanted))).all())
