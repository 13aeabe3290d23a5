"""text mentions derived once per note and ticket

`text_scans` records that a source row (an activity or a ticket) was matched with a lexicon (its digest) and the
hash of the text read; `text_mentions` holds what the matcher found there, in its order. The portfolio scan reads
them instead of matching every note again; a stale scan (another lexicon, edited text) is ignored.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "text_scans",
        sa.Column("source_table", sa.String(length=16), nullable=False),
        sa.Column("source_id", sa.String(length=80), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("lexicon", sa.String(length=32), nullable=False),
        sa.Column("text_hash", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_text_scans_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("source_table", "source_id", name=op.f("pk_text_scans")),
    )
    op.create_index(op.f("ix_text_scans_account_id"), "text_scans", ["account_id"], unique=False)
    op.create_table(
        "text_mentions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("source_table", sa.String(length=16), nullable=False),
        sa.Column("source_id", sa.String(length=80), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("matched", sa.Text(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_text_mentions_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["source_table", "source_id"],
            ["text_scans.source_table", "text_scans.source_id"],
            name=op.f("fk_text_mentions_source_table_text_scans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_text_mentions")),
    )
    op.create_index(op.f("ix_text_mentions_account_id"), "text_mentions", ["account_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_text_mentions_account_id"), table_name="text_mentions")
    op.drop_table("text_mentions")
    op.drop_index(op.f("ix_text_scans_account_id"), table_name="text_scans")
    op.drop_table("text_scans")
