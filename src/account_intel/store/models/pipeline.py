"""Expansion opportunities of the UC-AM-004 pipeline."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from account_intel.domain.enums import OpportunitySource, OpportunityStage, OpportunityType
from account_intel.store.base import Base, enum_column
from account_intel.store.types import Money, UTCDateTime


class Opportunity(Base):
    """An expansion opportunity (`EXP-YYYY-NNNN`) on an existing account."""

    __tablename__ = "opportunities"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    type: Mapped[OpportunityType] = mapped_column(enum_column(OpportunityType))
    stage: Mapped[OpportunityStage] = mapped_column(enum_column(OpportunityStage), index=True)
    probability: Mapped[int] = mapped_column(Integer)
    estimated_value: Mapped[Decimal] = mapped_column(Money)
    expected_close_date: Mapped[date | None] = mapped_column(Date)
    source: Mapped[OpportunitySource | None] = mapped_column(enum_column(OpportunitySource))
    source_contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"))
    champion_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"))
    decision_maker_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"))
    decision_maker_note: Mapped[str | None] = mapped_column(String(200))
    influencer_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    target_departments: Mapped[list[str]] = mapped_column(JSON, default=list)
    discovery_notes: Mapped[str | None] = mapped_column(Text)
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    closed_value: Mapped[Decimal | None] = mapped_column(Money)
    closed_on: Mapped[date | None] = mapped_column(Date)
    loss_reason: Mapped[str | None] = mapped_column(String(32))
    loss_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
