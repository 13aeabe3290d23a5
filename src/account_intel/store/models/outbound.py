"""Outbound messages, their recipients, and the human approvals that release them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from account_intel.domain.enums import ApprovalDecision, MessageStatus, RecipientKind
from account_intel.store.base import Base, enum_column
from account_intel.store.types import UTCDateTime


class OutboundMessage(Base):
    """A message to a customer contact; a draft until sent, and sent only through the store's approval rule."""

    __tablename__ = "outbound_messages"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    to_address: Mapped[str] = mapped_column(String(200))
    cc: Mapped[str | None] = mapped_column(String(400))
    bcc: Mapped[str | None] = mapped_column(String(400))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[MessageStatus] = mapped_column(enum_column(MessageStatus, 16), default=MessageStatus.DRAFT)
    origin: Mapped[str] = mapped_column(String(64), default="manual")
    opportunity_id: Mapped[str | None] = mapped_column(ForeignKey("opportunities.id"))
    thread_id: Mapped[str | None] = mapped_column(String(200))
    # an agent's draft is unique per thread, contact and purpose: a resumed or overlapping run finds it, never adds one
    draft_key: Mapped[str | None] = mapped_column(String(360), index=True, unique=True)
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MessageRecipient(Base):
    """One recipient of a message (To, Cc or Bcc): its normalised address and the contact it is, if known.

    Written with the draft, in the same transaction; the gate and the database's send guard judge every row, and a
    message with no row is gated. Once the message has a decision, its rows cannot be added, changed or removed."""

    __tablename__ = "message_recipients"
    __table_args__ = (UniqueConstraint("message_id", "address"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("outbound_messages.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[RecipientKind] = mapped_column(enum_column(RecipientKind, 8))
    address: Mapped[str] = mapped_column(String(200), index=True)
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"), index=True)


class MessageApproval(Base):
    """A recorded human decision on a draft: who, when, the text before and the final text."""

    __tablename__ = "message_approvals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("outbound_messages.id", ondelete="CASCADE"), index=True)
    approver_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[ApprovalDecision] = mapped_column(enum_column(ApprovalDecision, 16))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    text_before: Mapped[str] = mapped_column(Text)
    final_text: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    # sha256 of sender, recipients, subject, body and attachments as decided; checked again right before sending
    content_hash: Mapped[str | None] = mapped_column(String(64))
