"""the language each customer is written to in

`accounts.language` holds a language tag (`de`, `pt-BR`); empty means the default language setting.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("accounts", sa.Column("language", sa.String(length=16), nullable=True))


def downgrade() -> None:
    op.drop_column("accounts", "language")  # SQLite 3.35+ drops a column in place, keeping the triggers
