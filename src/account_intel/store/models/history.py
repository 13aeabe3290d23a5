"""What the store knows about time: the date its data runs to, and dated changes of values that have no date."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from account_intel.store.base import Base
from account_intel.store.types import UTCDateTime


class StoreMeta(Base):
    """The store's one row of metadata: the date its data runs to (`data_as_of`) and what recorded it."""

    __tablename__ = "store_meta"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    data_as_of: Mapped[date | None] = mapped_column(Date)
    data_as_of_source: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FieldChange(Base):
    """A dated change of an undated value (a tier override, a contact's active flag): the value from `effective_on`."""

    __tablename__ = "field_changes"
    __table_args__ = (
        Index("ix_field_changes_lookup", "entity_type", "field", "account_id", "entity_id", "effective_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    entity_type: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[str] = mapped_column(String(96))
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    effective_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
