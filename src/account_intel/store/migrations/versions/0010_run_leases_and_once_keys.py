"""run leases, and keys that make a run's completion and an agent's draft happen once

`run_leases` holds which process runs a graph thread and until when; a second process skips a claimed thread, and
an expired lease (its owner crashed) is taken over. `events.dedupe_key` is set on events that happen once per thing
(`run.completed:<thread>`), `outbound_messages.draft_key` on agent drafts (thread, contact, purpose); both are
unique, so a resumed or overlapping run can never write a second one.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import account_intel.store.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "run_leases",
        sa.Column("thread_id", sa.String(length=200), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("claimed_at", account_intel.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", account_intel.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("thread_id", name=op.f("pk_run_leases")),
    )
    op.create_index(op.f("ix_run_leases_expires_at"), "run_leases", ["expires_at"], unique=False)
    op.add_column("events", sa.Column("dedupe_key", sa.String(length=240), nullable=True))
    op.create_index(op.f("ix_events_dedupe_key"), "events", ["dedupe_key"], unique=True)
    op.add_column("outbound_messages", sa.Column("draft_key", sa.String(length=360), nullable=True))
    op.create_index(op.f("ix_outbound_messages_draft_key"), "outbound_messages", ["draft_key"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_outbound_messages_draft_key"), table_name="outbound_messages")
    op.drop_column("outbound_messages", "draft_key")
    op.drop_index(op.f("ix_events_dedupe_key"), table_name="events")
    op.drop_column("events", "dedupe_key")
    op.drop_index(op.f("ix_run_leases_expires_at"), table_name="run_leases")
    op.drop_table("run_leases")
