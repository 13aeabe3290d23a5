"""Expansion opportunities of the pipeline, their stage history, proposals and proposal messages."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from account_intel.domain.enums import OpportunitySource, OpportunityStage, OpportunityType
from account_intel.store.base import Base, enum_column
from account_intel.store.types import Money, UTCDateTime


class ProposalStatus(StrEnum):
    """Lifecycle of a generated proposal."""

    GENERATED = "generated"
    SENT = "sent"
    REJECTED = "rejected"


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
    # 0002: analytics evidence behind a CS-driven opportunity, its recommendation, a precondition override
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    recommendation_id: Mapped[str | None] = mapped_column(String(96))
    override_reason: Mapped[str | None] = mapped_column(Text)
    override_by: Mapped[str | None] = mapped_column(String(64))
    won_line_id: Mapped[str | None] = mapped_column(String(96))


class OpportunityStageChange(Base):
    """One stage an opportunity entered (creation included), with the probability set and who moved it."""

    __tablename__ = "opportunity_stage_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    opportunity_id: Mapped[str] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"), index=True)
    from_stage: Mapped[OpportunityStage | None] = mapped_column(enum_column(OpportunityStage))
    to_stage: Mapped[OpportunityStage] = mapped_column(enum_column(OpportunityStage))
    probability: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    changed_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)


class Proposal(Base):
    """A proposal generated from the template for one opportunity or a bundle, with its package discount."""

    __tablename__ = "proposals"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    opportunity_id: Mapped[str] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[ProposalStatus] = mapped_column(enum_column(ProposalStatus, 16), default=ProposalStatus.GENERATED)
    discount_bps: Mapped[int] = mapped_column(Integer, default=0)
    gross_value: Mapped[Decimal] = mapped_column(Money)
    discount_value: Mapped[Decimal] = mapped_column(Money)
    net_value: Mapped[Decimal] = mapped_column(Money)
    scope: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    content_md: Mapped[str] = mapped_column(Text)
    content_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ProposalOpportunity(Base):
    """An opportunity covered by a proposal (several for a bundle), with its value at generation."""

    __tablename__ = "proposal_opportunities"

    proposal_id: Mapped[str] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True)
    opportunity_id: Mapped[str] = mapped_column(
        ForeignKey("opportunities.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    value: Mapped[Decimal] = mapped_column(Money)


class ProposalMessage(Base):
    """Which outbound message sends which proposal; `effects_applied_at` is set once the post-send effects ran."""

    __tablename__ = "proposal_messages"

    message_id: Mapped[str] = mapped_column(ForeignKey("outbound_messages.id", ondelete="CASCADE"), primary_key=True)
    proposal_id: Mapped[str] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    opportunity_id: Mapped[str] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"))
    requested_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    effects_applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
