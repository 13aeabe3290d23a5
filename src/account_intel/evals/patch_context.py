"""Where fixture patches work: the session, the as-of date, fresh ids, and lookups that say what exists."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from account_intel.errors import DomainError
from account_intel.store.models import Account, Contact, Department, Product


class FixtureError(DomainError):
    """A patch names something the fixture store does not have."""


class PatchContext:
    """The session, the as-of date and a counter for the ids of added rows."""

    def __init__(self, session: Session, as_of: date) -> None:
        self.session, self.as_of = session, as_of
        self._numbers: dict[str, int] = {}

    def new_id(self, account_id: str, kind: str) -> str:
        """A fresh id such as `ACCT-3421-EV-ACT-1`."""
        self._numbers[kind] = self._numbers.get(kind, 0) + 1
        return f"{account_id}-EV-{kind}-{self._numbers[kind]}"

    def day(self, days_ago: int) -> date:
        """The date `days_ago` days before the as-of date."""
        return self.as_of - timedelta(days=days_ago)

    def account(self, account_id: str) -> Account:
        """The account, or an error naming it."""
        found = self.session.get(Account, account_id)
        if found is None:
            raise FixtureError(f"fixture: account '{account_id}' is not in the fixture store.")
        return found

    def contact(self, account_id: str, ref: str) -> Contact:
        """A contact of the account by id or (case-insensitive) name."""
        found = self.session.scalars(
            select(Contact).where(
                Contact.account_id == account_id, or_(Contact.id == ref, func.lower(Contact.name) == ref.lower())
            )
        ).first()
        if found is None:
            names = sorted(self.session.scalars(select(Contact.name).where(Contact.account_id == account_id)))
            raise FixtureError(f"fixture: {account_id} has no contact '{ref}' (contacts: {', '.join(names)}).")
        return found

    def department(self, account_id: str, name: str, *, create: bool = False) -> Department:
        """A department of the account by name (created with headcount 0 when `create`)."""
        found = self.session.scalars(
            select(Department).where(Department.account_id == account_id, func.lower(Department.name) == name.lower())
        ).first()
        if found is None:
            if not create:
                raise FixtureError(f"fixture: {account_id} has no department '{name}'.")
            found = Department(id=self.new_id(account_id, "DEP"), account_id=account_id, name=name, headcount=0)
            self.session.add(found)
            self.session.flush()
        return found

    def product(self, ref: str) -> Product:
        """A catalog item by id or name."""
        found = self.session.scalars(
            select(Product).where(or_(Product.id == ref, func.lower(Product.name) == ref.lower()))
        ).first()
        if found is None:
            raise FixtureError(f"fixture: the catalog has no product '{ref}'.")
        return found
