"""Engagement with a customer: activities (calls, emails, meetings, notes), QBRs and tasks."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from account_intel.domain.enums import ActivityKind, QbrStatus, Sentiment, TaskStatus
from account_intel.store.base import Base, enum_column
from account_intel.store.types import UTCDateTime


class Activity(Base):
    """A logged call, email, meeting or note; its free text is data, never instructions."""

    __tablename__ = "activities"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    opportunity_id: Mapped[str | None] = mapped_column(ForeignKey("opportunities.id"), index=True)
    kind: Mapped[ActivityKind] = mapped_column(enum_column(ActivityKind, 16))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(200))
    sentiment: Mapped[Sentiment | None] = mapped_column(enum_column(Sentiment))
    duration_minutes: Mapped[int | None] = mapped_column(Integer)


class ActivityContact(Base):
    """Which contacts took part in an activity."""

    __tablename__ = "activity_contacts"

    activity_id: Mapped[str] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True, index=True)


class Qbr(Base):
    """A quarterly business review, scheduled or held."""

    __tablename__ = "qbrs"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    scheduled_for: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[QbrStatus] = mapped_column(enum_column(QbrStatus, 16), default=QbrStatus.SCHEDULED)
    notes: Mapped[str | None] = mapped_column(Text)


class Task(Base):
    """A to-do for one of the vendor's people, on an account and optionally an opportunity."""

    __tablename__ = "tasks"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    opportunity_id: Mapped[str | None] = mapped_column(ForeignKey("opportunities.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str | None] = mapped_column(String(32))
    due_date: Mapped[date | None] = mapped_column(Date)
    assignee_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[TaskStatus] = mapped_column(enum_column(TaskStatus, 16), default=TaskStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
