"""agent runs and trigger firings

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import account_intel.store.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agent_runs",
        sa.Column("thread_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("brain", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("started_at", account_intel.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", account_intel.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("model_calls", sa.Integer(), nullable=False),
        sa.Column("input_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.Column("brains", sa.JSON(), nullable=False),
        sa.Column("grounding", sa.JSON(), nullable=False),
        sa.Column("deliverables", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("thread_id", name=op.f("pk_agent_runs")),
    )
    op.create_index(op.f("ix_agent_runs_kind"), "agent_runs", ["kind"])
    op.create_index(op.f("ix_agent_runs_account_id"), "agent_runs", ["account_id"])
    op.create_index(op.f("ix_agent_runs_status"), "agent_runs", ["status"])
    op.create_table(
        "trigger_firings",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("trigger", sa.String(length=48), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("fired_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("action", sa.String(length=48), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_trigger_firings")),
    )
    op.create_index(op.f("ix_trigger_firings_account_id"), "trigger_firings", ["account_id"])


def downgrade() -> None:
    op.drop_table("trigger_firings")
    op.drop_table("agent_runs")
