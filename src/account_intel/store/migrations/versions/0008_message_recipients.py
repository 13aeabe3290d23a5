"""every recipient of a message on record and gated; a decision covers exactly what is sent

`message_recipients` holds one normalised row per recipient (To, Cc, Bcc) of each message, naming the contact it
is when known; existing messages get theirs from their address lines. `outbound_messages.bcc` is the Bcc line.
`message_approvals.content_hash` is the sha256 of what a decision covers. The send guard is replaced by one that
judges every recipient row (a message with none is gated), and a decided message's sender, recipients, subject
and body are frozen.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from account_intel.domain.email_address import parse_recipients
from account_intel.store.migrations.recipient_guards import drop_recipient_guards, install_recipient_guards

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("outbound_messages", sa.Column("bcc", sa.String(length=400), nullable=True))
    op.add_column("message_approvals", sa.Column("content_hash", sa.String(length=64), nullable=True))
    op.create_table(
        "message_recipients",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "kind", sa.Enum("to", "cc", "bcc", name="recipientkind", native_enum=False, length=8), nullable=False
        ),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("contact_id", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_message_recipients_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["outbound_messages.id"],
            name=op.f("fk_message_recipients_message_id_outbound_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_recipients")),
        sa.UniqueConstraint("message_id", "address", name=op.f("uq_message_recipients_message_id")),
    )
    op.create_index(op.f("ix_message_recipients_address"), "message_recipients", ["address"], unique=False)
    op.create_index(op.f("ix_message_recipients_contact_id"), "message_recipients", ["contact_id"], unique=False)
    op.create_index(op.f("ix_message_recipients_message_id"), "message_recipients", ["message_id"], unique=False)
    _backfill()
    install_recipient_guards(op.get_bind(), lines_match=False)  # as revision 0008 made it; 0010 adds the rest


def _backfill() -> None:
    """Existing messages: a row for each address of their To and Cc lines, naming the contact it is."""
    conn = op.get_bind()
    messages = conn.execute(sa.text("SELECT id, account_id, contact_id, to_address, cc FROM outbound_messages"))
    rows = []
    for message_id, account_id, contact_id, to_address, cc in messages.all():
        for position, recipient in enumerate(parse_recipients(to_address, cc), start=1):
            found = conn.execute(
                sa.text("SELECT id, account_id FROM contacts WHERE lower(email) = :address ORDER BY id"),
                {"address": recipient.address},
            ).all()
            ids = [row[0] for row in found]
            same_account = [row[0] for row in found if row[1] == account_id]
            who = contact_id if contact_id in ids else (same_account or ids or [None])[0]
            rows.append(
                {
                    "message_id": message_id,
                    "position": position,
                    "kind": recipient.kind.value,
                    "address": recipient.address,
                    "contact_id": who,
                }
            )
    if rows:
        table = sa.table(
            "message_recipients",
            sa.column("message_id", sa.String()),
            sa.column("position", sa.Integer()),
            sa.column("kind", sa.String()),
            sa.column("address", sa.String()),
            sa.column("contact_id", sa.String()),
        )
        op.bulk_insert(table, rows)


def downgrade() -> None:
    drop_recipient_guards(op.get_bind())
    op.drop_index(op.f("ix_message_recipients_message_id"), table_name="message_recipients")
    op.drop_index(op.f("ix_message_recipients_contact_id"), table_name="message_recipients")
    op.drop_index(op.f("ix_message_recipients_address"), table_name="message_recipients")
    op.drop_table("message_recipients")
    op.drop_column("message_approvals", "content_hash")
    op.drop_column("outbound_messages", "bcc")
