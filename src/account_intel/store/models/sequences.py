"""Named counters for human-readable ids (for example `EXP-2024-0847`)."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from account_intel.store.base import Base


class IdSequence(Base):
    """The last number handed out for one named sequence."""

    __tablename__ = "id_sequences"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
