"""expansion pipeline: stage history, proposals, bundles and proposal messages

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

New columns on `opportunities` (analytics evidence, the recommendation it came from, a recorded
precondition override, the contract line a win created) and four new tables:

- opportunity_stage_history: every stage an opportunity entered, with probability, time and user
  (win rate by stage reached, time to close);
- proposals: a generated proposal with its scope, package discount and rendered Markdown/HTML;
- proposal_opportunities: the opportunities a proposal covers (one, or a bundle);
- proposal_messages: which outbound message sends which proposal, and whether its post-send effects ran
  (they run later when the message waited for an approval).

The new opportunity columns carry no foreign keys so SQLite can add them with a plain ALTER TABLE instead of
rebuilding a table that activities, tasks and outbound messages reference.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import account_intel.store.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STAGES = (
    "identified",
    "qualified",
    "proposal",
    "negotiation",
    "verbal_agreement",
    "closed_won",
    "closed_lost",
)


def _stage() -> sa.Enum:
    return sa.Enum(*_STAGES, name="opportunitystage", native_enum=False, length=32)


def upgrade() -> None:
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("evidence", sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
        batch_op.add_column(sa.Column("recommendation_id", sa.String(length=96), nullable=True))
        batch_op.add_column(sa.Column("override_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("override_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("won_line_id", sa.String(length=96), nullable=True))

    op.create_table(
        "opportunity_stage_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("opportunity_id", sa.String(length=32), nullable=False),
        sa.Column("from_stage", _stage(), nullable=True),
        sa.Column("to_stage", _stage(), nullable=False),
        sa.Column("probability", sa.Integer(), nullable=False),
        sa.Column("changed_at", account_intel.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_opportunity_stage_history_opportunity_id_opportunities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["changed_by"], ["users.id"], name=op.f("fk_opportunity_stage_history_changed_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunity_stage_history")),
    )
    with op.batch_alter_table("opportunity_stage_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_opportunity_stage_history_opportunity_id"), ["opportunity_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_opportunity_stage_history_changed_at"), ["changed_at"], unique=False)

    op.create_table(
        "proposals",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("opportunity_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum("generated", "sent", "rejected", name="proposalstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("discount_bps", sa.Integer(), nullable=False),
        sa.Column("gross_value", account_intel.store.types.Money(precision=18, scale=2), nullable=False),
        sa.Column("discount_value", account_intel.store.types.Money(precision=18, scale=2), nullable=False),
        sa.Column("net_value", account_intel.store.types.Money(precision=18, scale=2), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("content_md", sa.Text(), nullable=False),
        sa.Column("content_html", sa.Text(), nullable=False),
        sa.Column("created_at", account_intel.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("sent_at", account_intel.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_proposals_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_proposals_opportunity_id_opportunities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_proposals_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposals")),
    )
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposals_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_proposals_opportunity_id"), ["opportunity_id"], unique=False)

    op.create_table(
        "proposal_opportunities",
        sa.Column("proposal_id", sa.String(length=32), nullable=False),
        sa.Column("opportunity_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("value", account_intel.store.types.Money(precision=18, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_proposal_opportunities_proposal_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_proposal_opportunities_opportunity_id_opportunities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("proposal_id", "opportunity_id", name=op.f("pk_proposal_opportunities")),
    )
    with op.batch_alter_table("proposal_opportunities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposal_opportunities_opportunity_id"), ["opportunity_id"], unique=False)

    op.create_table(
        "proposal_messages",
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("proposal_id", sa.String(length=32), nullable=False),
        sa.Column("opportunity_id", sa.String(length=32), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", account_intel.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("effects_applied_at", account_intel.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["outbound_messages.id"],
            name=op.f("fk_proposal_messages_message_id_outbound_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_proposal_messages_proposal_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_proposal_messages_opportunity_id_opportunities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["requested_by"], ["users.id"], name=op.f("fk_proposal_messages_requested_by_users")),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_proposal_messages")),
    )
    with op.batch_alter_table("proposal_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposal_messages_proposal_id"), ["proposal_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("proposal_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_messages_proposal_id"))
    op.drop_table("proposal_messages")
    with op.batch_alter_table("proposal_opportunities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_opportunities_opportunity_id"))
    op.drop_table("proposal_opportunities")
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposals_opportunity_id"))
        batch_op.drop_index(batch_op.f("ix_proposals_account_id"))
    op.drop_table("proposals")
    with op.batch_alter_table("opportunity_stage_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opportunity_stage_history_changed_at"))
        batch_op.drop_index(batch_op.f("ix_opportunity_stage_history_opportunity_id"))
    op.drop_table("opportunity_stage_history")
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.drop_column("won_line_id")
        batch_op.drop_column("override_by")
        batch_op.drop_column("override_reason")
        batch_op.drop_column("recommendation_id")
        batch_op.drop_column("evidence")
