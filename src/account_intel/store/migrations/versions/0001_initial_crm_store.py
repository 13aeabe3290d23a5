"""initial CRM store

Revision ID: 0001
Revises:
Create Date: 2026-11-22

Every table of the CRM store, plus two rules the database itself enforces:
the event log is append-only, and an outbound message to a gated recipient
(a contact of a T1 account, or a do-not-contact contact) cannot be marked sent
without an approval whose final text is the message's body.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import account_intel.store.types
from account_intel.store.migrations.guards import drop_guards, install_guards

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("occurred_at", account_intel.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=True),
        sa.Column("entity_type", sa.String(length=32), nullable=True),
        sa.Column("entity_id", sa.String(length=96), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_events_occurred_at"), ["occurred_at"], unique=False)

    op.create_table(
        "id_sequences",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_id_sequences")),
    )
    op.create_table(
        "products",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("plan", "product", "module", "service", name="productkind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("family", sa.String(length=64), nullable=True),
        sa.Column(
            "pricing_unit",
            sa.Enum("seat", "unit", "flat", "usage", name="pricingunit", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("list_price", account_intel.store.types.Money(precision=18, scale=2), nullable=False),
        sa.Column("unit_label", sa.String(length=64), nullable=True),
        sa.Column("tier_rank", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("name", name=op.f("uq_products_name")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column(
            "role",
            sa.Enum("ae", "csm", "am", "manager", name="userrole", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("manager_id", sa.String(length=64), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["manager_id"], ["users.id"], name=op.f("fk_users_manager_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum("active", "churned", "prospect", name="accountstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("industry", sa.String(length=80), nullable=True),
        sa.Column("headcount", sa.Integer(), nullable=True),
        sa.Column("hq_country", sa.String(length=64), nullable=True),
        sa.Column("region", sa.String(length=32), nullable=True),
        sa.Column("domain", sa.String(length=200), nullable=True),
        sa.Column("customer_since", sa.Date(), nullable=True),
        sa.Column("renewal_date", sa.Date(), nullable=True),
        sa.Column("next_qbr_date", sa.Date(), nullable=True),
        sa.Column("churned_on", sa.Date(), nullable=True),
        sa.Column("fiscal_year_start_month", sa.Integer(), nullable=False),
        sa.Column("ae_id", sa.String(length=64), nullable=True),
        sa.Column("csm_id", sa.String(length=64), nullable=True),
        sa.Column("am_id", sa.String(length=64), nullable=True),
        sa.Column("arr", account_intel.store.types.Money(precision=18, scale=2), nullable=False),
        sa.Column("arr_as_of", sa.Date(), nullable=True),
        sa.Column("tier", sa.Enum("T1", "T2", "T3", name="tier", native_enum=False, length=4), nullable=False),
        sa.Column(
            "tier_override",
            sa.Enum("T1", "T2", "T3", name="tier", native_enum=False, length=4),
            nullable=True,
        ),
        sa.Column("tier_override_reason", sa.Text(), nullable=True),
        sa.Column(
            "segment",
            sa.Enum("Enterprise", "Mid-Market", "SMB", name="segment", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("created_at", account_intel.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ae_id"], ["users.id"], name=op.f("fk_accounts_ae_id_users")),
        sa.ForeignKeyConstraint(["am_id"], ["users.id"], name=op.f("fk_accounts_am_id_users")),
        sa.ForeignKeyConstraint(["csm_id"], ["users.id"], name=op.f("fk_accounts_csm_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_accounts_ae_id"), ["ae_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_accounts_am_id"), ["am_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_accounts_csm_id"), ["csm_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_accounts_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_accounts_segment"), ["segment"], unique=False)
        batch_op.create_index(batch_op.f("ix_accounts_tier"), ["tier"], unique=False)

    op.create_table(
        "features",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("feature", "integration", name="featurekind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("product_id", sa.String(length=64), nullable=True),
        sa.Column("min_tier_rank", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_features_product_id_products")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_features")),
    )
    op.create_table(
        "churn_events",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("churned_on", sa.Date(), nullable=False),
        sa.Column("reason_code", sa.String(length=64), nullable=True),
        sa.Column("refund_amount", account_intel.store.types.Money(precision=18, scale=2), nullable=True),
        sa.Column("preceding_upgrade", sa.Boolean(), nullable=False),
        sa.Column("preceding_downgrade", sa.Boolean(), nullable=False),
        sa.Column("is_reactivation", sa.Boolean(), nullable=False),
        sa.Column("feedback", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_churn_events_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_churn_events")),
    )
    with op.batch_alter_table("churn_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_churn_events_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_churn_events_churned_on"), ["churned_on"], unique=False)

    op.create_table(
        "contracts",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "new",
                "renewal",
                "upgrade",
                "downgrade",
                "expansion",
                name="contractkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum("active", "expired", "cancelled", name="contractstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("payment_terms", sa.String(length=64), nullable=True),
        sa.Column("billing_frequency", sa.String(length=32), nullable=True),
        sa.Column("auto_renew", sa.Boolean(), nullable=False),
        sa.Column("is_trial", sa.Boolean(), nullable=False),
        sa.Column("terms", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_contracts_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contracts")),
    )
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contracts_account_id"), ["account_id"], unique=False)

    op.create_table(
        "departments",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("headcount", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_departments_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_departments")),
        sa.UniqueConstraint("account_id", "name", name=op.f("uq_departments_account_id")),
    )
    with op.batch_alter_table("departments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_departments_account_id"), ["account_id"], unique=False)

    op.create_table(
        "geographies",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("country", sa.String(length=64), nullable=True),
        sa.Column("region", sa.String(length=32), nullable=True),
        sa.Column("headcount", sa.Integer(), nullable=True),
        sa.Column("is_hq", sa.Boolean(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_geographies_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_geographies")),
        sa.UniqueConstraint("account_id", "name", name=op.f("uq_geographies_account_id")),
    )
    with op.batch_alter_table("geographies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_geographies_account_id"), ["account_id"], unique=False)

    op.create_table(
        "org_events",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "executive_change",
                "funding",
                "acquisition",
                "new_office",
                "hiring",
                "new_budget",
                "department_created",
                name="orgeventkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.Column("department", sa.String(length=120), nullable=True),
        sa.Column("geography", sa.String(length=120), nullable=True),
        sa.Column("magnitude", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_org_events_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_events")),
    )
    with op.batch_alter_table("org_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_org_events_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_org_events_occurred_on"), ["occurred_on"], unique=False)

    op.create_table(
        "qbrs",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("scheduled_for", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("scheduled", "held", "cancelled", name="qbrstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_qbrs_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qbrs")),
    )
    with op.batch_alter_table("qbrs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_qbrs_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_qbrs_scheduled_for"), ["scheduled_for"], unique=False)

    op.create_table(
        "support_tickets",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("opened_at", account_intel.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", account_intel.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "severity",
            sa.Enum("low", "medium", "high", "urgent", name="ticketseverity", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("category", sa.String(length=64), nullable=True),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("first_response_minutes", sa.Integer(), nullable=True),
        sa.Column("resolution_hours", sa.Integer(), nullable=True),
        sa.Column("satisfaction_score", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_support_tickets_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_tickets")),
    )
    with op.batch_alter_table("support_tickets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_support_tickets_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_support_tickets_opened_at"), ["opened_at"], unique=False)

    op.create_table(
        "usage_metrics",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("metric", sa.String(length=96), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("plan_limit", sa.BigInteger(), nullable=True),
        sa.Column("unit", sa.String(length=32), nullable=True),
        sa.Column("feature_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_usage_metrics_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["feature_id"], ["features.id"], name=op.f("fk_usage_metrics_feature_id_features")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_metrics")),
        sa.UniqueConstraint("account_id", "metric", "period_start", name=op.f("uq_usage_metrics_account_id")),
    )
    with op.batch_alter_table("usage_metrics", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_usage_metrics_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_usage_metrics_period_start"), ["period_start"], unique=False)

    op.create_table(
        "contacts",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("title", sa.String(length=160), nullable=True),
        sa.Column("department_id", sa.String(length=80), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column(
            "meddicc_role",
            sa.Enum(
                "champion",
                "economic_buyer",
                "decision_maker",
                "influencer",
                "blocker",
                "user",
                name="meddiccrole",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("is_executive", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("do_not_contact", sa.Boolean(), nullable=False),
        sa.Column("first_contact_on", sa.Date(), nullable=True),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_contacts_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_contacts_department_id_departments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contacts_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contacts_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_contacts_name"), ["name"], unique=False)

    op.create_table(
        "contract_lines",
        sa.Column("id", sa.String(length=96), nullable=False),
        sa.Column("contract_id", sa.String(length=80), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", account_intel.store.types.Money(precision=18, scale=2), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("department_id", sa.String(length=80), nullable=True),
        sa.Column("geography_id", sa.String(length=80), nullable=True),
        sa.Column("description", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_contract_lines_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_contract_lines_contract_id_contracts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_contract_lines_department_id_departments")
        ),
        sa.ForeignKeyConstraint(
            ["geography_id"], ["geographies.id"], name=op.f("fk_contract_lines_geography_id_geographies")
        ),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_contract_lines_product_id_products")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract_lines")),
    )
    with op.batch_alter_table("contract_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contract_lines_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contract_lines_contract_id"), ["contract_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contract_lines_product_id"), ["product_id"], unique=False)

    op.create_table(
        "opportunities",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
                "new_department",
                "new_location",
                "new_service",
                "volume_increase",
                "rate_increase",
                "contract_extension",
                name="opportunitytype",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "stage",
            sa.Enum(
                "identified",
                "qualified",
                "proposal",
                "negotiation",
                "verbal_agreement",
                "closed_won",
                "closed_lost",
                name="opportunitystage",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("probability", sa.Integer(), nullable=False),
        sa.Column("estimated_value", account_intel.store.types.Money(precision=18, scale=2), nullable=False),
        sa.Column("expected_close_date", sa.Date(), nullable=True),
        sa.Column(
            "source",
            sa.Enum(
                "client_mention",
                "news_linkedin",
                "qbr_discussion",
                "proactive_outreach",
                "internal_referral",
                "cs_driven_expansion",
                name="opportunitysource",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("source_contact_id", sa.String(length=80), nullable=True),
        sa.Column("champion_id", sa.String(length=80), nullable=True),
        sa.Column("decision_maker_id", sa.String(length=80), nullable=True),
        sa.Column("decision_maker_note", sa.String(length=200), nullable=True),
        sa.Column("influencer_ids", sa.JSON(), nullable=False),
        sa.Column("target_departments", sa.JSON(), nullable=False),
        sa.Column("discovery_notes", sa.Text(), nullable=True),
        sa.Column("owner_id", sa.String(length=64), nullable=True),
        sa.Column("closed_value", account_intel.store.types.Money(precision=18, scale=2), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("loss_reason", sa.String(length=32), nullable=True),
        sa.Column("loss_note", sa.Text(), nullable=True),
        sa.Column("created_at", account_intel.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", account_intel.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_opportunities_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["champion_id"], ["contacts.id"], name=op.f("fk_opportunities_champion_id_contacts")),
        sa.ForeignKeyConstraint(
            ["decision_maker_id"], ["contacts.id"], name=op.f("fk_opportunities_decision_maker_id_contacts")
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_opportunities_owner_id_users")),
        sa.ForeignKeyConstraint(
            ["source_contact_id"], ["contacts.id"], name=op.f("fk_opportunities_source_contact_id_contacts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunities")),
    )
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_opportunities_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_opportunities_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_opportunities_stage"), ["stage"], unique=False)

    op.create_table(
        "survey_responses",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("contact_id", sa.String(length=80), nullable=True),
        sa.Column("kind", sa.Enum("nps", "csat", name="surveykind", native_enum=False, length=8), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("responded_on", sa.Date(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_survey_responses_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], name=op.f("fk_survey_responses_contact_id_contacts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_responses")),
    )
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_responses_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_survey_responses_responded_on"), ["responded_on"], unique=False)

    op.create_table(
        "activities",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("opportunity_id", sa.String(length=32), nullable=True),
        sa.Column(
            "kind",
            sa.Enum("call", "email", "meeting", "note", name="activitykind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("occurred_at", account_intel.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=200), nullable=True),
        sa.Column(
            "sentiment",
            sa.Enum(
                "very_negative",
                "negative",
                "neutral",
                "positive",
                "very_positive",
                name="sentiment",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_activities_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"], ["opportunities.id"], name=op.f("fk_activities_opportunity_id_opportunities")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_activities_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activities_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_activities_occurred_at"), ["occurred_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_activities_opportunity_id"), ["opportunity_id"], unique=False)

    op.create_table(
        "outbound_messages",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("contact_id", sa.String(length=80), nullable=True),
        sa.Column("to_address", sa.String(length=200), nullable=False),
        sa.Column("cc", sa.String(length=400), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("draft", "approved", "rejected", "sent", name="messagestatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("origin", sa.String(length=64), nullable=False),
        sa.Column("opportunity_id", sa.String(length=32), nullable=True),
        sa.Column("thread_id", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", account_intel.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", account_intel.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_outbound_messages_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], name=op.f("fk_outbound_messages_contact_id_contacts")),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_outbound_messages_opportunity_id_opportunities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_messages")),
    )
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbound_messages_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbound_messages_contact_id"), ["contact_id"], unique=False)

    op.create_table(
        "tasks",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=True),
        sa.Column("opportunity_id", sa.String(length=32), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("assignee_id", sa.String(length=64), nullable=True),
        sa.Column(
            "status",
            sa.Enum("open", "done", "cancelled", name="taskstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("created_at", account_intel.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", account_intel.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_tasks_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["assignee_id"], ["users.id"], name=op.f("fk_tasks_assignee_id_users")),
        sa.ForeignKeyConstraint(
            ["opportunity_id"], ["opportunities.id"], name=op.f("fk_tasks_opportunity_id_opportunities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tasks_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tasks_assignee_id"), ["assignee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tasks_opportunity_id"), ["opportunity_id"], unique=False)

    op.create_table(
        "activity_contacts",
        sa.Column("activity_id", sa.String(length=80), nullable=False),
        sa.Column("contact_id", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_activity_contacts_activity_id_activities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_activity_contacts_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("activity_id", "contact_id", name=op.f("pk_activity_contacts")),
    )
    with op.batch_alter_table("activity_contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activity_contacts_contact_id"), ["contact_id"], unique=False)

    op.create_table(
        "message_approvals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("approver_id", sa.String(length=64), nullable=False),
        sa.Column(
            "decision",
            sa.Enum("approved", "edited", "rejected", name="approvaldecision", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("decided_at", account_intel.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("text_before", sa.Text(), nullable=False),
        sa.Column("final_text", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["approver_id"], ["users.id"], name=op.f("fk_message_approvals_approver_id_users")),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["outbound_messages.id"],
            name=op.f("fk_message_approvals_message_id_outbound_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_approvals")),
    )
    with op.batch_alter_table("message_approvals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_message_approvals_message_id"), ["message_id"], unique=False)
    install_guards(op.get_bind())


def downgrade() -> None:
    drop_guards(op.get_bind())
    with op.batch_alter_table("message_approvals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_approvals_message_id"))

    op.drop_table("message_approvals")
    with op.batch_alter_table("activity_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_contacts_contact_id"))

    op.drop_table("activity_contacts")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tasks_opportunity_id"))
        batch_op.drop_index(batch_op.f("ix_tasks_assignee_id"))
        batch_op.drop_index(batch_op.f("ix_tasks_account_id"))

    op.drop_table("tasks")
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbound_messages_contact_id"))
        batch_op.drop_index(batch_op.f("ix_outbound_messages_account_id"))

    op.drop_table("outbound_messages")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activities_opportunity_id"))
        batch_op.drop_index(batch_op.f("ix_activities_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_activities_account_id"))

    op.drop_table("activities")
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_responses_responded_on"))
        batch_op.drop_index(batch_op.f("ix_survey_responses_account_id"))

    op.drop_table("survey_responses")
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opportunities_stage"))
        batch_op.drop_index(batch_op.f("ix_opportunities_owner_id"))
        batch_op.drop_index(batch_op.f("ix_opportunities_account_id"))

    op.drop_table("opportunities")
    with op.batch_alter_table("contract_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contract_lines_product_id"))
        batch_op.drop_index(batch_op.f("ix_contract_lines_contract_id"))
        batch_op.drop_index(batch_op.f("ix_contract_lines_account_id"))

    op.drop_table("contract_lines")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contacts_name"))
        batch_op.drop_index(batch_op.f("ix_contacts_email"))
        batch_op.drop_index(batch_op.f("ix_contacts_account_id"))

    op.drop_table("contacts")
    with op.batch_alter_table("usage_metrics", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_usage_metrics_period_start"))
        batch_op.drop_index(batch_op.f("ix_usage_metrics_account_id"))

    op.drop_table("usage_metrics")
    with op.batch_alter_table("support_tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_support_tickets_opened_at"))
        batch_op.drop_index(batch_op.f("ix_support_tickets_account_id"))

    op.drop_table("support_tickets")
    with op.batch_alter_table("qbrs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_qbrs_scheduled_for"))
        batch_op.drop_index(batch_op.f("ix_qbrs_account_id"))

    op.drop_table("qbrs")
    with op.batch_alter_table("org_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_org_events_occurred_on"))
        batch_op.drop_index(batch_op.f("ix_org_events_account_id"))

    op.drop_table("org_events")
    with op.batch_alter_table("geographies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_geographies_account_id"))

    op.drop_table("geographies")
    with op.batch_alter_table("departments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_departments_account_id"))

    op.drop_table("departments")
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contracts_account_id"))

    op.drop_table("contracts")
    with op.batch_alter_table("churn_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_churn_events_churned_on"))
        batch_op.drop_index(batch_op.f("ix_churn_events_account_id"))

    op.drop_table("churn_events")
    op.drop_table("features")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accounts_tier"))
        batch_op.drop_index(batch_op.f("ix_accounts_segment"))
        batch_op.drop_index(batch_op.f("ix_accounts_name"))
        batch_op.drop_index(batch_op.f("ix_accounts_csm_id"))
        batch_op.drop_index(batch_op.f("ix_accounts_am_id"))
        batch_op.drop_index(batch_op.f("ix_accounts_ae_id"))

    op.drop_table("accounts")
    op.drop_table("users")
    op.drop_table("products")
    op.drop_table("id_sequences")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_events_kind"))
        batch_op.drop_index(batch_op.f("ix_events_account_id"))

    op.drop_table("events")
