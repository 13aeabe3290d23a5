"""analytics: weekly health snapshots and manual health overrides

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

- health_snapshots: an account's computed health for one ISO week (Monday) and weight set, with its
  components (raw values, sub-scores, contributions, evidence ids) as JSON; unique per
  (account_id, week, weights_name), so rewriting a week replaces it;
- health_overrides: a manual score or band with its reason, author, expiry and clearing; a recompute never
  touches it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import account_intel.store.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "health_snapshots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("band", sa.String(length=8), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("weights_name", sa.String(length=64), nullable=False),
        sa.Column("config_digest", sa.String(length=16), nullable=False),
        sa.Column("created_at", account_intel.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", account_intel.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_health_snapshots_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_snapshots")),
        sa.UniqueConstraint("account_id", "week", "weights_name", name=op.f("uq_health_snapshots_account_id")),
    )
    with op.batch_alter_table("health_snapshots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_health_snapshots_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_health_snapshots_week"), ["week"], unique=False)

    op.create_table(
        "health_overrides",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("band", sa.String(length=8), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        sa.Column("set_at", account_intel.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("cleared_at", account_intel.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cleared_by", sa.String(length=64), nullable=True),
        sa.CheckConstraint("score IS NOT NULL OR band IS NOT NULL", name=op.f("ck_health_overrides_score_or_band")),
        sa.CheckConstraint(
            "score IS NULL OR (score >= 0 AND score <= 100)", name=op.f("ck_health_overrides_score_range")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_health_overrides_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_overrides")),
    )
    with op.batch_alter_table("health_overrides", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_health_overrides_account_id"), ["account_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("health_overrides", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_health_overrides_account_id"))
    op.drop_table("health_overrides")
    with op.batch_alter_table("health_snapshots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_health_snapshots_week"))
        batch_op.drop_index(batch_op.f("ix_health_snapshots_account_id"))
    op.drop_table("health_snapshots")
