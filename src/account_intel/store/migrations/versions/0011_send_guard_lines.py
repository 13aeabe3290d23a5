"""the send guard also holds the address lines to the recipient rows

A message whose To, Cc or Bcc line names an address its recipient rows do not (written behind the rows' back, an
unknown address included) is gated: marking it sent needs an approval of its exact body.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from account_intel.store.migrations.recipient_guards import install_recipient_guards

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    install_recipient_guards(op.get_bind(), lines_match=True)


def downgrade() -> None:
    install_recipient_guards(op.get_bind(), lines_match=False)
