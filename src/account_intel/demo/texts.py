"""Text templates for synthetic CRM notes, tickets, QBRs, org events and surveys (data, not prompt prose).

Fields in braces are filled by the generators: {dept} a department, {served} a served department, {city} a
city, {n} a number, {contact} a contact's first name, {competitor} a competitor, {system} an integration.
Expansion signals are deliberately phrased the way people write notes, and mixed with routine noise.
"""

from __future__ import annotations

from account_intel.domain.enums import ActivityKind, Sentiment

COMPETITORS = ("Contoso Metrics", "Fabrikam BI", "Tailspin Data", "Litware Analytics")
SYSTEMS = ("Salesforce", "HubSpot", "Snowflake", "Jira", "Zendesk", "NetSuite")

# Expansion signals by theme: (kind, subject, body)
SIGNALS: dict[str, tuple[tuple[ActivityKind, str, str], ...]] = {
    "department_growth": (
        (ActivityKind.CALL, "Check-in", "{dept} is hiring a ton of contractors and juggling three vendors."),
        (ActivityKind.NOTE, "Seat audit", "Audit found {n} {dept} users sharing {served} logins."),
        (ActivityKind.MEETING, "Roadmap review", "{dept} lead asked whether their team could get its own workspace."),
        (ActivityKind.EMAIL, "Re: access request", "{contact} forwarded {n} access requests from the {dept} team."),
        (ActivityKind.CALL, "Monthly sync", "{dept} headcount is up a lot since spring; they keep asking for logins."),
    ),
    "new_office": (
        (ActivityKind.CALL, "Check-in", "They're opening an office in {city} next quarter."),
        (ActivityKind.NOTE, "LinkedIn", "Job postings for the {city} office show {n} open roles."),
        (ActivityKind.MEETING, "Exec sync", "CEO mentioned international expansion; {city} is first."),
    ),
    "compliance": (
        (ActivityKind.EMAIL, "Audit question", "Security team asked about SOC 2 audit trails."),
        (ActivityKind.NOTE, "Research", "Company blog announced their SOC 2 certification journey."),
        (ActivityKind.CALL, "Security review", "{contact} needs exportable audit logs before the ISO 27001 audit."),
    ),
    "consolidation": (
        (ActivityKind.CALL, "Budget planning", "Finance wants to consolidate vendors next fiscal year."),
        (
            ActivityKind.MEETING,
            "Procurement",
            "Procurement is reviewing overlapping tools; {n} point solutions in scope.",
        ),
    ),
    "upgrade": (
        (ActivityKind.EMAIL, "Re: limits", "They keep hitting API limits during month-end syncs with {system}."),
        (
            ActivityKind.CALL,
            "Feature questions",
            "Asked about advanced reporting and SSO; both are on the Enterprise plan.",
        ),
        (ActivityKind.NOTE, "Product feedback", "Product team asking about enterprise features for next year."),
    ),
    "analytics": (
        (ActivityKind.CALL, "Reporting", "Data team exports to spreadsheets every week to build forecasts by hand."),
        (ActivityKind.EMAIL, "Question", "{contact} asked whether we offer predictive insights on top of dashboards."),
    ),
    "budget": (
        (ActivityKind.NOTE, "Budget", "New budget approved for {dept} tooling starting next quarter."),
        (ActivityKind.CALL, "Planning", "{contact} said the {dept} budget for next year was approved early."),
    ),
}

RISKS: tuple[tuple[ActivityKind, str, str], ...] = (
    (ActivityKind.CALL, "Renewal", "CFO frustrated with renewal pricing; wants a discount or fewer seats."),
    (ActivityKind.NOTE, "Contact change", "Champion {contact} is leaving at the end of the month."),
    (ActivityKind.MEETING, "Exec sync", "They're evaluating {competitor} for next year."),
    (ActivityKind.NOTE, "Usage review", "{dept} team stopped logging in after the reorg."),
    (ActivityKind.CALL, "Escalation", "Escalation about repeated sync failures; exec sponsor unhappy."),
    (ActivityKind.EMAIL, "Budget", "Budget freeze announced; every renewal is under review."),
    (ActivityKind.MEETING, "New leadership", "New CIO wants to rationalise tools before renewal."),
)

NOISE: tuple[tuple[ActivityKind, str, str], ...] = (
    (ActivityKind.CALL, "Weekly sync", "Weekly sync, no blockers."),
    (ActivityKind.EMAIL, "QBR follow-up", "Sent slide deck from last QBR."),
    (ActivityKind.EMAIL, "Billing", "Confirmed the invoice address change with accounts payable."),
    (ActivityKind.EMAIL, "Release notes", "Shared release notes for this month's release."),
    (ActivityKind.NOTE, "Scheduling", "Rescheduled the check-in to next week."),
    (ActivityKind.MEETING, "Training", "Walked {contact} through the new dashboard filters."),
    (ActivityKind.MEETING, "Onboarding", "Onboarding session for two new users."),
    (ActivityKind.NOTE, "Support", "Followed up on a support ticket; resolved."),
    (ActivityKind.EMAIL, "Admin", "Confirmed the billing contact for next invoice."),
    (ActivityKind.CALL, "SSO", "Quick call about SSO configuration; sent the docs."),
    (ActivityKind.EMAIL, "Webinar", "Invited the team to the customer webinar."),
    (ActivityKind.CALL, "Check-in", "Checked in after the holiday break; all good."),
    (ActivityKind.EMAIL, "Export", "Answered a question about the data export format."),
    (ActivityKind.EMAIL, "Training", "Sent the training recording."),
    (ActivityKind.NOTE, "Benchmark", "Shared the industry benchmark report."),
)

SENTIMENT_BY_THEME = {
    "signal": (Sentiment.POSITIVE, Sentiment.POSITIVE, Sentiment.NEUTRAL, Sentiment.VERY_POSITIVE),
    "risk": (Sentiment.NEGATIVE, Sentiment.NEGATIVE, Sentiment.VERY_NEGATIVE, Sentiment.NEUTRAL),
    "noise": (Sentiment.NEUTRAL, Sentiment.NEUTRAL, Sentiment.POSITIVE),
}

# Support tickets: category -> ((subject, body), ...)
TICKETS: dict[str, tuple[tuple[str, str], ...]] = {
    "api_rate_limit": (
        (
            "429 Too Many Requests during nightly sync",
            "Our nightly sync to {system} fails with HTTP 429 after ~{n}k calls.",
        ),
        ("API throttled at month end", "Month-end batch hit the API limit again; can the limit be raised?"),
    ),
    "bug": (
        ("Dashboard filter resets after refresh", "Saved filters are lost when the page reloads."),
        ("Export produces empty CSV", "CSV export of the pipeline report is empty since yesterday."),
    ),
    "how_to": (
        ("How do I share a workspace?", "How can I share a workspace with another team without giving admin rights?"),
        ("Setting up alerts", "Where do I configure alert thresholds for a report?"),
    ),
    "billing": (
        ("Invoice shows wrong seat count", "The last invoice lists more seats than we have."),
        ("Change billing contact", "Please send invoices to our new accounts payable address."),
    ),
    "performance": (
        ("Reports slow to load", "Large reports take over a minute to load in the afternoon."),
        ("Timeouts on dashboards", "Dashboards with more than 20 widgets time out."),
    ),
    "integration": (
        ("{system} sync stopped", "The {system} integration stopped updating records two days ago."),
        ("OAuth error connecting {system}", "Reconnecting {system} fails with an OAuth error."),
    ),
    "feature_request": (
        ("Request: scheduled PDF exports", "We would like reports emailed as PDF every Monday."),
        ("Request: audit log export", "Security needs to export the audit log for our auditors."),
    ),
}
# Base weights of categories for healthy and unhealthy accounts
TICKET_WEIGHTS_HEALTHY = {"how_to": 5, "feature_request": 3, "bug": 2, "billing": 1, "integration": 2, "performance": 1}
TICKET_WEIGHTS_UNHEALTHY = {
    "bug": 5,
    "performance": 4,
    "integration": 3,
    "billing": 2,
    "how_to": 2,
    "feature_request": 1,
}

QBR_NOTES = (
    "Reviewed adoption and the roadmap; {n} active users this quarter.",
    "Walked through usage trends; agreed on success goals for next quarter.",
    "Exec sponsor joined; discussed priorities and open support items.",
    "Reviewed integrations and training plan; no major issues.",
)

ORG_EVENTS = {
    "executive_change": "New {title} joined: {name}.",
    "funding": "Raised a ${n}M Series {round} round.",
    "acquisition": "Acquired a smaller competitor ({n} employees).",
    "new_office": "Opening an office in {city}.",
    "hiring": "{dept} hired {n} people last quarter.",
    "new_budget": "Budget approved for {dept} tooling.",
    "department_created": "Created a new {dept} team.",
}

CHURN_FEEDBACK = {
    "budget": "Budget cut; could not justify the spend this year.",
    "competitor": "Switched to a competitor with a lower price.",
    "low_adoption": "Team never adopted the product after the champion left.",
    "acquired": "Acquired by a company that uses another tool.",
    "product_fit": "Needed features we do not offer.",
    "support": "Too many unresolved support issues.",
}

SURVEY_COMMENTS = {
    "promoter": ("Great support and easy to roll out.", "Our team relies on it every day.", ""),
    "passive": ("Does the job; reporting could be better.", "Fine overall, a bit pricey.", ""),
    "detractor": ("Too many sync issues lately.", "Hard to get value for the price.", "Support is slow."),
}
