"""People: the vendor's users (AE, CSM, AM, manager) and the customer's contacts."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from account_intel.domain.enums import MeddiccRole, UserRole
from account_intel.store.base import Base, enum_column

if TYPE_CHECKING:
    from account_intel.store.models.accounts import Account


class User(Base):
    """One of the vendor's people; `capacity` is how many open expansion opportunities they can carry."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[UserRole] = mapped_column(enum_column(UserRole, 16))
    manager_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    capacity: Mapped[int] = mapped_column(Integer, default=12)
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))  # argon2id; None: no web sign-in


class Contact(Base):
    """A person at a customer, with a MEDDICC role and outreach flags."""

    __tablename__ = "contacts"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(160), index=True)
    title: Mapped[str | None] = mapped_column(String(160))
    department_id: Mapped[str | None] = mapped_column(ForeignKey("departments.id"))
    email: Mapped[str | None] = mapped_column(String(200), index=True)
    phone: Mapped[str | None] = mapped_column(String(64))
    meddicc_role: Mapped[MeddiccRole | None] = mapped_column(enum_column(MeddiccRole))
    is_executive: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    do_not_contact: Mapped[bool] = mapped_column(default=False)
    first_contact_on: Mapped[date | None] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)

    account: Mapped[Account] = relationship(back_populates="contacts")


# the outbound gate finds a recipient by address, case-insensitively (store floor, policy and the send guard)
Index("ix_contacts_email_lower", func.lower(Contact.email))
