"""What the customer does and says: usage by period, support tickets, NPS and CSAT responses."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from account_intel.domain.enums import SurveyKind, TicketSeverity
from account_intel.store.base import Base, enum_column
from account_intel.store.types import UTCDateTime


class UsageMetric(Base):
    """One metric for one account over one period (a month), with the plan limit that applied."""

    __tablename__ = "usage_metrics"
    __table_args__ = (
        UniqueConstraint("account_id", "metric", "period_start"),  # also the index for one account's usage
        # the portfolio scan's two reads, each answered from its own partial index without touching the table
        Index(
            "ix_usage_metrics_scan_totals",
            "account_id",
            "metric",
            "period_start",
            "value",
            "plan_limit",
            "feature_id",
            sqlite_where=text("feature_id IS NULL"),
            postgresql_where=text("feature_id IS NULL"),
        ),
        Index(
            "ix_usage_metrics_scan_features",
            "account_id",
            "metric",
            "period_start",
            "value",
            "feature_id",
            sqlite_where=text("feature_id IS NOT NULL"),
            postgresql_where=text("feature_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(96))
    period_start: Mapped[date] = mapped_column(Date, index=True)
    value: Mapped[int] = mapped_column(BigInteger)
    plan_limit: Mapped[int | None] = mapped_column(BigInteger)
    unit: Mapped[str | None] = mapped_column(String(32))
    feature_id: Mapped[str | None] = mapped_column(ForeignKey("features.id"))


class SupportTicket(Base):
    """A support ticket with its severity, category, escalation and text."""

    __tablename__ = "support_tickets"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    severity: Mapped[TicketSeverity] = mapped_column(enum_column(TicketSeverity))
    category: Mapped[str | None] = mapped_column(String(64))
    escalated: Mapped[bool] = mapped_column(default=False)
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    first_response_minutes: Mapped[int | None] = mapped_column(Integer)
    resolution_hours: Mapped[int | None] = mapped_column(Integer)
    satisfaction_score: Mapped[int | None] = mapped_column(Integer)


class SurveyResponse(Base):
    """An NPS (0-10) or CSAT (1-5) response."""

    __tablename__ = "survey_responses"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"))
    kind: Mapped[SurveyKind] = mapped_column(enum_column(SurveyKind, 8))
    score: Mapped[int] = mapped_column(Integer)
    responded_on: Mapped[date] = mapped_column(Date, index=True)
    comment: Mapped[str | None] = mapped_column(Text)
