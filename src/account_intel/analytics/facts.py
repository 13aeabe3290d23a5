"""Account facts: everything the analytics read about an account, loaded set-based.

A handful of SQL queries per chunk of accounts (a contiguous id range), grouped in Python. No ORM walk per account:
the same loader serves one account (a brief, <= 50 ms) and a 100,000-account portfolio scan (streamed in chunks).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from account_intel.store.accounts import active_line_filter
from account_intel.store.models import (
    Account,
    Activity,
    ActivityContact,
    Contact,
    Contract,
    ContractLine,
    Department,
    Feature,
    Geography,
    Opportunity,
    OrgEvent,
    Product,
    Qbr,
    SupportTicket,
    SurveyResponse,
    UsageMetric,
)

USAGE_MONTHS = 7
TICKET_DAYS = 180
SURVEY_DAYS = 400
ACTIVITY_DAYS = 180
ORG_EVENT_DAYS = 365


@dataclass(slots=True, frozen=True)
class ProductFact:
    """A catalog item."""

    id: str
    name: str
    kind: str
    family: str | None
    pricing_unit: str
    list_price: Decimal
    tier_rank: int | None


@dataclass(slots=True, frozen=True)
class FeatureFact:
    """A feature or integration of the catalog."""

    id: str
    name: str
    kind: str
    product_id: str | None
    min_tier_rank: int | None


@dataclass(slots=True)
class Catalog:
    """The vendor's catalog, loaded once per run."""

    products: dict[str, ProductFact]
    features: dict[str, FeatureFact]

    def plans(self) -> list[ProductFact]:
        """Plan tiers, lowest rank first."""
        return sorted((p for p in self.products.values() if p.kind == "plan"), key=lambda p: p.tier_rank or 0)


class UsagePoint(NamedTuple):
    """One month of one metric (a tuple: it is built hundreds of thousands of times per scan)."""

    period: date
    value: int
    limit: int | None


@dataclass(slots=True, frozen=True)
class LineFact:
    """A contract line in force on the as-of date."""

    id: str
    product_id: str
    quantity: int
    unit_price: Decimal
    department_id: str | None
    geography_id: str | None
    start_date: date

    @property
    def annual_value(self) -> Decimal:
        """Quantity times annual unit price."""
        return self.unit_price * self.quantity


@dataclass(slots=True, frozen=True)
class TicketFact:
    """A recent support ticket."""

    id: str
    opened_on: date
    severity: str
    category: str | None
    escalated: bool
    subject: str | None
    body: str | None


@dataclass(slots=True, frozen=True)
class SurveyFact:
    """An NPS or CSAT answer."""

    id: str
    kind: str
    score: int
    responded_on: date
    contact_id: str | None


@dataclass(slots=True, frozen=True)
class ContactFact:
    """A customer contact."""

    id: str
    name: str
    title: str | None
    department_id: str | None
    email: str | None
    role: str | None
    active: bool
    do_not_contact: bool
    is_executive: bool
    first_contact_on: date | None
    left_on: date | None


@dataclass(slots=True, frozen=True)
class ActivityFact:
    """A recent activity with its free text (data, never instructions)."""

    id: str
    kind: str
    occurred_on: date
    sentiment: str | None
    subject: str | None
    body: str | None
    contact_ids: tuple[str, ...]


@dataclass(slots=True, frozen=True)
class OrgEventFact:
    """A change inside the customer's organisation."""

    id: str
    kind: str
    occurred_on: date
    description: str
    department: str | None
    geography: str | None
    magnitude: int | None


@dataclass(slots=True, frozen=True)
class DepartmentFact:
    """A department with its headcount."""

    id: str
    name: str
    headcount: int | None


@dataclass(slots=True, frozen=True)
class GeographyFact:
    """A location with its headcount."""

    id: str
    name: str
    country: str | None
    headcount: int | None
    is_hq: bool


@dataclass(slots=True, frozen=True)
class OpportunityFact:
    """An expansion opportunity, open or closed."""

    id: str
    name: str
    type: str
    stage: str
    estimated_value: Decimal
    closed_value: Decimal | None
    closed_on: date | None
    created_on: date
    target_departments: tuple[str, ...]


@dataclass(slots=True)
class AccountFacts:
    """What the analytics know about one account on one date."""

    account_id: str
    name: str
    status: str
    industry: str | None
    tier: str
    segment: str
    arr: Decimal
    headcount: int | None
    customer_since: date | None
    renewal_date: date | None
    next_qbr_date: date | None
    ae_id: str | None
    csm_id: str | None
    am_id: str | None
    as_of: date
    lines: list[LineFact] = field(default_factory=list)
    usage: dict[str, list[UsagePoint]] = field(default_factory=dict)
    feature_usage: dict[str, list[UsagePoint]] = field(default_factory=dict)
    feature_metrics: dict[str, str] = field(default_factory=dict)
    tickets: list[TicketFact] = field(default_factory=list)
    surveys: list[SurveyFact] = field(default_factory=list)
    contacts: list[ContactFact] = field(default_factory=list)
    activities: list[ActivityFact] = field(default_factory=list)
    org_events: list[OrgEventFact] = field(default_factory=list)
    departments: list[DepartmentFact] = field(default_factory=list)
    geographies: list[GeographyFact] = field(default_factory=list)
    opportunities: list[OpportunityFact] = field(default_factory=list)
    held_qbrs: list[date] = field(default_factory=list)
    last_activity_on: date | None = None
    last_exec_touch_on: date | None = None


def load_catalog(session: Session) -> Catalog:
    """Read the products and features once."""
    products = {
        p.id: ProductFact(p.id, p.name, p.kind.value, p.family, p.pricing_unit.value, p.list_price, p.tier_rank)
        for p in session.scalars(select(Product).where(Product.active.is_(True)))
    }
    features = {
        f.id: FeatureFact(f.id, f.name, f.kind.value, f.product_id, f.min_tier_rank)
        for f in session.scalars(select(Feature))
    }
    return Catalog(products=products, features=features)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _months_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def load_facts(session: Session, as_of: date, account_ids: Sequence[str]) -> dict[str, AccountFacts]:
    """Facts for the named accounts (any order); unknown ids are left out."""
    ids = sorted(set(account_ids))
    if not ids:
        return {}
    return _load_range(session, as_of, Account.id.in_(ids), ids)


def iter_portfolio_facts(
    session: Session, as_of: date, *, chunk_size: int = 5000, account_ids: Sequence[str] | None = None
) -> Iterator[list[AccountFacts]]:
    """Facts for every account (or the given ones), streamed in chunks of contiguous ids to bound memory."""
    stmt: Select[tuple[str]] = select(Account.id).order_by(Account.id)
    if account_ids is not None:
        stmt = stmt.where(Account.id.in_(list(account_ids)))
    all_ids = list(session.scalars(stmt))
    for start in range(0, len(all_ids), chunk_size):
        chunk = all_ids[start : start + chunk_size]
        condition = and_(Account.id >= chunk[0], Account.id <= chunk[-1])
        facts = _load_range(session, as_of, condition, chunk)
        yield [facts[account_id] for account_id in chunk if account_id in facts]


def _load_range(session: Session, as_of: date, account_condition: object, ids: list[str]) -> dict[str, AccountFacts]:
    lo, hi = ids[0], ids[-1]
    wanted = set(ids)
    execute = session.connection().execute  # Core rows: no ORM result processing on the hot path

    def in_range(column: object) -> object:
        return and_(column >= lo, column <= hi)  # type: ignore[operator]

    out: dict[str, AccountFacts] = {}
    for a in execute(
        select(
            Account.id,
            Account.name,
            Account.status,
            Account.industry,
            Account.tier,
            Account.segment,
            Account.arr,
            Account.headcount,
            Account.customer_since,
            Account.renewal_date,
            Account.next_qbr_date,
            Account.ae_id,
            Account.csm_id,
            Account.am_id,
        ).where(account_condition)  # type: ignore[arg-type]
    ):
        if a.id in wanted:
            out[a.id] = AccountFacts(
                a.id,
                a.name,
                a.status.value,
                a.industry,
                a.tier.value,
                a.segment.value,
                a.arr,
                a.headcount,
                a.customer_since,
                a.renewal_date,
                a.next_qbr_date,
                a.ae_id,
                a.csm_id,
                a.am_id,
                as_of,
            )

    each = out.get

    for row in execute(
        select(
            ContractLine.account_id,
            ContractLine.id,
            ContractLine.product_id,
            ContractLine.quantity,
            ContractLine.unit_price,
            ContractLine.department_id,
            ContractLine.geography_id,
            ContractLine.start_date,
        )
        .join(Contract, Contract.id == ContractLine.contract_id)
        .where(in_range(ContractLine.account_id), active_line_filter(as_of))
        .order_by(ContractLine.account_id, ContractLine.id)
    ):
        if (f := each(row[0])) is not None:
            f.lines.append(LineFact(*row[1:]))

    since_usage = _months_back(as_of, USAGE_MONTHS - 1)
    current: AccountFacts | None = None
    current_id = None
    for account_id, metric, period, value, limit, feature_id in execute(
        select(
            UsageMetric.account_id,
            UsageMetric.metric,
            UsageMetric.period_start,
            UsageMetric.value,
            UsageMetric.plan_limit,
            UsageMetric.feature_id,
        )
        .where(
            in_range(UsageMetric.account_id), UsageMetric.period_start >= since_usage, UsageMetric.period_start <= as_of
        )
        .order_by(UsageMetric.account_id, UsageMetric.metric, UsageMetric.period_start)
    ):
        if account_id != current_id:
            current_id, current = account_id, out.get(account_id)
        if current is None:
            continue
        if feature_id:
            points = current.feature_usage.get(feature_id)
            if points is None:
                points = current.feature_usage[feature_id] = []
                current.feature_metrics[feature_id] = metric
        else:
            points = current.usage.get(metric)
            if points is None:
                points = current.usage[metric] = []
        points.append(UsagePoint(period, value, limit))

    end = _start_of(as_of + timedelta(days=1))
    for row in execute(
        select(
            SupportTicket.account_id,
            SupportTicket.id,
            SupportTicket.opened_at,
            SupportTicket.severity,
            SupportTicket.category,
            SupportTicket.escalated,
            SupportTicket.subject,
            SupportTicket.body,
        )
        .where(
            in_range(SupportTicket.account_id),
            SupportTicket.opened_at >= _start_of(as_of - timedelta(days=TICKET_DAYS)),
            SupportTicket.opened_at < end,
        )
        .order_by(SupportTicket.account_id, SupportTicket.opened_at)
    ):
        if (f := each(row[0])) is not None:
            f.tickets.append(TicketFact(row[1], row[2].date(), row[3].value, row[4], row[5], row[6], row[7]))

    for row in execute(
        select(
            SurveyResponse.account_id,
            SurveyResponse.id,
            SurveyResponse.kind,
            SurveyResponse.score,
            SurveyResponse.responded_on,
            SurveyResponse.contact_id,
        )
        .where(
            in_range(SurveyResponse.account_id),
            SurveyResponse.responded_on > as_of - timedelta(days=SURVEY_DAYS),
            SurveyResponse.responded_on <= as_of,
        )
        .order_by(SurveyResponse.account_id, SurveyResponse.responded_on)
    ):
        if (f := each(row[0])) is not None:
            f.surveys.append(SurveyFact(row[1], row[2].value, row[3], row[4], row[5]))

    for c in execute(
        select(
            Contact.account_id,
            Contact.id,
            Contact.name,
            Contact.title,
            Contact.department_id,
            Contact.email,
            Contact.meddicc_role,
            Contact.active,
            Contact.do_not_contact,
            Contact.is_executive,
            Contact.first_contact_on,
            Contact.left_on,
        )
        .where(in_range(Contact.account_id))
        .order_by(Contact.account_id, Contact.id)
    ):
        if (f := each(c[0])) is not None:
            role = c[6].value if c[6] is not None else None
            f.contacts.append(ContactFact(c[1], c[2], c[3], c[4], c[5], role, c[7], c[8], c[9], c[10], c[11]))

    participants: dict[str, list[str]] = defaultdict(list)
    since_activity = _start_of(as_of - timedelta(days=ACTIVITY_DAYS))
    for activity_id, contact_id in execute(
        select(ActivityContact.activity_id, ActivityContact.contact_id)
        .join(Activity, Activity.id == ActivityContact.activity_id)
        .where(in_range(Activity.account_id), Activity.occurred_at >= since_activity, Activity.occurred_at < end)
    ):
        participants[activity_id].append(contact_id)
    for row in execute(
        select(
            Activity.account_id,
            Activity.id,
            Activity.kind,
            Activity.occurred_at,
            Activity.sentiment,
            Activity.subject,
            Activity.body,
        )
        .where(in_range(Activity.account_id), Activity.occurred_at >= since_activity, Activity.occurred_at < end)
        .order_by(Activity.account_id, Activity.occurred_at)
    ):
        if (f := each(row[0])) is not None:
            sentiment = row[4].value if row[4] is not None else None
            f.activities.append(
                ActivityFact(
                    row[1], row[2].value, row[3].date(), sentiment, row[5], row[6], tuple(participants.get(row[1], ()))
                )
            )

    for account_id, last in execute(
        select(Activity.account_id, func.max(Activity.occurred_at))
        .where(in_range(Activity.account_id), Activity.occurred_at < end)
        .group_by(Activity.account_id)
    ):
        if (f := each(account_id)) is not None and last is not None:
            f.last_activity_on = _as_date(last)
    for account_id, last in execute(
        select(Activity.account_id, func.max(Activity.occurred_at))
        .join(ActivityContact, ActivityContact.activity_id == Activity.id)
        .join(Contact, Contact.id == ActivityContact.contact_id)
        .where(in_range(Activity.account_id), Activity.occurred_at < end, Contact.is_executive.is_(True))
        .group_by(Activity.account_id)
    ):
        if (f := each(account_id)) is not None and last is not None:
            f.last_exec_touch_on = _as_date(last)

    for row in execute(
        select(
            OrgEvent.account_id,
            OrgEvent.id,
            OrgEvent.kind,
            OrgEvent.occurred_on,
            OrgEvent.description,
            OrgEvent.department,
            OrgEvent.geography,
            OrgEvent.magnitude,
        )
        .where(
            in_range(OrgEvent.account_id),
            OrgEvent.occurred_on > as_of - timedelta(days=ORG_EVENT_DAYS),
            OrgEvent.occurred_on <= as_of,
        )
        .order_by(OrgEvent.account_id, OrgEvent.occurred_on)
    ):
        if (f := each(row[0])) is not None:
            f.org_events.append(OrgEventFact(row[1], row[2].value, *row[3:]))

    for row in execute(
        select(Department.account_id, Department.id, Department.name, Department.headcount)
        .where(in_range(Department.account_id))
        .order_by(Department.account_id, Department.name)
    ):
        if (f := each(row[0])) is not None:
            f.departments.append(DepartmentFact(*row[1:]))
    for row in execute(
        select(
            Geography.account_id, Geography.id, Geography.name, Geography.country, Geography.headcount, Geography.is_hq
        )
        .where(in_range(Geography.account_id))
        .order_by(Geography.account_id, Geography.name)
    ):
        if (f := each(row[0])) is not None:
            f.geographies.append(GeographyFact(*row[1:]))

    for o in execute(
        select(
            Opportunity.account_id,
            Opportunity.id,
            Opportunity.name,
            Opportunity.type,
            Opportunity.stage,
            Opportunity.estimated_value,
            Opportunity.closed_value,
            Opportunity.closed_on,
            Opportunity.created_at,
            Opportunity.target_departments,
        )
        .where(in_range(Opportunity.account_id), Opportunity.created_at < end)
        .order_by(Opportunity.account_id, Opportunity.created_at)
    ):
        if (f := each(o[0])) is not None:
            closed_on = o[7] if o[7] is not None and o[7] <= as_of else None
            stage = o[4].value if closed_on is not None or o[4].value not in ("closed_won", "closed_lost") else "open"
            f.opportunities.append(
                OpportunityFact(
                    o[1],
                    o[2],
                    o[3].value,
                    stage,
                    o[5],
                    o[6] if closed_on else None,
                    closed_on,
                    o[8].date(),
                    tuple(o[9] or ()),
                )
            )

    for account_id, held_on in execute(
        select(Qbr.account_id, Qbr.scheduled_for)
        .where(in_range(Qbr.account_id), Qbr.status == "held", Qbr.scheduled_for <= as_of)
        .order_by(Qbr.account_id, Qbr.scheduled_for)
    ):
        if (f := each(account_id)) is not None:
            f.held_qbrs.append(held_on)
    return out


def _as_date(value: datetime | str) -> date:
    if isinstance(value, str):  # SQLite returns MAX() over timestamps as text
        return datetime.fromisoformat(value).date()
    return value.date()
