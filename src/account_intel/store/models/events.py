"""The append-only event log (the database refuses updates and deletes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from account_intel.store.base import Base
from account_intel.store.types import UTCDateTime


class Event(Base):
    """One fact that happened, with its payload: `expansion.won`, `account.tier_changed`, `message.sent`..."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    account_id: Mapped[str | None] = mapped_column(String(64), index=True)
    entity_type: Mapped[str | None] = mapped_column(String(32))
    entity_id: Mapped[str | None] = mapped_column(String(96))
    actor: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # set on events that happen once per thing (`run.completed:<thread>`): the database refuses a second one
    dedupe_key: Mapped[str | None] = mapped_column(String(240), index=True, unique=True)
