"""Account facts: everything the analytics read about an account, loaded set-based.

A handful of SQL queries per chunk of accounts (a contiguous id range), grouped in Python. No ORM walk per account:
the same loader serves one account (a brief, <= 50 ms) and a 100,000-account portfolio scan (streamed in chunks).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import Select, String, and_, case, func, literal, null, select, type_coerce
from sqlalchemy.orm import Session

from account_intel.store.as_of import (
    account_values_on,
    accounts_between,
    contact_flags_on,
    in_force_on,
    renewal_on,
    stages_on,
    status_on,
)
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
    StoredMention,
    SupportTicket,
    SurveyResponse,
    TextScan,
    UsageMetric,
)

USAGE_MONTHS = 7
TICKET_DAYS = 180
SURVEY_DAYS = 400
ACTIVITY_DAYS = 180
ORG_EVENT_DAYS = 365
_SEPARATOR = "\x1f"  # joins an activity's contact ids in SQL (the ASCII unit separator: never inside an id)


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


class LineFact(NamedTuple):
    """A contract line in force on the as-of date."""

    id: str
    product_id: str
    quantity: int
    unit_price: Decimal
    department_id: str | None
    geography_id: str | None
    start_date: date
    end_date: date | None = None  # the contract's agreed end (None: open-ended or unknown on the as-of date)
    billing_months: int | None = None  # the contract's billing period in months (monthly 1, annual 12), if known

    @property
    def annual_value(self) -> Decimal:
        """Quantity times annual unit price."""
        return self.unit_price * self.quantity


class TicketFact(NamedTuple):
    """A recent support ticket."""

    id: str
    opened_on: date
    severity: str
    category: str | None
    escalated: bool
    subject: str | None
    body: str | None


class SurveyFact(NamedTuple):
    """An NPS or CSAT answer."""

    id: str
    kind: str
    score: int
    responded_on: date
    contact_id: str | None


class ContactFact(NamedTuple):
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


class ActivityFact(NamedTuple):
    """A recent activity with its free text (data, never instructions)."""

    id: str
    kind: str
    occurred_on: date
    sentiment: str | None
    subject: str | None
    body: str | None
    contact_ids: tuple[str, ...]


class MentionRow(NamedTuple):
    """A stored text mention of a loaded activity or ticket (`store.models.text`), in the matcher's order."""

    source_table: str  # activity | ticket
    source_id: str
    field: str
    kind: str
    value: str
    matched: str
    start: int


class OrgEventFact(NamedTuple):
    """A change inside the customer's organisation."""

    id: str
    kind: str
    occurred_on: date
    description: str
    department: str | None
    geography: str | None
    magnitude: int | None


class DepartmentFact(NamedTuple):
    """A department with its headcount."""

    id: str
    name: str
    headcount: int | None


class GeographyFact(NamedTuple):
    """A location with its headcount."""

    id: str
    name: str
    country: str | None
    headcount: int | None
    is_hq: bool


class OpportunityFact(NamedTuple):
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
    region: str | None = None
    fiscal_year_start_month: int = 1
    store_has_activities: bool = True  # False: the store holds no activity at all (no activity feed was imported)
    store_has_contacts: bool = True  # False: the store holds no contact at all
    # Stored text mentions: (source table, id) -> (lexicon digest, text hash) of each scan, and what they found
    # (`signals.text_matcher.account_mentions` reads them); None: not loaded
    text_scans: dict[tuple[str, str], tuple[str, str]] | None = None
    stored_mentions: list[MentionRow] = field(default_factory=list)


BILLING_MONTHS = {
    "monthly": 1,
    "month": 1,
    "quarterly": 3,
    "semiannual": 6,
    "semi-annual": 6,
    "annual": 12,
    "annually": 12,
    "yearly": 12,
    "biennial": 24,
}


def billing_months(frequency: str | None) -> int | None:
    """A billing frequency as months (monthly 1, quarterly 3, annual 12, ...); None when blank or not known."""
    return BILLING_MONTHS.get((frequency or "").strip().lower().replace("_", "-"))


def agreed_end(end: date | None, status: str | None, churned_on: date | None, *, snapshot: bool = False) -> date | None:
    """A contract's agreed end as it was known while it ran. A cancelled contract whose end falls on or before the
    account's churn ends at its cancellation, which was recorded after the fact: its agreed end is unknown.
    `snapshot`: a contract cancelled by an undated churn flag keeps its end (the export's agreed term)."""
    if end is None or status != "cancelled" or (snapshot and churned_on is None):
        return end
    return end if churned_on is not None and end > churned_on else None


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


def load_facts(
    session: Session, as_of: date, account_ids: Sequence[str], *, scan: bool = False, snapshot: bool = False
) -> dict[str, AccountFacts]:
    """Facts for the named accounts (any order); unknown ids are left out. `scan` and `snapshot`: see
    `iter_portfolio_facts`."""
    ids = sorted(set(account_ids))
    if not ids:
        return {}
    return _Loader(session, as_of, Account.id.in_(ids), ids, scan, snapshot).run()


def iter_portfolio_facts(
    session: Session,
    as_of: date,
    *,
    chunk_size: int = 5000,
    account_ids: Sequence[str] | None = None,
    scan: bool = False,
    snapshot: bool = False,
) -> Iterator[list[AccountFacts]]:
    """Facts for every account (or the given ones), streamed in chunks of contiguous ids to bound memory.

    `scan=True` loads what a portfolio scan reads and no more: contact names, titles and emails are left empty
    (the free text of activities, tickets and org events is kept: the scan reads it as a brief does), and
    `feature_usage` holds one
    point per feature: the latest month with use in the window (value: the largest monthly value), or the latest
    month with a row when there was no use. Adoption, coverage and every structured rule read the same answers.

    `snapshot=True` reads an account flagged churned without a date as the customer it was on the date, with its
    contracts in force (the flag is a label of the snapshot, for `backtest --snapshot`).
    """
    stmt: Select[tuple[str]] = select(Account.id).order_by(Account.id)
    if account_ids is not None:
        stmt = stmt.where(Account.id.in_(list(account_ids)))
    all_ids = list(session.connection().execute(stmt).scalars())
    for start in range(0, len(all_ids), chunk_size):
        yield chunk_facts(session, as_of, all_ids[start : start + chunk_size], scan=scan, snapshot=snapshot)


def chunk_facts(
    session: Session, as_of: date, ids: Sequence[str], *, scan: bool = False, snapshot: bool = False
) -> list[AccountFacts]:
    """Facts for a sorted run of account ids (one chunk of `iter_portfolio_facts`), in id order; each query reads
    the id range from the first to the last."""
    if not ids:
        return []
    chunk = list(ids)
    condition = and_(Account.id >= chunk[0], Account.id <= chunk[-1])
    facts = _Loader(session, as_of, condition, chunk, scan, snapshot).run()
    return [facts[account_id] for account_id in chunk if account_id in facts]


def _text(column: Any) -> Any:
    """An enum column read as its stored string (no enum objects built per row)."""
    return type_coerce(column, String)


class _Loader:
    """The queries of one chunk: each reads a contiguous id range (or the named ids) and groups rows in Python."""

    def __init__(
        self, session: Session, as_of: date, condition: Any, ids: list[str], scan: bool, snapshot: bool = False
    ) -> None:
        self.session, self.as_of, self.condition, self.scan = session, as_of, condition, scan
        self.snapshot = snapshot
        self.lo, self.hi, self.wanted = ids[0], ids[-1], set(ids)
        self.execute = session.connection().execute  # Core rows: no ORM result processing on the hot path
        self.end = _start_of(as_of + timedelta(days=1))
        self.out: dict[str, AccountFacts] = {}

    def in_range(self, column: Any) -> Any:
        """SQL: the column lies in the chunk's id range."""
        return and_(column >= self.lo, column <= self.hi)

    def run(self) -> dict[str, AccountFacts]:
        """Every query of the chunk, in turn."""
        self.accounts()
        if not self.out:
            return self.out
        self.feeds()
        self.lines()
        self.usage()
        self.tickets()
        self.surveys()
        self.contacts()
        self.activities()
        self.text_mentions()
        self.touches()
        self.org_events()
        self.organisation()
        self.opportunities()
        self.qbrs()
        return self.out

    def accounts(self) -> None:
        """The account rows, with status and tier as they stood on the as-of date."""
        wanted, as_of = self.wanted, self.as_of
        for a in self.execute(
            select(
                Account.id,
                Account.name,
                _text(Account.status),
                Account.industry,
                _text(Account.tier),
                _text(Account.segment),
                Account.arr,
                Account.headcount,
                Account.customer_since,
                Account.renewal_date,
                Account.next_qbr_date,
                Account.ae_id,
                Account.csm_id,
                Account.am_id,
                Account.region,
                Account.fiscal_year_start_month,
                Account.churned_on,
            ).where(self.condition)
        ):
            if a[0] in wanted:
                facts = AccountFacts(
                    *a[:14],
                    as_of,
                    region=a[14],
                    fiscal_year_start_month=a[15] or 1,  # type: ignore[misc]
                )
                facts.status = status_on(facts.status, facts.customer_since, a[16], as_of, snapshot=self.snapshot)
                self.out[a[0]] = facts
        for account_id, values in account_values_on(self.session, as_of, accounts_between(self.lo, self.hi)).items():
            if (f := self.out.get(account_id)) is not None and values.get("tier"):
                f.tier = values["tier"] or f.tier  # the tier history holds overrides as well as derivations

    def feeds(self) -> None:
        """Whether the store has an activity feed and a contact feed at all (one indexed probe each)."""
        activities = self.execute(select(Activity.id).limit(1)).first() is not None
        contacts = self.execute(select(Contact.id).limit(1)).first() is not None
        if not (activities and contacts):
            for f in self.out.values():
                f.store_has_activities, f.store_has_contacts = activities, contacts

    def lines(self) -> None:
        """Contract lines in force on the as-of date (none once churned), the ARR they make, and the renewal date:
        the earliest end of a contract in force (the account's own date when none has an end, if not past)."""
        each, as_of = self.out.get, self.as_of
        ends: dict[str, list[date]] = {}
        for row in self.execute(
            select(
                ContractLine.account_id,
                ContractLine.id,
                ContractLine.product_id,
                ContractLine.quantity,
                ContractLine.unit_price,
                ContractLine.department_id,
                ContractLine.geography_id,
                ContractLine.start_date,
                Contract.end_date,
                Contract.billing_frequency,
                _text(Contract.status),
                Account.churned_on,
            )
            .join(Contract, Contract.id == ContractLine.contract_id)
            .join(Account, Account.id == ContractLine.account_id)
            .where(self.in_range(ContractLine.account_id), in_force_on(as_of, snapshot=self.snapshot))
            .order_by(ContractLine.account_id, ContractLine.id)
        ):
            if (f := each(row[0])) is not None and f.status != "churned":
                end = agreed_end(row[8], row[10], row[11], snapshot=self.snapshot)
                f.lines.append(LineFact(*row[1:8], end, billing_months(row[9])))
                ends.setdefault(row[0], []).append(end)
        for f in self.out.values():
            f.arr = sum((line.annual_value for line in f.lines), Decimal("0.00"))
            f.renewal_date = renewal_on(ends.get(f.account_id, ()), f.renewal_date, as_of)

    def usage(self) -> None:
        """Monthly usage of the last USAGE_MONTHS months; feature usage summarised in SQL when scanning."""
        as_of, since = self.as_of, _months_back(self.as_of, USAGE_MONTHS - 1)
        window = (
            self.in_range(UsageMetric.account_id),
            UsageMetric.period_start >= since,
            UsageMetric.period_start <= as_of,
        )
        columns = [
            UsageMetric.account_id,
            UsageMetric.metric,
            UsageMetric.period_start,
            UsageMetric.value,
            UsageMetric.plan_limit,
        ]
        order = (UsageMetric.account_id, UsageMetric.metric, UsageMetric.period_start)
        if self.scan:
            self._usage_rows(select(*columns, null()).where(*window, UsageMetric.feature_id.is_(None)).order_by(*order))
            self._feature_summary(window)
            return
        self._usage_rows(select(*columns, UsageMetric.feature_id).where(*window).order_by(*order))

    def _usage_rows(self, stmt: Any) -> None:
        current: AccountFacts | None = None
        current_id = None
        out = self.out
        for account_id, metric, period, value, limit, feature_id in self.execute(stmt):
            if account_id != current_id:
                current_id, current = account_id, out.get(account_id)
            if current is None:
                continue
            if feature_id:
                points = current.feature_usage.get(feature_id)
                if points is None:
                    points = current.feature_usage[feature_id] = []
            else:
                points = current.usage.get(metric)
                if points is None:
                    points = current.usage[metric] = []
            points.append(UsagePoint(period, value, limit))

    def _feature_summary(self, window: tuple[Any, ...]) -> None:
        used = case((UsageMetric.value > 0, UsageMetric.period_start))
        stmt = (
            select(
                UsageMetric.account_id,
                func.max(UsageMetric.feature_id),  # one feature per metric: grouping follows the unique index
                func.max(used),
                func.max(UsageMetric.period_start),
                func.max(UsageMetric.value),
            )
            .where(*window, UsageMetric.feature_id.is_not(None))
            .group_by(UsageMetric.account_id, UsageMetric.metric)
        )
        each = self.out.get
        for account_id, feature_id, last_used, last_seen, peak in self.execute(stmt):
            if (f := each(account_id)) is not None:
                if last_used is not None:
                    f.feature_usage[feature_id] = [UsagePoint(_as_day(last_used), peak, None)]
                else:
                    f.feature_usage[feature_id] = [UsagePoint(_as_day(last_seen), 0, None)]

    def tickets(self) -> None:
        """Tickets opened in the last TICKET_DAYS days."""
        each = self.out.get
        for row in self.execute(
            select(
                SupportTicket.account_id,
                SupportTicket.id,
                SupportTicket.opened_at,
                _text(SupportTicket.severity),
                SupportTicket.category,
                SupportTicket.escalated,
                SupportTicket.subject,
                SupportTicket.body,
            )
            .where(
                self.in_range(SupportTicket.account_id),
                SupportTicket.opened_at >= _start_of(self.as_of - timedelta(days=TICKET_DAYS)),
                SupportTicket.opened_at < self.end,
            )
            .order_by(SupportTicket.account_id, SupportTicket.opened_at)
        ):
            if (f := each(row[0])) is not None:
                f.tickets.append(TicketFact(row[1], row[2].date(), *row[3:]))

    def surveys(self) -> None:
        """NPS and CSAT answers of the last SURVEY_DAYS days."""
        as_of, each = self.as_of, self.out.get
        for row in self.execute(
            select(
                SurveyResponse.account_id,
                SurveyResponse.id,
                _text(SurveyResponse.kind),
                SurveyResponse.score,
                SurveyResponse.responded_on,
                SurveyResponse.contact_id,
            )
            .where(
                self.in_range(SurveyResponse.account_id),
                SurveyResponse.responded_on > as_of - timedelta(days=SURVEY_DAYS),
                SurveyResponse.responded_on <= as_of,
            )
            .order_by(SurveyResponse.account_id, SurveyResponse.responded_on)
        ):
            if (f := each(row[0])) is not None:
                f.surveys.append(SurveyFact(*row[1:]))

    def contacts(self) -> None:
        """Every contact, flags as they stood on the as-of date (names, titles and emails left out when scanning)."""
        text = (literal(""), null(), null()) if self.scan else (Contact.name, Contact.title, Contact.email)
        each = self.out.get
        history = contact_flags_on(self.session, self.as_of, accounts_between(self.lo, self.hi))
        for c in self.execute(
            select(
                Contact.account_id,
                Contact.id,
                *text,
                Contact.department_id,
                _text(Contact.meddicc_role),
                Contact.active,
                Contact.do_not_contact,
                Contact.is_executive,
                Contact.first_contact_on,
                Contact.left_on,
            )
            .where(self.in_range(Contact.account_id))
            .order_by(Contact.account_id, Contact.id)
        ):
            if (f := each(c[0])) is not None:
                contact = ContactFact(c[1], c[2], c[3], c[5], c[4], *c[6:])
                flags = history.get(contact.id)
                if flags:
                    contact = contact._replace(**flags)
                if contact.first_contact_on is not None and contact.first_contact_on > self.as_of:
                    continue  # first met after the date: not known then
                if contact.left_on is not None and contact.left_on > self.as_of:  # left later: still here then
                    contact = contact._replace(active=True, left_on=None)
                f.contacts.append(contact)

    def activities(self) -> None:
        """Activities of the last ACTIVITY_DAYS days, each with its participants aggregated in SQL (one row each)."""
        since = _start_of(self.as_of - timedelta(days=ACTIVITY_DAYS))
        people = (
            select(func.aggregate_strings(ActivityContact.contact_id, _SEPARATOR))
            .where(ActivityContact.activity_id == Activity.id)
            .scalar_subquery()
        )
        stmt = (
            select(
                Activity.account_id,
                Activity.id,
                _text(Activity.kind),
                Activity.occurred_at,
                _text(Activity.sentiment),
                Activity.subject,
                Activity.body,
                people,
            )
            .where(self.in_range(Activity.account_id), Activity.occurred_at >= since, Activity.occurred_at < self.end)
            .order_by(Activity.account_id, Activity.occurred_at, Activity.id)
        )
        each = self.out.get
        for account_id, activity_id, kind, occurred_at, sentiment, subject, body, who in self.execute(stmt):
            if (f := each(account_id)) is not None:
                contact_ids = tuple(sorted(who.split(_SEPARATOR))) if who else ()
                f.activities.append(
                    ActivityFact(activity_id, kind, occurred_at.date(), sentiment, subject, body, contact_ids)
                )

    def touches(self) -> None:
        """The last activity, and the last one with an executive contact, over all history.

        An account with an activity in the loaded window has its last one there (activities come in date order);
        history is read only for the others."""
        each = self.out.get
        quiet = []
        for f in self.out.values():
            if f.activities:
                f.last_activity_on = f.activities[-1].occurred_on
            else:
                quiet.append(f.account_id)
        for start in range(0, len(quiet), 5000):
            for account_id, last in self.execute(
                select(Activity.account_id, func.max(Activity.occurred_at))
                .where(Activity.account_id.in_(quiet[start : start + 5000]), Activity.occurred_at < self.end)
                .group_by(Activity.account_id)
            ):
                if (f := each(account_id)) is not None and last is not None:
                    f.last_activity_on = _as_date(last)
        # Driven by the range's executives (contacts -> their activity links -> activities), not by every activity
        # of the range: no condition on the activity's account, which would draw SQLite's planner to walk every
        # activity and its links (3x slower). Activities of accounts outside the chunk are dropped by `each`.
        for account_id, last in self.execute(
            select(Activity.account_id, func.max(Activity.occurred_at))
            .select_from(Contact)
            .join(ActivityContact, ActivityContact.contact_id == Contact.id)
            .join(Activity, Activity.id == ActivityContact.activity_id)
            .where(self.in_range(Contact.account_id), Contact.is_executive.is_(True), Activity.occurred_at < self.end)
            .group_by(Activity.account_id)
        ):
            if (f := each(account_id)) is not None and last is not None:
                f.last_exec_touch_on = _as_date(last)

    def text_mentions(self) -> None:
        """The stored mentions of the window's activities and tickets, with the scans behind them."""
        since = self.as_of - timedelta(days=max(ACTIVITY_DAYS, TICKET_DAYS))
        each = self.out.get
        for f in self.out.values():
            f.text_scans = {}
        for row in self.execute(
            select(
                TextScan.account_id, TextScan.source_table, TextScan.source_id, TextScan.lexicon, TextScan.text_hash
            ).where(
                self.in_range(TextScan.account_id), TextScan.occurred_on >= since, TextScan.occurred_on <= self.as_of
            )
        ):
            if (f := each(row[0])) is not None:
                f.text_scans[(row[1], row[2])] = (row[3], row[4])  # type: ignore[index]
        for row in self.execute(
            select(
                StoredMention.account_id,
                StoredMention.source_table,
                StoredMention.source_id,
                StoredMention.field,
                StoredMention.kind,
                StoredMention.value,
                StoredMention.matched,
                StoredMention.start,
            )
            .where(
                self.in_range(StoredMention.account_id),
                StoredMention.occurred_on >= since,
                StoredMention.occurred_on <= self.as_of,
            )
            .order_by(
                StoredMention.account_id, StoredMention.source_table, StoredMention.source_id, StoredMention.ordinal
            )
        ):
            if (f := each(row[0])) is not None:
                f.stored_mentions.append(MentionRow(*row[1:]))

    def org_events(self) -> None:
        """Org events of the last ORG_EVENT_DAYS days."""
        as_of, each = self.as_of, self.out.get
        for row in self.execute(
            select(
                OrgEvent.account_id,
                OrgEvent.id,
                _text(OrgEvent.kind),
                OrgEvent.occurred_on,
                OrgEvent.description,
                OrgEvent.department,
                OrgEvent.geography,
                OrgEvent.magnitude,
            )
            .where(
                self.in_range(OrgEvent.account_id),
                OrgEvent.occurred_on > as_of - timedelta(days=ORG_EVENT_DAYS),
                OrgEvent.occurred_on <= as_of,
            )
            .order_by(OrgEvent.account_id, OrgEvent.occurred_on)
        ):
            if (f := each(row[0])) is not None:
                f.org_events.append(OrgEventFact(*row[1:]))

    def organisation(self) -> None:
        """Departments and locations with their headcount."""
        each = self.out.get
        for row in self.execute(
            select(Department.account_id, Department.id, Department.name, Department.headcount)
            .where(self.in_range(Department.account_id))
            .order_by(Department.account_id, Department.name)
        ):
            if (f := each(row[0])) is not None:
                f.departments.append(DepartmentFact(*row[1:]))
        for row in self.execute(
            select(
                Geography.account_id,
                Geography.id,
                Geography.name,
                Geography.country,
                Geography.headcount,
                Geography.is_hq,
            )
            .where(self.in_range(Geography.account_id))
            .order_by(Geography.account_id, Geography.name)
        ):
            if (f := each(row[0])) is not None:
                f.geographies.append(GeographyFact(*row[1:]))

    def opportunities(self) -> None:
        """Opportunities created by the as-of date, with stage and close as they stood then."""
        as_of, each = self.as_of, self.out.get
        rows = self.execute(
            select(
                Opportunity.account_id,
                Opportunity.id,
                Opportunity.name,
                _text(Opportunity.type),
                _text(Opportunity.stage),
                Opportunity.estimated_value,
                Opportunity.closed_value,
                Opportunity.closed_on,
                Opportunity.created_at,
                Opportunity.target_departments,
            )
            .where(self.in_range(Opportunity.account_id), Opportunity.created_at < self.end)
            .order_by(Opportunity.account_id, Opportunity.created_at)
        ).all()
        moved = stages_on(self.session, as_of, [o[1] for o in rows if o[0] in self.wanted])
        for o in rows:
            if (f := each(o[0])) is not None:
                closed_on = o[7] if o[7] is not None and o[7] <= as_of else None
                stage = o[4] if closed_on is not None else moved.get(o[1], o[4])
                if closed_on is None and stage in ("closed_won", "closed_lost"):
                    stage = "open"  # closed after the date, with no stage history to say where it stood
                f.opportunities.append(
                    OpportunityFact(
                        o[1],
                        o[2],
                        o[3],
                        stage,
                        o[5],
                        o[6] if closed_on else None,
                        closed_on,
                        o[8].date(),
                        tuple(o[9] or ()),
                    )
                )

    def qbrs(self) -> None:
        """Dates of QBRs held by the as-of date."""
        each = self.out.get
        for account_id, held_on in self.execute(
            select(Qbr.account_id, Qbr.scheduled_for)
            .where(self.in_range(Qbr.account_id), Qbr.status == "held", Qbr.scheduled_for <= self.as_of)
            .order_by(Qbr.account_id, Qbr.scheduled_for)
        ):
            if (f := each(account_id)) is not None:
                f.held_qbrs.append(held_on)


def _as_date(value: datetime | str) -> date:
    if isinstance(value, str):  # SQLite returns MAX() over timestamps as text
        return datetime.fromisoformat(value).date()
    return value.date()


def _as_day(value: date | str) -> date:
    if isinstance(value, str):  # SQLite returns MAX() over dates as text
        return date.fromisoformat(value)
    return value
