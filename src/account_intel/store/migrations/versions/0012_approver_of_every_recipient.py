"""an AE approves only for their own accounts, every recipient's included

The database's approver guard now matches the product's rule: a manager, or an active AE who is the AE of the
message's account and of every account a recipient is a contact of.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from account_intel.store.migrations.approver_guards import install_approver_guard, restore_account_guard

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    install_approver_guard(op.get_bind())


def downgrade() -> None:
    restore_account_guard(op.get_bind())
