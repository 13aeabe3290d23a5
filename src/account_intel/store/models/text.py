"""Text mentions derived once from activity and ticket text: what the matcher found, kept so that a portfolio scan
reads the same mentions as a brief without matching every note again.

A source row (an activity or a ticket) has one `TextScan` per lexicon digest it was matched with and the hash of
the text it read; its `StoredMention`s are what that scan found, in the matcher's order. A scan whose lexicon or
text hash no longer matches is ignored by the facts loader (the text is matched again) and replaced by the next
derivation.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, ForeignKeyConstraint, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from account_intel.store.base import Base


class TextScan(Base):
    """One source row's text, matched with one lexicon."""

    __tablename__ = "text_scans"

    source_table: Mapped[str] = mapped_column(String(16), primary_key=True)  # activity | ticket
    source_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    occurred_on: Mapped[date] = mapped_column(Date)  # the source's date (an activity's day, a ticket's opening)
    lexicon: Mapped[str] = mapped_column(String(32))
    text_hash: Mapped[str] = mapped_column(String(32))


class StoredMention(Base):
    """One mention the matcher found in a source row's subject or body."""

    __tablename__ = "text_mentions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["source_table", "source_id"], ["text_scans.source_table", "text_scans.source_id"], ondelete="CASCADE"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    source_table: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[str] = mapped_column(String(80))
    occurred_on: Mapped[date] = mapped_column(Date)
    ordinal: Mapped[int] = mapped_column(Integer)  # the matcher's order within the source
    field: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(Text)
    matched: Mapped[str] = mapped_column(Text)
    start: Mapped[int] = mapped_column(Integer)
