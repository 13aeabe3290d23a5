"""Agent runs: one row per graph thread (brief, weekly or QBR run of one account), with tokens and fallbacks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from account_intel.store.base import Base
from account_intel.store.types import UTCDateTime


class AgentRun(Base):
    """The record of one account's run through the graph."""

    __tablename__ = "agent_runs"

    thread_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    account_id: Mapped[str] = mapped_column(String(64), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    brain: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(24), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    model_calls: Mapped[int] = mapped_column(Integer, default=0)
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    brains: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    grounding: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    deliverables: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)


class RunLease(Base):
    """Which process runs a thread until when: claimed by one conditional upsert, taken over once expired."""

    __tablename__ = "run_leases"

    thread_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class TriggerFiring(Base):
    """A trigger that fired for an account in a period; unique, so a daily scan fires each one once."""

    __tablename__ = "trigger_firings"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(64), index=True)
    trigger: Mapped[str] = mapped_column(String(48))
    period: Mapped[str] = mapped_column(String(32))
    fired_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    action: Mapped[str] = mapped_column(String(48))
    status: Mapped[str] = mapped_column(String(24), default="open")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
