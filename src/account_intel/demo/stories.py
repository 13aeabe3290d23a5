"""The two story accounts, built exactly rather than drawn at random.

TechFlow Inc. (ACCT-3421) shows an account's expansion analysis (white space, scenarios, the brief); RetailCo
(ACCT-2001) shows the expansion pipeline, from a client's mention of a new department to a proposal.
Dates are relative to the as-of date, so the stories hold for any `--as-of`.

TechFlow's $85,000 ARR: Professional $40,000 + 25 Engineering seats x $1,200 = $30,000 + Premium Support at a
negotiated $7,000 (list $8,000) + Training 4 days x $2,000 = $8,000. Every catalog price is an even thousand
except the Compliance Suite, which TechFlow must not own (it is one of its opportunities), so one line carries a
discount. RetailCo's $340,000: Enterprise $64,000 + 160 IT seats $192,000 + Compliance Suite $15,000 + Advanced
Analytics $12,000 + Premium Support $8,000 + Training 2 days $4,000 + the won "Additional IT roles" expansion,
45 IT seats at a $1,000 volume price = $45,000.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from account_intel.demo import catalog as c
from account_intel.demo.dates import add_months, add_years, days, month_starts
from account_intel.demo.rows import Bundle
from account_intel.demo.staff import Staff
from account_intel.demo.story_rows import StoryWriter
from account_intel.domain.enums import (
    ActivityKind,
    MeddiccRole,
    OpportunitySource,
    OpportunityType,
    OrgEventKind,
    Sentiment,
    SurveyKind,
    TicketSeverity,
)

TECHFLOW_ID, RETAILCO_ID = "ACCT-3421", "ACCT-2001"
RETAILCO_OPPORTUNITY_NUMBER = 412
RETAILCO_MARKETING_QUOTE = (
    "Our Marketing Department is also growing rapidly. They're hiring a ton of contractors, "
    "but they're using multiple vendors and it's a headache for procurement."
)
TECHFLOW_FEATURES = (
    "feat_dashboards", "feat_reports", "feat_alerts", "feat_workspaces", "feat_data_import", "feat_automation",
    "feat_api_access",
)  # fmt: skip
TECHFLOW_INTEGRATIONS = ("int_slack", "int_jira", "int_github")


def techflow(bundle: Bundle, staff: Staff, as_of: date) -> None:
    """Add TechFlow Inc.: $85K Professional, Engineering-only, near its API limit, with four expansion stories."""
    since = add_months(as_of, -18)
    w = StoryWriter(bundle, TECHFLOW_ID, as_of, staff)
    w.account(
        name="TechFlow Inc.", industry="SaaS Technology", headcount=60, domain="techflow.com",
        customer_since=since, renewal=as_of + days(182), next_qbr=as_of + days(28),
    )  # fmt: skip
    eng = w.department("Engineering", 32)
    mkt = w.department("Marketing", 15)
    prd = w.department("Product", 8)
    w.department("Customer Success", 5)
    w.geography("United States", "United States", "North America", 53, is_hq=True)
    w.geography("London, UK", "United Kingdom", "EMEA", 7, opened_on=as_of + days(60))
    contract = w.contract(since, as_of + days(182), terms="Two-year subscription, billed annually in advance.")
    w.line(contract, c.PROFESSIONAL, 1, since)
    w.line(contract, c.SEATS, 25, since, department=eng)
    w.line(contract, c.PREMIUM_SUPPORT, 1, since, price=Decimal(7_000), note="Negotiated from $8,000 list")
    w.line(contract, c.TRAINING, 4, since, note="Annual training allowance (4 days)")

    months = month_starts(add_months(as_of, -14), as_of)
    n = len(months)
    w.series(months, "seats_used", [min(25, 18 + i // 2) for i in range(n)], 25, "seats")
    api = [0.55 + 0.03 * i for i in range(n - 3)] + [0.91, 0.94, 0.96]
    w.series(months, "api_calls", [int(1_000_000 * u) for u in api], 1_000_000, "calls")
    w.series(months, "storage_gb", [120 + 9 * i for i in range(n)], 500, "GB")
    for k, feature in enumerate(TECHFLOW_FEATURES + TECHFLOW_INTEGRATIONS):
        spike = 1.6 if feature == "feat_workspaces" else 1.0
        values = [int((40 + 7 * k) * (1 + 0.04 * i) * (spike if i >= n - 3 else 1.0)) for i in range(n)]
        w.series(months, f"feature:{feature}", values, None, "events", feature=feature)
    w.series(months[: n - 5], "feature:feat_mobile", [12] * (n - 5), None, "events", feature="feat_mobile")

    for ago, category, severity, subject, body in (
        (200, "how_to", TicketSeverity.LOW, "Sharing dashboards", "How do we share a dashboard read-only?"),
        (140, "bug", TicketSeverity.MEDIUM, "Report export empty", "CSV export of the sprint report is empty."),
        (95, "integration", TicketSeverity.MEDIUM, "Jira sync delay", "Jira issues take an hour to appear."),
        (52, "api_rate_limit", TicketSeverity.HIGH, "429 during nightly sync", "Nightly sync hits HTTP 429."),
        (37, "api_rate_limit", TicketSeverity.MEDIUM, "API throttled", "Month-end export throttled again."),
        (19, "api_rate_limit", TicketSeverity.HIGH, "Rate limit on CI jobs", "CI pipeline calls hit the limit."),
        (6, "api_rate_limit", TicketSeverity.HIGH, "Need a higher API limit", "Can the 1M monthly limit be raised?"),
    ):
        w.ticket(as_of - days(ago), category, severity, subject, body, escalated=ago == 6)

    priya = w.contact("Priya Raman", "Director of Engineering", eng, MeddiccRole.CHAMPION, since)
    daniel = w.contact("Daniel Brooks", "VP Marketing", mkt, MeddiccRole.DECISION_MAKER, since, executive=True)
    marcus = w.contact("Marcus Lee", "Head of Security", eng, MeddiccRole.INFLUENCER, as_of - days(120))
    w.contact("Sarah Kim", "CTO", eng, MeddiccRole.ECONOMIC_BUYER, since, executive=True)
    alex = w.contact("Alex Novak", "Product Manager", prd, MeddiccRole.USER, as_of - days(200))
    w.contact("Jordan Blake", "Engineering Manager", eng, MeddiccRole.USER, since, left_on=as_of - days(150))

    for ago, score in ((290, 8), (200, 8), (110, 9), (20, 9)):
        w.survey(SurveyKind.NPS, score, as_of - days(ago), priya, "Fast, reliable, and the team loves it.")
    w.survey(SurveyKind.CSAT, 5, as_of - days(138), priya, None)

    notes = (
        (300, ActivityKind.CALL, "Weekly sync", "Weekly sync, no blockers.", Sentiment.NEUTRAL, (priya,)),
        (250, ActivityKind.EMAIL, "QBR follow-up", "Sent slide deck from last QBR.", Sentiment.NEUTRAL, (priya,)),
        (180, ActivityKind.MEETING, "Training", "Ran a training day for new engineers.", Sentiment.POSITIVE, (priya,)),
        (62, ActivityKind.MEETING, "QBR", "Quarterly business review with Engineering and Marketing leads.",
         Sentiment.POSITIVE, (priya, daniel)),
        (55, ActivityKind.NOTE, "QBR notes", "Marketing VP mentioned collaboration needs in last QBR; Engineering "
         "is running marketing use cases for them as a workaround.", Sentiment.POSITIVE, ()),
        (45, ActivityKind.NOTE, "Research", "Company blog announced SOC 2 certification journey.",
         Sentiment.NEUTRAL, ()),
        (41, ActivityKind.EMAIL, "Audit capabilities", "Security team asked about audit capabilities: exportable "
         "audit trails for the SOC 2 audit.", Sentiment.POSITIVE, (marcus,)),
        (40, ActivityKind.NOTE, "Seat audit", "Audit found 3 Marketing users sharing Engineering logins.",
         Sentiment.NEUTRAL, ()),
        (33, ActivityKind.NOTE, "News", "CEO mentioned international expansion in an interview.",
         Sentiment.NEUTRAL, ()),
        (25, ActivityKind.EMAIL, "Enterprise features", "Product Manager asking about enterprise features; "
         "advanced reporting on the feature request list.", Sentiment.POSITIVE, (alex,)),
        (14, ActivityKind.CALL, "Check-in", "Priya confirmed budget approved for marketing tools next quarter; "
         "API limits are hurting their nightly syncs.", Sentiment.POSITIVE, (priya,)),
        (10, ActivityKind.EMAIL, "Release notes", "Shared release notes for this month's release.",
         Sentiment.NEUTRAL, (priya,)),
    )  # fmt: skip
    for ago, kind, subject, body, sentiment, people in notes:
        w.activity(as_of - days(ago), kind, subject, body, sentiment, people)

    w.org_event(OrgEventKind.HIRING, as_of - days(45), "Marketing hired 12 people last quarter.", "linkedin",
                department="Marketing", magnitude=12)  # fmt: skip
    w.org_event(OrgEventKind.NEW_OFFICE, as_of - days(50), "Opening a London office; job postings and LinkedIn "
                "show 3 UK engineering hires.", "linkedin", geography="London, UK", magnitude=3)  # fmt: skip
    w.org_event(OrgEventKind.NEW_BUDGET, as_of - days(45), "SOC 2 certification initiative announced on the "
                "company blog.", "news")  # fmt: skip
    w.qbrs(as_of, (62, 153, 245, 335), as_of + days(28), "Marketing VP mentioned collaboration needs.")


def retailco(bundle: Bundle, staff: Staff, as_of: date) -> str:
    """Add RetailCo: $340K Enterprise, IT served 18 months, Marketing unserved; return its won opportunity id."""
    since = add_months(as_of, -18)
    renewal = add_years(since, 2) - days(1)
    w = StoryWriter(bundle, RETAILCO_ID, as_of, staff)
    w.account(
        name="RetailCo", industry="Retail", headcount=2_400, domain="retailco.com",
        customer_since=since, renewal=renewal, next_qbr=as_of + days(35),
    )  # fmt: skip
    it = w.department("IT", 240)
    w.department("Marketing", 45)
    w.department("Finance", 80)
    w.department("Store Operations", 1_400)
    w.department("E-commerce", 150)
    w.geography("United States", "United States", "North America", 2_400, is_hq=True)
    contract = w.contract(since, renewal, terms="Two-year subscription, billed annually in advance.")
    w.line(contract, c.ENTERPRISE, 1, since)
    w.line(contract, c.SEATS, 160, since, department=it)
    w.line(contract, c.COMPLIANCE, 1, since)
    w.line(contract, c.ANALYTICS, 1, since)
    w.line(contract, c.PREMIUM_SUPPORT, 1, since)
    w.line(contract, c.TRAINING, 2, since)
    closed_on, created = as_of - days(165), as_of - days(210)
    opportunity_id = f"EXP-{created.year}-{RETAILCO_OPPORTUNITY_NUMBER:04d}"
    won_line = w.line(contract, c.SEATS, 45, closed_on, department=it, price=Decimal(1_000),
                      note=f"Additional IT roles ({opportunity_id}); volume price $1,000/seat")  # fmt: skip

    months = month_starts(add_months(as_of, -14), as_of)
    for i, month in enumerate(months):
        seats = 205 if month >= closed_on else 160
        w.series([month], "seats_used", [min(seats, 150 + 3 * i)], seats, "seats")
    n = len(months)
    w.series(months, "api_calls", [int(5_000_000 * (0.5 + 0.008 * i)) for i in range(n)], 5_000_000, "calls")
    w.series(months, "storage_gb", [600 + 20 * i for i in range(n)], 2_000, "GB")
    used = (*c.FEATURE_IDS[:6], "feat_sso", "feat_audit_trails", "feat_predictive", *c.INTEGRATION_IDS[:4])
    for k, feature in enumerate(used):
        w.series(months, f"feature:{feature}", [300 + 25 * k + 5 * i for i in range(n)], None, "events", feature)

    tom = w.contact("Tom Wilson", "IT Director", it, MeddiccRole.CHAMPION, since, email="twilson@retailco.com")
    w.contact("Rachel Adams", "CIO", it, MeddiccRole.ECONOMIC_BUYER, since, executive=True)
    nina = w.contact("Nina Alvarez", "IT Operations Manager", it, MeddiccRole.USER, as_of - days(300))

    w.opportunity(
        opportunity_id, "Additional IT roles", OpportunityType.VOLUME_INCREASE, Decimal(45_000), created, closed_on,
        champion=tom, source=OpportunitySource.CLIENT_MENTION, departments=["IT"], won_line=won_line,
    )  # fmt: skip
    for ago, kind, subject, body, sentiment, people in (
        (320, ActivityKind.CALL, "Weekly sync", "Weekly sync, no blockers.", Sentiment.NEUTRAL, (nina,)),
        (180, ActivityKind.CALL, "IT hiring plan", "Tom wants seats for additional IT roles; quoted 45 more at "
         "volume pricing.", Sentiment.POSITIVE, (tom,)),
        (120, ActivityKind.EMAIL, "QBR follow-up", "Sent slide deck from last QBR.", Sentiment.NEUTRAL, (tom,)),
        (55, ActivityKind.MEETING, "QBR", "IT satisfaction survey: 94% satisfaction across IT hiring managers.",
         Sentiment.VERY_POSITIVE, (tom,)),
        (20, ActivityKind.EMAIL, "Release notes", "Shared release notes for this month's release.",
         Sentiment.NEUTRAL, (nina,)),
        (6, ActivityKind.CALL, "Routine check-in with Tom Wilson", "Routine call with Tom Wilson (IT Director). "
         f"IT roles are on track and his team is happy with the rollout. He added: \"{RETAILCO_MARKETING_QUOTE}\"",
         Sentiment.POSITIVE, (tom,)),
    ):  # fmt: skip
        w.activity(as_of - days(ago), kind, subject, body, sentiment, people)
    w.activity(closed_on, ActivityKind.NOTE, "Closed won", "Signed Additional IT roles: 45 IT seats ($45,000 ARR).",
               Sentiment.POSITIVE, (), opportunity_id=opportunity_id)  # fmt: skip
    for ago, score in ((310, 9), (220, 8), (130, 9), (40, 9)):
        w.survey(SurveyKind.NPS, score, as_of - days(ago), tom, "94% satisfaction across the IT team.")
    w.ticket(as_of - days(250), "how_to", TicketSeverity.LOW, "SSO groups", "How do we map SSO groups to roles?")
    w.ticket(as_of - days(90), "billing", TicketSeverity.LOW, "PO number", "Please add our PO number to invoices.")
    w.ticket(as_of - days(30), "how_to", TicketSeverity.LOW, "Scheduled reports", "Can reports be emailed weekly?")
    w.org_event(OrgEventKind.HIRING, as_of - days(45), "RetailCo expands e-commerce division.", "news",
                department="E-commerce", magnitude=30)  # fmt: skip
    w.qbrs(as_of, (55, 146, 237, 328), as_of + days(35), "IT satisfaction 94%; reviewed IT seat usage.")
    return opportunity_id
