"""Hand-built AccountFacts and Catalog for the health and signal tests (no database), plus checks of the builders."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from account_intel.analytics.facts import (
    AccountFacts,
    ActivityFact,
    Catalog,
    ContactFact,
    DepartmentFact,
    FeatureFact,
    GeographyFact,
    LineFact,
    OrgEventFact,
    ProductFact,
    SurveyFact,
    TicketFact,
    UsagePoint,
)

AS_OF = date(2024, 11, 30)


def month(offset: int, base: date = AS_OF) -> date:
    """First day of the month `offset` months before `base`'s month."""
    index = base.year * 12 + base.month - 1 - offset
    return date(index // 12, index % 12 + 1, 1)


def series(values: list[int], limit: int | None = None, base: date = AS_OF) -> list[UsagePoint]:
    """Monthly points ending in `base`'s month, oldest first."""
    n = len(values)
    return [UsagePoint(month(n - 1 - i, base), v, limit) for i, v in enumerate(values)]


def catalog() -> Catalog:
    """Two plans, seats, a module, four features (one module-only, one Enterprise-only) and two integrations."""
    products = {
        "plan_pro": ProductFact("plan_pro", "Professional", "plan", "platform", "flat", Decimal("40000"), 2),
        "plan_ent": ProductFact("plan_ent", "Enterprise", "plan", "platform", "flat", Decimal("64000"), 3),
        "seats": ProductFact("seats", "Seats", "product", "seats", "seat", Decimal("1200"), None),
        "mod_comp": ProductFact("mod_comp", "Compliance", "module", "modules", "flat", Decimal("15000"), None),
    }
    features = {
        "feat_a": FeatureFact("feat_a", "Dashboards", "feature", None, 1),
        "feat_b": FeatureFact("feat_b", "Reports", "feature", None, 1),
        "feat_c": FeatureFact("feat_c", "Automation", "feature", None, 2),
        "feat_ent": FeatureFact("feat_ent", "Advanced", "feature", None, 3),
        "feat_audit": FeatureFact("feat_audit", "Audit", "feature", "mod_comp", None),
        "int_x": FeatureFact("int_x", "Slack", "integration", None, 1),
        "int_y": FeatureFact("int_y", "Jira", "integration", None, 1),
    }
    return Catalog(products=products, features=features)


def healthy(**changes: object) -> AccountFacts:
    """A thriving Professional-plan account; keyword arguments replace fields."""
    d = AS_OF
    facts = AccountFacts(
        account_id="ACCT-1",
        name="Acme",
        status="active",
        industry="SaaS",
        tier="T2",
        segment="Enterprise",
        arr=Decimal("120000"),
        headcount=300,
        customer_since=date(2023, 1, 1),
        renewal_date=date(2025, 6, 1),
        next_qbr_date=date(2025, 2, 15),
        ae_id="U-AE",
        csm_id=None,
        am_id=None,
        as_of=d,
        lines=[
            LineFact("L-1", "plan_pro", 1, Decimal("40000"), None, None, date(2024, 1, 1), date(2025, 12, 31)),
            LineFact("L-2", "seats", 50, Decimal("1200"), "D-ENG", None, date(2024, 1, 1), date(2025, 12, 31)),
        ],
        usage={
            "api_calls": series([600, 640, 660, 700, 720, 760], 1000),
            "seats_used": series([40, 41, 43, 44, 46, 48], 50),
        },
        feature_usage={
            "feat_a": series([10, 12, 12, 14, 15, 16]),
            "feat_b": series([5, 5, 6, 6, 7, 7]),
            "feat_c": series([3, 3, 3, 4, 4, 4]),
            "int_x": series([50, 50, 55, 60, 60, 62]),
        },
        tickets=[TicketFact("T-1", d - timedelta(days=20), "low", "how_to", False, "How to share", None)],
        surveys=[
            SurveyFact("S-1", "nps", 8, d - timedelta(days=200), "C-1"),
            SurveyFact("S-2", "nps", 9, d - timedelta(days=40), "C-1"),
            SurveyFact("S-3", "csat", 5, d - timedelta(days=30), "C-2"),
        ],
        contacts=[
            ContactFact(
                "C-1", "Ana", "VP Eng", "D-ENG", "ana@x", "champion", True, False, True, date(2023, 1, 5), None
            ),
            ContactFact("C-2", "Ben", "Eng Lead", "D-ENG", "ben@x", "user", True, False, False, date(2023, 2, 1), None),
            ContactFact(
                "C-3", "Cy", "CFO", "D-FIN", "cy@x", "economic_buyer", True, False, True, date(2023, 3, 1), None
            ),
        ],
        activities=[
            ActivityFact("A-1", "call", d - timedelta(days=30), "positive", "Sync", "All good.", ("C-1",)),
            ActivityFact("A-2", "meeting", d - timedelta(days=6), "very_positive", "QBR prep", "Roadmap.", ("C-3",)),
        ],
        departments=[
            DepartmentFact("D-ENG", "Engineering", 120),
            DepartmentFact("D-MKT", "Marketing", 40),
            DepartmentFact("D-FIN", "Finance", 20),
        ],
        geographies=[GeographyFact("G-1", "New York", "United States", 250, True)],
        last_activity_on=d - timedelta(days=6),
        last_exec_touch_on=d - timedelta(days=6),
    )
    return replace(facts, **changes)  # type: ignore[arg-type]


def org_event(event_id: str, kind: str, days_ago: int, **kw: object) -> OrgEventFact:
    """An org event `days_ago` before the as-of date."""
    return OrgEventFact(
        event_id,
        kind,
        AS_OF - timedelta(days=days_ago),
        str(kw.get("description", kind)),
        kw.get("department"),  # type: ignore[arg-type]
        kw.get("geography"),  # type: ignore[arg-type]
        kw.get("magnitude"),  # type: ignore[arg-type]
    )


def test_series_ends_in_the_as_of_month() -> None:
    points = series([1, 2, 3])
    assert [p.period for p in points] == [date(2024, 9, 1), date(2024, 10, 1), date(2024, 11, 1)]


def test_healthy_builder_replaces_fields() -> None:
    assert healthy(name="Other").name == "Other"
    assert healthy().usage["api_calls"][-1].value == 760
