"""the store's data date and dated changes of undated values

`store_meta` holds one row: the date the store's data runs to, which commands default to without `--as-of`.
`field_changes` records when a tier, a tier override (and its reason) or a contact's active or do-not-contact
flag changed, so that an as-of computation reads the value of its date. A store that already holds accounts gets
the latest date its ARR was derived on as its data date.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

import account_intel.store.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "store_meta",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("data_as_of", sa.Date(), nullable=True),
        sa.Column("data_as_of_source", sa.String(length=32), nullable=True),
        sa.Column("updated_at", account_intel.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_store_meta_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_meta")),
    )
    op.create_table(
        "field_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("entity_type", sa.String(length=16), nullable=False),
        sa.Column("entity_id", sa.String(length=96), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", account_intel.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_field_changes_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_changes")),
    )
    op.create_index(
        "ix_field_changes_lookup",
        "field_changes",
        ["entity_type", "field", "account_id", "entity_id", "effective_on"],
    )
    _backfill_data_date()


def _backfill_data_date() -> None:
    """A store built before this revision: its data date is the latest date ARR was derived on (demo or import)."""
    conn = op.get_bind()
    latest = conn.execute(sa.text("SELECT max(arr_as_of) FROM accounts")).scalar()
    if latest is None:
        return
    day = latest if isinstance(latest, date) else date.fromisoformat(str(latest))
    meta = sa.table(
        "store_meta",
        sa.column("id", sa.Integer()),
        sa.column("data_as_of", sa.Date()),
        sa.column("data_as_of_source", sa.String()),
        sa.column("updated_at", account_intel.store.types.UTCDateTime(timezone=True)),
    )
    op.bulk_insert(
        meta,
        [{"id": 1, "data_as_of": day, "data_as_of_source": "ARR derivation", "updated_at": datetime.now(UTC)}],
    )


def downgrade() -> None:
    op.drop_index("ix_field_changes_lookup", table_name="field_changes")
    op.drop_table("field_changes")
    op.drop_table("store_meta")
