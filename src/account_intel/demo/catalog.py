"""The demo vendor's catalog: plans, seats, modules and services, and the features they carry.

Prices are annual list prices. The numbers the story accounts rely on: Professional to Enterprise is a $24,000 step,
15 seats cost $18,000, the Compliance Suite is $15,000.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from account_intel.domain.enums import FeatureKind, PricingUnit, ProductKind

VENDOR_NAME = "Northwind Insights"
VENDOR_DOMAIN = "northwind-insights.com"
DEMO_SOURCE = "demo"

STARTER, PROFESSIONAL, ENTERPRISE = "plan_starter", "plan_professional", "plan_enterprise"
SEATS = "prod_seats"
COMPLIANCE, ANALYTICS, API_PACKAGE = "mod_compliance", "mod_analytics", "mod_api_package"
IMPLEMENTATION, PREMIUM_SUPPORT, TRAINING = "svc_implementation", "svc_premium_support", "svc_training"

PLANS = (STARTER, PROFESSIONAL, ENTERPRISE)
MODULES = (COMPLIANCE, ANALYTICS, API_PACKAGE)
SERVICES = (IMPLEMENTATION, PREMIUM_SUPPORT, TRAINING)

# id, name, kind, family, pricing unit, annual list price, unit label, tier rank, description
_PRODUCTS: tuple[tuple[str, str, ProductKind, str, PricingUnit, int, str | None, int | None, str], ...] = (
    (STARTER, "Starter", ProductKind.PLAN, "platform", PricingUnit.FLAT, 8_000, None, 1, "Entry platform fee."),
    (PROFESSIONAL, "Professional", ProductKind.PLAN, "platform", PricingUnit.FLAT, 40_000, None, 2, "Mid platform."),
    (ENTERPRISE, "Enterprise", ProductKind.PLAN, "platform", PricingUnit.FLAT, 64_000, None, 3, "Top platform."),
    (SEATS, "Seats", ProductKind.PRODUCT, "seats", PricingUnit.SEAT, 1_200, "seat", None, "Named user per year."),
    (COMPLIANCE, "Compliance Suite", ProductKind.MODULE, "modules", PricingUnit.FLAT, 15_000, None, None, "Audit."),
    (ANALYTICS, "Advanced Analytics", ProductKind.MODULE, "modules", PricingUnit.FLAT, 12_000, None, None, "BI."),
    (
        API_PACKAGE,
        "API Package",
        ProductKind.MODULE,
        "modules",
        PricingUnit.USAGE,
        6_000,
        "block of 1M API calls/month",
        None,
        "Each block adds 1M API calls per month to the plan's limit.",
    ),
    (
        IMPLEMENTATION,
        "Implementation Services",
        ProductKind.SERVICE,
        "services",
        PricingUnit.FLAT,
        10_000,
        None,
        None,
        "",
    ),
    (PREMIUM_SUPPORT, "Premium Support", ProductKind.SERVICE, "services", PricingUnit.FLAT, 8_000, None, None, ""),
    (TRAINING, "Training", ProductKind.SERVICE, "services", PricingUnit.UNIT, 2_000, "day", None, "On-site day."),
)

LIST_PRICE: dict[str, Decimal] = {row[0]: Decimal(row[5]) for row in _PRODUCTS}
PLAN_RANK: dict[str, int] = {STARTER: 1, PROFESSIONAL: 2, ENTERPRISE: 3}
PLAN_API_LIMIT: dict[str, int] = {STARTER: 200_000, PROFESSIONAL: 1_000_000, ENTERPRISE: 5_000_000}
PLAN_STORAGE_GB: dict[str, int] = {STARTER: 100, PROFESSIONAL: 500, ENTERPRISE: 2_000}
API_BLOCK_CALLS = 1_000_000

# id, name, kind, module product (or None), lowest plan rank (or None = every plan)
_FEATURES: tuple[tuple[str, str, FeatureKind, str | None, int | None], ...] = (
    ("feat_dashboards", "Dashboards", FeatureKind.FEATURE, None, 1),
    ("feat_reports", "Custom Reports", FeatureKind.FEATURE, None, 1),
    ("feat_alerts", "Alerts & Notifications", FeatureKind.FEATURE, None, 1),
    ("feat_workspaces", "Shared Workspaces", FeatureKind.FEATURE, None, 1),
    ("feat_data_import", "Data Import", FeatureKind.FEATURE, None, 1),
    ("feat_mobile", "Mobile App", FeatureKind.FEATURE, None, 1),
    ("feat_automation", "Workflow Automation", FeatureKind.FEATURE, None, 2),
    ("feat_api_access", "REST API Access", FeatureKind.FEATURE, None, 2),
    ("feat_sso", "SSO & SCIM", FeatureKind.FEATURE, None, 2),
    ("feat_advanced_reporting", "Advanced Reporting", FeatureKind.FEATURE, None, 3),
    ("feat_audit_trails", "Audit Trails", FeatureKind.FEATURE, COMPLIANCE, None),
    ("feat_predictive", "Predictive Insights", FeatureKind.FEATURE, ANALYTICS, None),
    ("int_salesforce", "Salesforce", FeatureKind.INTEGRATION, None, 1),
    ("int_hubspot", "HubSpot", FeatureKind.INTEGRATION, None, 1),
    ("int_slack", "Slack", FeatureKind.INTEGRATION, None, 1),
    ("int_jira", "Jira", FeatureKind.INTEGRATION, None, 1),
    ("int_github", "GitHub", FeatureKind.INTEGRATION, None, 1),
    ("int_zendesk", "Zendesk", FeatureKind.INTEGRATION, None, 2),
    ("int_snowflake", "Snowflake", FeatureKind.INTEGRATION, None, 3),
)

FEATURE_IDS = tuple(f[0] for f in _FEATURES if f[2] == FeatureKind.FEATURE)
INTEGRATION_IDS = tuple(f[0] for f in _FEATURES if f[2] == FeatureKind.INTEGRATION)


def product_rows() -> list[dict[str, Any]]:
    """Rows of the `products` table for the demo catalog."""
    return [
        {
            "id": pid,
            "name": name,
            "kind": kind,
            "family": family,
            "pricing_unit": unit,
            "list_price": Decimal(price),
            "unit_label": label,
            "tier_rank": rank,
            "description": description or None,
            "active": True,
        }
        for pid, name, kind, family, unit, price, label, rank, description in _PRODUCTS
    ]


def feature_rows() -> list[dict[str, Any]]:
    """Rows of the `features` table: 12 features and 7 integrations."""
    return [
        {"id": fid, "name": name, "kind": kind, "product_id": product, "min_tier_rank": rank}
        for fid, name, kind, product, rank in _FEATURES
    ]


def available_features(plan: str, modules: set[str]) -> list[str]:
    """Feature and integration ids an account on `plan` with `modules` can use."""
    rank = PLAN_RANK[plan]
    return [
        fid
        for fid, _, _, product, min_rank in _FEATURES
        if (product is None or product in modules) and (min_rank is None or min_rank <= rank)
    ]


def api_limit(plan: str, api_blocks: int) -> int:
    """Monthly API calls allowed: the plan's allowance plus one million per API Package block."""
    return PLAN_API_LIMIT[plan] + api_blocks * API_BLOCK_CALLS
