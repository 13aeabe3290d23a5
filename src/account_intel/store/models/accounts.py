"""Customer accounts and their organisation: departments, geographies, org events, churn events."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from account_intel.domain.enums import AccountStatus, OrgEventKind, Segment, Tier
from account_intel.store.base import Base, enum_column
from account_intel.store.types import Money, UTCDateTime

if TYPE_CHECKING:
    from account_intel.store.models.people import Contact


class Account(Base):
    """A customer (or prospect) organisation; ARR, tier and segment are derived and cached here."""

    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    status: Mapped[AccountStatus] = mapped_column(enum_column(AccountStatus), default=AccountStatus.ACTIVE)
    industry: Mapped[str | None] = mapped_column(String(80))
    headcount: Mapped[int | None] = mapped_column(Integer)
    hq_country: Mapped[str | None] = mapped_column(String(64))
    region: Mapped[str | None] = mapped_column(String(32))
    domain: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(16))
    customer_since: Mapped[date | None] = mapped_column(Date)
    renewal_date: Mapped[date | None] = mapped_column(Date)
    next_qbr_date: Mapped[date | None] = mapped_column(Date)
    churned_on: Mapped[date | None] = mapped_column(Date)
    fiscal_year_start_month: Mapped[int] = mapped_column(Integer, default=1)
    ae_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    csm_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    am_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    arr: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    arr_as_of: Mapped[date | None] = mapped_column(Date)
    tier: Mapped[Tier] = mapped_column(enum_column(Tier, 4), default=Tier.T3, index=True)
    tier_override: Mapped[Tier | None] = mapped_column(enum_column(Tier, 4))
    tier_override_reason: Mapped[str | None] = mapped_column(Text)
    segment: Mapped[Segment] = mapped_column(enum_column(Segment, 16), default=Segment.SMB, index=True)
    source: Mapped[str] = mapped_column(String(32), default="manual")
    attributes: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    departments: Mapped[list[Department]] = relationship(back_populates="account", order_by="Department.name")
    geographies: Mapped[list[Geography]] = relationship(back_populates="account", order_by="Geography.name")
    contacts: Mapped[list[Contact]] = relationship(back_populates="account", order_by="Contact.name")


class Department(Base):
    """A department of a customer, with its headcount; 'served' follows from contract line scope."""

    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("account_id", "name"),)

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    headcount: Mapped[int | None] = mapped_column(Integer)

    account: Mapped[Account] = relationship(back_populates="departments")


class Geography(Base):
    """A location where a customer is present (country, region or office), with its headcount."""

    __tablename__ = "geographies"
    __table_args__ = (UniqueConstraint("account_id", "name"),)

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    country: Mapped[str | None] = mapped_column(String(64))
    region: Mapped[str | None] = mapped_column(String(32))
    headcount: Mapped[int | None] = mapped_column(Integer)
    is_hq: Mapped[bool] = mapped_column(default=False)
    opened_on: Mapped[date | None] = mapped_column(Date)

    account: Mapped[Account] = relationship(back_populates="geographies")


class OrgEvent(Base):
    """Something that changed inside the customer: executive change, funding, acquisition, office, hiring."""

    __tablename__ = "org_events"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[OrgEventKind] = mapped_column(enum_column(OrgEventKind))
    occurred_on: Mapped[date] = mapped_column(Date, index=True)
    description: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(64))
    department: Mapped[str | None] = mapped_column(String(120))
    geography: Mapped[str | None] = mapped_column(String(120))
    magnitude: Mapped[int | None] = mapped_column(Integer)


class ChurnEvent(Base):
    """A recorded churn (or reactivation) of an account, as exported by the source system."""

    __tablename__ = "churn_events"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    churned_on: Mapped[date] = mapped_column(Date, index=True)
    reason_code: Mapped[str | None] = mapped_column(String(64))
    refund_amount: Mapped[Decimal | None] = mapped_column(Money)
    preceding_upgrade: Mapped[bool] = mapped_column(default=False)
    preceding_downgrade: Mapped[bool] = mapped_column(default=False)
    is_reactivation: Mapped[bool] = mapped_column(default=False)
    feedback: Mapped[str | None] = mapped_column(Text)
