"""usage indexes for the portfolio scan, and contacts by address

Two partial covering indexes answer the scan's reads of usage (plan totals, feature use) without touching the
table; the single-column account index duplicated the unique constraint's leading column and goes. The outbound
gate looks recipients up by lower(email): an expression index keeps that from scanning every contact.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOTALS = ("account_id", "metric", "period_start", "value", "plan_limit", "feature_id")
FEATURES = ("account_id", "metric", "period_start", "value", "feature_id")


def upgrade() -> None:
    op.create_index(
        "ix_usage_metrics_scan_totals",
        "usage_metrics",
        list(TOTALS),
        sqlite_where=sa.text("feature_id IS NULL"),
        postgresql_where=sa.text("feature_id IS NULL"),
    )
    op.create_index(
        "ix_usage_metrics_scan_features",
        "usage_metrics",
        list(FEATURES),
        sqlite_where=sa.text("feature_id IS NOT NULL"),
        postgresql_where=sa.text("feature_id IS NOT NULL"),
    )
    op.drop_index("ix_usage_metrics_account_id", table_name="usage_metrics")
    op.create_index("ix_contacts_email_lower", "contacts", [sa.text("lower(email)")])


def downgrade() -> None:
    op.drop_index("ix_contacts_email_lower", table_name="contacts")
    op.create_index("ix_usage_metrics_account_id", "usage_metrics", ["account_id"])
    op.drop_index("ix_usage_metrics_scan_features", table_name="usage_metrics")
    op.drop_index("ix_usage_metrics_scan_totals", table_name="usage_metrics")
