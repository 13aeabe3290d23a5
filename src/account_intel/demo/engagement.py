"""A generated account's engagement: notes and calls, QBRs, org events, won expansions and churn.

Expansion signals (the account's themes) are hidden among routine notes; unhealthy accounts get risk notes.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date

from account_intel.demo.dates import at, days
from account_intel.demo.draft import AccountDraft
from account_intel.demo.pools import CHURN_REASONS, FIRST_NAMES, LAST_NAMES
from account_intel.demo.rows import Bundle, has_table, known_columns
from account_intel.demo.texts import (
    CHURN_FEEDBACK,
    COMPETITORS,
    NOISE,
    ORG_EVENTS,
    QBR_NOTES,
    RISKS,
    SENTIMENT_BY_THEME,
    SIGNALS,
    SYSTEMS,
)
from account_intel.domain.enums import (
    AccountStatus,
    ActivityKind,
    OpportunitySource,
    OpportunityStage,
    OpportunityType,
    OrgEventKind,
    QbrStatus,
)

RISK_NOTES = {"at_risk": (2, 3), "declining": (1, 2)}
THEME_EVENTS = {
    "department_growth": OrgEventKind.HIRING,
    "new_office": OrgEventKind.NEW_OFFICE,
    "budget": OrgEventKind.NEW_BUDGET,
    "compliance": OrgEventKind.NEW_BUDGET,
}
NOISE_EVENTS = (OrgEventKind.EXECUTIVE_CHANGE, OrgEventKind.FUNDING, OrgEventKind.ACQUISITION)

OpportunityIds = Callable[[int], str]


def add_activities(rng: random.Random, bundle: Bundle, draft: AccountDraft) -> None:
    """Add calls, emails, meetings and notes: themes' signals and risks hidden among routine noise."""
    seats = sum(d.seats for d in draft.departments)
    low, high = (2, 6) if draft.status == AccountStatus.PROSPECT else (4, 10) if seats < 10 else (8, 16)
    if seats >= 50:
        low, high = 12, 30
    start = max(draft.history_start or draft.as_of - days(120), draft.as_of - days(365))
    span = max(1, (draft.last_day - start).days)
    recent = min(span, 150)
    notes: list[tuple[date, str, tuple[ActivityKind, str, str]]] = []
    for theme in draft.themes:
        for template in rng.sample(SIGNALS[theme], min(len(SIGNALS[theme]), rng.randint(1, 2))):
            notes.append((draft.last_day - days(rng.randint(0, recent)), "signal", template))
    risk_low, risk_high = RISK_NOTES.get(draft.archetype, (0, 1 if rng.random() < 0.1 else 0))
    for template in rng.sample(RISKS, rng.randint(risk_low, risk_high)):
        notes.append((draft.last_day - days(rng.randint(0, recent)), "risk", template))
    for _ in range(max(0, rng.randint(low, high) - len(notes))):
        notes.append((start + days(rng.randint(0, span)), "noise", rng.choice(NOISE)))
    fill = _fill_values(rng, draft)
    for number, (day, theme, (kind, subject, body)) in enumerate(sorted(notes, key=lambda n: n[0]), start=1):
        people = draft.active_contacts(day)
        fill["contact"] = rng.choice(people).first_name if people else "the team"
        activity_id = f"{draft.id}-ACT-{number:03d}"
        add_activity(
            bundle,
            activity_id=activity_id,
            account_id=draft.id,
            kind=kind,
            when=at(day, rng.randint(8, 18), rng.choice((0, 15, 30, 45))),
            user_id=draft.owners["csm" if kind == ActivityKind.EMAIL else rng.choice(("am", "csm", "ae"))],
            subject=subject,
            body=body.format(**fill),
            sentiment=rng.choice(SENTIMENT_BY_THEME[theme]),
            duration=rng.choice((15, 30, 30, 45, 60)) if kind in (ActivityKind.CALL, ActivityKind.MEETING) else None,
        )
        if kind != ActivityKind.NOTE and people:
            for contact in rng.sample(people, min(len(people), rng.randint(1, 2))):
                bundle.add("activity_contacts", activity_id=activity_id, contact_id=contact.id)


def add_activity(
    bundle: Bundle,
    *,
    activity_id: str,
    account_id: str,
    kind: ActivityKind,
    when: object,
    user_id: str | None,
    subject: str,
    body: str,
    sentiment: object,
    duration: int | None = None,
    opportunity_id: str | None = None,
) -> None:
    """Add one activity row."""
    bundle.add(
        "activities",
        id=activity_id,
        account_id=account_id,
        opportunity_id=opportunity_id,
        kind=kind,
        occurred_at=when,
        user_id=user_id,
        subject=subject,
        body=body,
        outcome=None,
        sentiment=sentiment,
        duration_minutes=duration,
    )


def add_qbrs(rng: random.Random, bundle: Bundle, draft: AccountDraft) -> None:
    """Add held QBRs in the past (quarterly for larger accounts) and the scheduled next one."""
    if draft.customer_since is None:
        return
    seats = sum(d.seats for d in draft.departments)
    held = rng.randint(3, 4) if seats >= 50 else rng.randint(0, 2)
    anchor = draft.next_qbr_date or draft.last_day
    number = 0
    for k in range(1, held + 1):
        day = anchor - days(91 * k + rng.randint(-7, 7))
        if day < draft.customer_since or day > draft.last_day:
            continue
        number += 1
        note = rng.choice(QBR_NOTES).format(n=max(1, int(seats * rng.uniform(0.5, 1.0))))
        bundle.add(
            "qbrs",
            id=f"{draft.id}-QBR-{number}",
            account_id=draft.id,
            scheduled_for=day,
            status=QbrStatus.HELD,
            notes=note,
        )
    if draft.next_qbr_date is not None:
        bundle.add(
            "qbrs",
            id=f"{draft.id}-QBR-{number + 1}",
            account_id=draft.id,
            scheduled_for=draft.next_qbr_date,
            status=QbrStatus.SCHEDULED,
            notes=None,
        )


def add_org_events(rng: random.Random, bundle: Bundle, draft: AccountDraft) -> None:
    """Add org events behind the account's themes, plus some unrelated ones."""
    events: list[tuple[OrgEventKind, str | None, str | None, int | None]] = []
    growth = [d.name for d in draft.departments if not d.seats] or [d.name for d in draft.departments]
    for theme in draft.themes:
        kind = THEME_EVENTS.get(theme)
        if kind == OrgEventKind.HIRING:
            events.append((kind, growth[0], None, rng.randint(5, 40)))
        elif kind == OrgEventKind.NEW_OFFICE:
            events.append((kind, None, draft.geographies[-1].name, rng.randint(3, 20)))
        elif kind is not None:
            dept = "Security" if theme == "compliance" else rng.choice(growth)
            events.append((kind, dept, None, None))
    for _ in range(rng.choice((0, 0, 1, 1, 2))):
        events.append((rng.choice(NOISE_EVENTS), None, None, None))
    for number, (kind, dept, geo, magnitude) in enumerate(events, start=1):
        day = draft.last_day - days(rng.randint(5, 300))
        text = ORG_EVENTS[kind.value].format(
            title=rng.choice(("CFO", "CTO", "CIO", "VP Sales", "CMO")),
            name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            n=magnitude or rng.choice((8, 15, 25, 40, 60)),
            round=rng.choice("ABCD"),
            city=geo or "a new city",
            dept=dept or "IT",
        )
        if kind == OrgEventKind.NEW_BUDGET and dept == "Security":
            text = "SOC 2 certification initiative announced; security budget approved."
        bundle.add(
            "org_events",
            id=f"{draft.id}-ORG-{number}",
            account_id=draft.id,
            kind=kind,
            occurred_on=day,
            description=text,
            source=rng.choice(("linkedin", "news", "crm", "press_release")),
            department=dept,
            geography=geo,
            magnitude=magnitude,
        )


def add_won_expansions(rng: random.Random, bundle: Bundle, draft: AccountDraft, next_id: OpportunityIds) -> None:
    """Add a closed-won opportunity (and a note) for every mid-term expansion line."""
    champion = next((c for c in draft.contacts if c.active and c.id.endswith("-CT-01")), None)
    for number, (line, kind, name) in enumerate(draft.expansions, start=1):
        created = line.start - days(rng.randint(20, 75))
        opportunity_id = next_id(created.year)
        department = next((d.name for d in draft.departments if d.id == line.department_id), None)
        bundle.add(
            "opportunities",
            id=opportunity_id,
            account_id=draft.id,
            name=name,
            type=OpportunityType(kind),
            stage=OpportunityStage.CLOSED_WON,
            probability=100,
            estimated_value=line.value,
            expected_close_date=line.start,
            source=rng.choice(list(OpportunitySource)),
            source_contact_id=champion.id if champion else None,
            champion_id=champion.id if champion else None,
            decision_maker_id=None,
            decision_maker_note=None,
            influencer_ids=[],
            target_departments=[department] if department else [],
            discovery_notes=f"{name}: agreed during the contract term.",
            owner_id=draft.owners["am"],
            closed_value=line.value,
            closed_on=line.start,
            loss_reason=None,
            loss_note=None,
            created_at=at(created, 10),
            updated_at=at(line.start, 16),
            **known_columns("opportunities", won_line_id=line.id),
        )
        add_won_history(bundle, opportunity_id, created=created, closed=line.start, owner=draft.owners["am"])
        add_activity(
            bundle,
            activity_id=f"{draft.id}-ACT-W{number}",
            account_id=draft.id,
            kind=ActivityKind.NOTE,
            when=at(line.start, 16, 30),
            user_id=draft.owners["am"],
            subject="Closed won",
            body=f"Signed {name} (${line.value:,.0f} ARR).",
            sentiment=SENTIMENT_BY_THEME["signal"][0],
            opportunity_id=opportunity_id,
        )


def add_won_history(bundle: Bundle, opportunity_id: str, *, created: date, closed: date, owner: str | None) -> None:
    """Stage history of a won opportunity (identified, proposal, closed won), where the schema has it."""
    if not has_table("opportunity_stage_history"):
        return
    middle = created + (closed - created) / 2
    path = (
        (None, OpportunityStage.IDENTIFIED, 10, created, "created"),
        (OpportunityStage.IDENTIFIED, OpportunityStage.PROPOSAL, 60, middle, "proposal sent"),
        (OpportunityStage.PROPOSAL, OpportunityStage.CLOSED_WON, 100, closed, "closed won"),
    )
    for from_stage, to_stage, probability, day, note in path:
        bundle.add(
            "opportunity_stage_history",
            opportunity_id=opportunity_id,
            from_stage=from_stage,
            to_stage=to_stage,
            probability=probability,
            changed_at=at(day, 11),
            changed_by=owner,
            note=note,
        )


def add_churn(rng: random.Random, bundle: Bundle, draft: AccountDraft) -> None:
    """Add the churn event of a churned account."""
    if draft.churned_on is None:
        return
    reason = rng.choice(CHURN_REASONS)
    bundle.add(
        "churn_events",
        id=f"{draft.id}-CHN-1",
        account_id=draft.id,
        churned_on=draft.churned_on,
        reason_code=reason,
        refund_amount=None,
        preceding_upgrade=False,
        preceding_downgrade=rng.random() < 0.15,
        is_reactivation=False,
        feedback=CHURN_FEEDBACK[reason],
    )


def _fill_values(rng: random.Random, draft: AccountDraft) -> dict[str, object]:
    unserved = [d.name for d in draft.departments if not d.seats] or [d.name for d in draft.departments]
    served = [d.name for d in draft.departments if d.seats] or [d.name for d in draft.departments]
    offices = [g.name.split(",")[0] for g in draft.geographies if not g.is_hq]
    return {
        "dept": unserved[0],
        "served": rng.choice(served),
        "city": offices[-1] if offices else "a new city",
        "n": rng.randint(2, 15),
        "competitor": rng.choice(COMPETITORS),
        "system": rng.choice(SYSTEMS),
        "contact": "the team",
    }
