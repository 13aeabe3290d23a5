"""Finding the people an opportunity names: the vendor's users, and contacts within one account."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from account_intel.errors import AmbiguousError, NotFoundError
from account_intel.pipeline.errors import ContactNotFound
from account_intel.store.models import Account, Contact, User


def find_user(session: Session, ref: str) -> User:
    """A user by id, email or exact name (case-insensitive)."""
    ref = ref.strip()
    user = session.get(User, ref)
    if user is not None:
        return user
    matches = list(
        session.scalars(
            select(User)
            .where(or_(func.lower(User.email) == ref.lower(), func.lower(User.name) == ref.lower()))
            .limit(3)
        )
    )
    if len(matches) == 1:
        return matches[0]
    if matches:
        names = ", ".join(f"{u.name} ({u.id})" for u in matches)
        raise AmbiguousError(f"User '{ref}' matches several users: {names}. Use the user id.")
    raise NotFoundError(
        f"User '{ref}' not found. Name a user by id, email or full name; `account-intel users list` shows them."
    )


def default_actor(account: Account) -> str | None:
    """Who acts when nobody is named: the account's AM, else its AE."""
    return account.am_id or account.ae_id


def find_contact(session: Session, account_id: str, ref: str, *, role: str = "Contact") -> Contact:
    """A contact of `account_id` by id, email or name (case-insensitive); `role` names it in the error.

    An unknown contact gives a not-found message, e.g. "Decision maker contact not found in system."
    """
    ref = ref.strip()
    contact = session.get(Contact, ref)
    if contact is not None and contact.account_id == account_id:
        return contact
    matches = list(
        session.scalars(
            select(Contact)
            .where(
                Contact.account_id == account_id,
                or_(func.lower(Contact.email) == ref.lower(), func.lower(Contact.name) == ref.lower()),
            )
            .order_by(Contact.active.desc(), Contact.id)
        )
    )
    active = [c for c in matches if c.active] or matches
    if len(active) == 1:
        return active[0]
    if len(active) > 1:
        names = ", ".join(f"{c.name} <{c.email or '-'}> ({c.id})" for c in active[:5])
        raise AmbiguousError(f"{role} '{ref}' matches several contacts: {names}. Use the contact id or email.")
    raise ContactNotFound(role, ref)
