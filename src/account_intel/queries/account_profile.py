"""The account profile: one account's facts from the store, as a typed view (CLI `accounts show`, tools later)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from account_intel.domain.enums import (
    AccountStatus,
    FeatureKind,
    MeddiccRole,
    OpportunityStage,
    ProductKind,
    Segment,
    SurveyKind,
    Tier,
)
from account_intel.store.as_of import (
    account_values_on,
    accounts_in,
    contact_active_on,
    contact_flags_on,
    in_force_on,
    renewal_on,
    stages_on,
    status_on,
)
from account_intel.store.models import (
    Account,
    Activity,
    Contract,
    ContractLine,
    Feature,
    Opportunity,
    OrgEvent,
    Product,
    SupportTicket,
    SurveyResponse,
    UsageMetric,
    User,
)

ADOPTION_WINDOW_DAYS = 90
TICKET_WINDOW_DAYS = 60


class LineView(BaseModel):
    """A contract line in force."""

    id: str
    product_id: str
    product: str
    kind: ProductKind
    quantity: int
    unit_price: Decimal
    annual_value: Decimal
    department: str | None = None
    geography: str | None = None
    start_date: date
    end_date: date | None = None


class DepartmentView(BaseModel):
    """A department with its headcount and whether any line in force serves it."""

    name: str
    headcount: int | None
    served: bool
    seats: int = Field(description="Seats on lines in force scoped to this department.")
    served_since: date | None = None


class GeographyView(BaseModel):
    """A location with its headcount and whether any line in force serves it."""

    name: str
    headcount: int | None
    served: bool
    is_hq: bool


class ContactView(BaseModel):
    """A customer contact."""

    id: str
    name: str
    title: str | None
    department: str | None
    email: str | None
    meddicc_role: MeddiccRole | None
    active: bool
    do_not_contact: bool


class UsageView(BaseModel):
    """The latest period of one metric against its plan limit."""

    metric: str
    period_start: date
    value: int
    plan_limit: int | None
    utilisation: Decimal | None = Field(description="value / plan_limit, 0-1+, two places.")


class AdoptionView(BaseModel):
    """Features and integrations used in the adoption window, out of those in the catalog."""

    features_used: int
    features_available: int
    integrations_used: int
    integrations_available: int
    used: list[str]


class TicketSummary(BaseModel):
    """Support tickets opened in the recent window."""

    window_days: int
    opened: int
    escalated: int
    by_category: dict[str, int]
    by_severity: dict[str, int]


class SurveyView(BaseModel):
    """The latest NPS and CSAT answers."""

    latest_nps: int | None
    latest_nps_on: date | None
    latest_csat: int | None
    latest_csat_on: date | None


class OpportunityView(BaseModel):
    """An expansion opportunity on the account."""

    id: str
    name: str
    type: str
    stage: OpportunityStage
    value: Decimal
    closed_on: date | None


class ActivityView(BaseModel):
    """A recent activity with its free text (data, not instructions)."""

    id: str
    kind: str
    occurred_on: date
    subject: str | None
    body: str | None
    sentiment: str | None


class OrgEventView(BaseModel):
    """A change inside the customer's organisation."""

    kind: str
    occurred_on: date
    description: str


class AccountProfile(BaseModel):
    """Everything `accounts show` tells about one account."""

    id: str
    name: str
    status: AccountStatus
    industry: str | None
    headcount: int | None
    hq_country: str | None
    region: str | None
    language: str | None = Field(default=None, description="Language tag the customer is written to in, if set.")
    customer_since: date | None
    months_as_customer: int | None
    renewal_date: date | None
    days_to_renewal: int | None
    next_qbr_date: date | None
    days_to_qbr: int | None
    arr: Decimal
    tier: Tier
    tier_override_reason: str | None
    segment: Segment
    plan: str | None
    owners: dict[str, str | None]
    lines: list[LineView]
    departments: list[DepartmentView]
    geographies: list[GeographyView]
    contacts: list[ContactView]
    champion: str | None
    active_contacts: int
    usage: list[UsageView]
    adoption: AdoptionView
    tickets: TicketSummary
    surveys: SurveyView
    opportunities: list[OpportunityView]
    org_events: list[OrgEventView]
    recent_activities: list[ActivityView]
    as_of: date


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month - (1 if end.day < start.day else 0)


def build_account_profile(session: Session, account: Account, as_of: date) -> AccountProfile:
    """Assemble the profile of `account` as it stood on a date (status, tier, lines, contacts' flags, deals)."""
    status = AccountStatus(status_on(account.status, account.customer_since, account.churned_on, as_of))
    line_rows = session.execute(
        select(ContractLine, Product)
        .join(Contract, Contract.id == ContractLine.contract_id)
        .join(Account, Account.id == ContractLine.account_id)
        .join(Product, Product.id == ContractLine.product_id)
        .where(ContractLine.account_id == account.id, in_force_on(as_of))
        .order_by(ContractLine.start_date, ContractLine.id)
    ).all()
    if status == AccountStatus.CHURNED:
        line_rows = []
    renewal = renewal_on((line.contract.end_date for line, _ in line_rows), account.renewal_date, as_of)
    history = account_values_on(session, as_of, accounts_in([account.id])).get(account.id, {})
    overridden = history.get("tier_override", account.tier_override)
    flags = contact_flags_on(session, as_of, accounts_in([account.id]))
    departments = {d.id: d for d in account.departments}
    geographies = {g.id: g for g in account.geographies}
    lines = [
        LineView(
            id=line.id,
            product_id=product.id,
            product=product.name,
            kind=product.kind,
            quantity=line.quantity,
            unit_price=line.unit_price,
            annual_value=line.annual_value,
            department=departments[line.department_id].name if line.department_id in departments else None,
            geography=geographies[line.geography_id].name if line.geography_id in geographies else None,
            start_date=line.start_date,
            end_date=line.end_date,
        )
        for line, product in line_rows
    ]
    plans = [(product.tier_rank or 0, product.name) for _, product in line_rows if product.kind == ProductKind.PLAN]
    dept_views = []
    for dept in account.departments:
        scoped = [line for line, _ in line_rows if line.department_id == dept.id]
        seat_lines = [
            line for line, product in line_rows if line.department_id == dept.id and product.pricing_unit == "seat"
        ]
        dept_views.append(
            DepartmentView(
                name=dept.name,
                headcount=dept.headcount,
                served=bool(scoped),
                seats=sum(line.quantity for line in seat_lines),
                served_since=min((line.start_date for line in scoped), default=None),
            )
        )
    served_geos = {line.geography_id for line, _ in line_rows if line.geography_id}
    hq_served = bool(line_rows)
    geo_views = [
        GeographyView(
            name=geo.name,
            headcount=geo.headcount,
            is_hq=geo.is_hq,
            served=geo.id in served_geos or (geo.is_hq and hq_served),
        )
        for geo in account.geographies
    ]
    contacts = [
        ContactView(
            id=c.id,
            name=c.name,
            title=c.title,
            department=departments[c.department_id].name if c.department_id in departments else None,
            email=c.email,
            meddicc_role=c.meddicc_role,
            active=contact_active_on(flags.get(c.id, {}).get("active", c.active), c.left_on, as_of),
            do_not_contact=flags.get(c.id, {}).get("do_not_contact", c.do_not_contact),
        )
        for c in account.contacts
        if c.first_contact_on is None or c.first_contact_on <= as_of  # first met after the date: not known then
    ]
    champion = next((c.name for c in contacts if c.meddicc_role == MeddiccRole.CHAMPION and c.active), None)
    return AccountProfile(
        id=account.id,
        name=account.name,
        status=status,
        industry=account.industry,
        headcount=account.headcount,
        hq_country=account.hq_country,
        region=account.region,
        language=account.language,
        customer_since=account.customer_since,
        months_as_customer=_months_between(account.customer_since, as_of) if account.customer_since else None,
        renewal_date=renewal,
        days_to_renewal=(renewal - as_of).days if renewal else None,
        next_qbr_date=account.next_qbr_date,
        days_to_qbr=(account.next_qbr_date - as_of).days if account.next_qbr_date else None,
        arr=sum((line.annual_value for line in lines), Decimal("0.00")),
        tier=Tier(history.get("tier") or account.tier),
        tier_override_reason=history.get("tier_override_reason", account.tier_override_reason) if overridden else None,
        segment=account.segment,
        plan=max(plans)[1] if plans else None,
        owners=_owners(session, account),
        lines=lines,
        departments=dept_views,
        geographies=geo_views,
        contacts=contacts,
        champion=champion,
        active_contacts=sum(1 for c in contacts if c.active),
        usage=_usage(session, account.id, as_of),
        adoption=_adoption(session, account.id, as_of),
        tickets=_tickets(session, account.id, as_of),
        surveys=_surveys(session, account.id, as_of),
        opportunities=_opportunities(session, account.id, as_of),
        org_events=_org_events(session, account.id, as_of),
        recent_activities=_activities(session, account.id, as_of),
        as_of=as_of,
    )


def _owners(session: Session, account: Account) -> dict[str, str | None]:
    names = {}
    for role, user_id in (("ae", account.ae_id), ("csm", account.csm_id), ("am", account.am_id)):
        user = session.get(User, user_id) if user_id else None
        names[role] = user.name if user else None
    return names


def _usage(session: Session, account_id: str, as_of: date) -> list[UsageView]:
    latest = (
        select(UsageMetric.metric, func.max(UsageMetric.period_start).label("period"))
        .where(
            UsageMetric.account_id == account_id, UsageMetric.period_start <= as_of, UsageMetric.feature_id.is_(None)
        )
        .group_by(UsageMetric.metric)
        .subquery()
    )
    rows = session.scalars(
        select(UsageMetric)
        .join(latest, (latest.c.metric == UsageMetric.metric) & (latest.c.period == UsageMetric.period_start))
        .where(UsageMetric.account_id == account_id)
        .order_by(UsageMetric.metric)
    )
    return [
        UsageView(
            metric=row.metric,
            period_start=row.period_start,
            value=row.value,
            plan_limit=row.plan_limit,
            utilisation=(Decimal(row.value) / Decimal(row.plan_limit)).quantize(Decimal("0.01"))
            if row.plan_limit
            else None,
        )
        for row in rows
    ]


def _adoption(session: Session, account_id: str, as_of: date) -> AdoptionView:
    since = as_of - timedelta(days=ADOPTION_WINDOW_DAYS)
    used = set(
        session.scalars(
            select(UsageMetric.feature_id)
            .where(
                UsageMetric.account_id == account_id,
                UsageMetric.feature_id.is_not(None),
                UsageMetric.value > 0,
                UsageMetric.period_start > since,
                UsageMetric.period_start <= as_of,
            )
            .distinct()
        )
    )
    features = session.scalars(select(Feature)).all()
    by_kind = {kind: [f for f in features if f.kind == kind] for kind in FeatureKind}
    return AdoptionView(
        features_used=sum(1 for f in by_kind[FeatureKind.FEATURE] if f.id in used),
        features_available=len(by_kind[FeatureKind.FEATURE]),
        integrations_used=sum(1 for f in by_kind[FeatureKind.INTEGRATION] if f.id in used),
        integrations_available=len(by_kind[FeatureKind.INTEGRATION]),
        used=sorted(f.name for f in features if f.id in used),
    )


def _tickets(session: Session, account_id: str, as_of: date) -> TicketSummary:
    since = as_of - timedelta(days=TICKET_WINDOW_DAYS)
    tickets = session.scalars(
        select(SupportTicket).where(
            SupportTicket.account_id == account_id,
            SupportTicket.opened_at >= _start_of(since + timedelta(days=1)),
            SupportTicket.opened_at < _start_of(as_of + timedelta(days=1)),
        )
    ).all()
    by_category: dict[str, int] = {}
    by_severity: dict[str, int] = {}
    for ticket in tickets:
        by_category[ticket.category or "uncategorised"] = by_category.get(ticket.category or "uncategorised", 0) + 1
        by_severity[ticket.severity.value] = by_severity.get(ticket.severity.value, 0) + 1
    return TicketSummary(
        window_days=TICKET_WINDOW_DAYS,
        opened=len(tickets),
        escalated=sum(1 for t in tickets if t.escalated),
        by_category=by_category,
        by_severity=by_severity,
    )


def _surveys(session: Session, account_id: str, as_of: date) -> SurveyView:
    def latest(kind: SurveyKind) -> SurveyResponse | None:
        return session.scalars(
            select(SurveyResponse)
            .where(
                SurveyResponse.account_id == account_id,
                SurveyResponse.kind == kind,
                SurveyResponse.responded_on <= as_of,
            )
            .order_by(SurveyResponse.responded_on.desc())
            .limit(1)
        ).first()

    nps, csat = latest(SurveyKind.NPS), latest(SurveyKind.CSAT)
    return SurveyView(
        latest_nps=nps.score if nps else None,
        latest_nps_on=nps.responded_on if nps else None,
        latest_csat=csat.score if csat else None,
        latest_csat_on=csat.responded_on if csat else None,
    )


def _opportunities(session: Session, account_id: str, as_of: date) -> list[OpportunityView]:
    rows = list(
        session.scalars(
            select(Opportunity)
            .where(Opportunity.account_id == account_id, Opportunity.created_at < _start_of(as_of + timedelta(days=1)))
            .order_by(Opportunity.created_at)
        )
    )
    moved = stages_on(session, as_of, [o.id for o in rows])
    views = []
    for o in rows:
        closed = o.closed_on is not None and o.closed_on <= as_of
        stage = o.stage if closed else OpportunityStage(moved.get(o.id, o.stage))
        if not closed and stage in (OpportunityStage.CLOSED_WON, OpportunityStage.CLOSED_LOST):
            stage = OpportunityStage.IDENTIFIED  # closed after the date, with no stage history: open then
        views.append(
            OpportunityView(
                id=o.id,
                name=o.name,
                type=o.type.value,
                stage=stage,
                value=(o.closed_value if closed else None) or o.estimated_value,
                closed_on=o.closed_on if closed else None,
            )
        )
    return views


def _org_events(session: Session, account_id: str, as_of: date) -> list[OrgEventView]:
    rows = session.scalars(
        select(OrgEvent)
        .where(OrgEvent.account_id == account_id, OrgEvent.occurred_on <= as_of)
        .order_by(OrgEvent.occurred_on.desc())
        .limit(10)
    )
    return [OrgEventView(kind=e.kind.value, occurred_on=e.occurred_on, description=e.description) for e in rows]


def _activities(session: Session, account_id: str, as_of: date, limit: int = 8) -> list[ActivityView]:
    rows = session.scalars(
        select(Activity)
        .where(Activity.account_id == account_id, Activity.occurred_at < _start_of(as_of + timedelta(days=1)))
        .order_by(Activity.occurred_at.desc())
        .limit(limit)
    )
    return [
        ActivityView(
            id=a.id,
            kind=a.kind.value,
            occurred_on=a.occurred_at.date(),
            subject=a.subject,
            body=a.body,
            sentiment=a.sentiment.value if a.sentiment else None,
        )
        for a in rows
    ]
