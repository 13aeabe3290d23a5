"""The canonical CSV schema: one pydantic row model per entity, mirroring the store tables.

A field without a default is a required column. Blank cells never reach these models: they are left out,
so an optional field falls back to None (the writer then applies the store's default where the column has one).
`checks()` returns cross-column rules a row breaks, as (column, rule) pairs.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict

from account_intel.domain.enums import (
    AccountStatus,
    ActivityKind,
    ContractKind,
    ContractStatus,
    FeatureKind,
    MeddiccRole,
    OpportunityStage,
    OpportunityType,
    OrgEventKind,
    PricingUnit,
    ProductKind,
    Sentiment,
    SurveyKind,
    TicketSeverity,
    Tier,
    UserRole,
)
from account_intel.importer.values import (
    MAX_MONEY,
    Count,
    Day,
    Email,
    Flag,
    Instant,
    Int,
    LanguageTag,
    LongText,
    Money,
    Str32,
    Str64,
    Str80,
    Str96,
    Str100,
    Str120,
    Str160,
    Str200,
    enum_parser,
)

AccountStatusValue = Annotated[AccountStatus, BeforeValidator(enum_parser(AccountStatus))]
TierValue = Annotated[Tier, BeforeValidator(enum_parser(Tier))]
UserRoleValue = Annotated[UserRole, BeforeValidator(enum_parser(UserRole))]
ProductKindValue = Annotated[ProductKind, BeforeValidator(enum_parser(ProductKind))]
PricingUnitValue = Annotated[PricingUnit, BeforeValidator(enum_parser(PricingUnit))]
FeatureKindValue = Annotated[FeatureKind, BeforeValidator(enum_parser(FeatureKind))]
ContractKindValue = Annotated[ContractKind, BeforeValidator(enum_parser(ContractKind))]
ContractStatusValue = Annotated[ContractStatus, BeforeValidator(enum_parser(ContractStatus))]
SeverityValue = Annotated[TicketSeverity, BeforeValidator(enum_parser(TicketSeverity))]
SurveyKindValue = Annotated[SurveyKind, BeforeValidator(enum_parser(SurveyKind))]
MeddiccRoleValue = Annotated[MeddiccRole, BeforeValidator(enum_parser(MeddiccRole))]
ActivityKindValue = Annotated[ActivityKind, BeforeValidator(enum_parser(ActivityKind))]
SentimentValue = Annotated[Sentiment, BeforeValidator(enum_parser(Sentiment))]
OpportunityTypeValue = Annotated[OpportunityType, BeforeValidator(enum_parser(OpportunityType))]
OpportunityStageValue = Annotated[OpportunityStage, BeforeValidator(enum_parser(OpportunityStage))]
OrgEventKindValue = Annotated[OrgEventKind, BeforeValidator(enum_parser(OrgEventKind))]


class CanonicalRow(BaseModel):
    """Base of every canonical row: unknown fields are refused, values are parsed by the field types."""

    model_config = ConfigDict(extra="forbid")

    def checks(self) -> list[tuple[str, str]]:
        """Rules across columns that this row breaks, as (column, rule)."""
        return []


def _not_before(row: BaseModel, later: str, earlier: str) -> list[tuple[str, str]]:
    end, start = getattr(row, later), getattr(row, earlier)
    if end is not None and start is not None and end < start:
        return [(later, f"must not be before {earlier} ({start.isoformat()})")]
    return []


class AccountRow(CanonicalRow):
    """accounts.csv: one customer organisation; ARR, tier and segment are derived after the load."""

    id: Str64
    name: Str200
    status: AccountStatusValue | None = None
    industry: Str80 | None = None
    headcount: Count | None = None
    hq_country: Str64 | None = None
    region: Str32 | None = None
    domain: Str200 | None = None
    language: LanguageTag | None = None
    customer_since: Day | None = None
    renewal_date: Day | None = None
    next_qbr_date: Day | None = None
    churned_on: Day | None = None
    fiscal_year_start_month: Int | None = None
    ae_id: Str64 | None = None
    csm_id: Str64 | None = None
    am_id: Str64 | None = None
    tier_override: TierValue | None = None
    tier_override_reason: LongText | None = None

    def checks(self) -> list[tuple[str, str]]:
        """Fiscal month 1-12; a tier override needs its reason."""
        problems: list[tuple[str, str]] = []
        if self.fiscal_year_start_month is not None and not 1 <= self.fiscal_year_start_month <= 12:
            problems.append(("fiscal_year_start_month", "must be a month number from 1 to 12"))
        if self.tier_override is not None and not (self.tier_override_reason or "").strip():
            problems.append(("tier_override", "needs a tier_override_reason"))
        return problems


class UserRow(CanonicalRow):
    """users.csv: one of the vendor's people."""

    id: Str64
    name: Str120
    email: Str200
    role: UserRoleValue
    manager_id: Str64 | None = None
    capacity: Count | None = None
    active: Flag | None = None


class DepartmentRow(CanonicalRow):
    """departments.csv: a department of a customer, unique by (account_id, name)."""

    id: Str80
    account_id: Str64
    name: Str120
    headcount: Count | None = None


class GeographyRow(CanonicalRow):
    """geographies.csv: a location of a customer, unique by (account_id, name)."""

    id: Str80
    account_id: Str64
    name: Str120
    country: Str64 | None = None
    region: Str32 | None = None
    headcount: Count | None = None
    is_hq: Flag | None = None
    opened_on: Day | None = None


class ProductRow(CanonicalRow):
    """products.csv: a catalog item with its annual list price per pricing unit; names are unique."""

    id: Str64
    name: Str120
    kind: ProductKindValue
    pricing_unit: PricingUnitValue
    list_price: Money
    family: Str64 | None = None
    unit_label: Str64 | None = None
    tier_rank: Count | None = None
    description: LongText | None = None
    active: Flag | None = None


class FeatureRow(CanonicalRow):
    """features.csv: a feature or integration counted for adoption breadth."""

    id: Str64
    name: Str120
    kind: FeatureKindValue = FeatureKind.FEATURE
    product_id: Str64 | None = None
    min_tier_rank: Count | None = None


class ContractRow(CanonicalRow):
    """contracts.csv: an agreement with a customer."""

    id: Str80
    account_id: Str64
    start_date: Day
    end_date: Day | None = None
    kind: ContractKindValue | None = None
    status: ContractStatusValue | None = None
    payment_terms: Str64 | None = None
    billing_frequency: Str32 | None = None
    auto_renew: Flag | None = None
    is_trial: Flag | None = None
    terms: LongText | None = None

    def checks(self) -> list[tuple[str, str]]:
        """A contract ends on or after its start."""
        return _not_before(self, "end_date", "start_date")


class ContractLineRow(CanonicalRow):
    """contract_lines.csv: quantity x annual unit price of one product on a contract."""

    id: Str96
    contract_id: Str80
    account_id: Str64
    product_id: Str64
    quantity: Count
    unit_price: Money
    start_date: Day
    end_date: Day | None = None
    department_id: Str80 | None = None
    geography_id: Str80 | None = None
    description: Str200 | None = None

    def checks(self) -> list[tuple[str, str]]:
        """A line ends on or after its start; its annual value (quantity x unit price) fits a money column."""
        problems = _not_before(self, "end_date", "start_date")
        if self.quantity * self.unit_price > MAX_MONEY:
            problems.append(
                (
                    "unit_price",
                    f"times quantity {self.quantity:,} is {self.quantity * self.unit_price:,} a year, above the "
                    f"largest amount the store holds ({MAX_MONEY:,}); check the unit (cents for dollars?) or the "
                    "quantity",
                )
            )
        return problems


class UsageRow(CanonicalRow):
    """usage.csv: one metric of one account for one month, keyed by (account_id, metric, period_start)."""

    account_id: Str64
    metric: Str96
    period_start: Day
    value: Count
    plan_limit: Count | None = None
    unit: Str32 | None = None
    feature_id: Str64 | None = None

    def checks(self) -> list[tuple[str, str]]:
        """Periods are calendar months."""
        if self.period_start.day != 1:
            return [("period_start", "must be the first day of a month (usage is monthly)")]
        return []


class TicketRow(CanonicalRow):
    """tickets.csv: a support ticket."""

    id: Str80
    account_id: Str64
    opened_at: Instant
    severity: SeverityValue
    closed_at: Instant | None = None
    category: Str64 | None = None
    escalated: Flag | None = None
    subject: Str200 | None = None
    body: LongText | None = None
    first_response_minutes: Count | None = None
    resolution_hours: Count | None = None
    satisfaction_score: Count | None = None

    def checks(self) -> list[tuple[str, str]]:
        """A ticket closes after it opens."""
        return _not_before(self, "closed_at", "opened_at")


class SurveyRow(CanonicalRow):
    """surveys.csv: an NPS (0-10) or CSAT (1-5) response."""

    id: Str80
    account_id: Str64
    kind: SurveyKindValue
    score: Int
    responded_on: Day
    contact_id: Str80 | None = None
    comment: LongText | None = None

    def checks(self) -> list[tuple[str, str]]:
        """NPS is 0-10, CSAT is 1-5."""
        low, high = (0, 10) if self.kind == SurveyKind.NPS else (1, 5)
        if not low <= self.score <= high:
            return [("score", f"must be from {low} to {high} for {self.kind.value}")]
        return []


class ContactRow(CanonicalRow):
    """contacts.csv: a person at a customer, with a MEDDICC role."""

    id: Str80
    account_id: Str64
    name: Str160
    title: Str160 | None = None
    department_id: Str80 | None = None
    email: Email | None = None
    phone: Str64 | None = None
    meddicc_role: MeddiccRoleValue | None = None
    is_executive: Flag | None = None
    active: Flag | None = None
    do_not_contact: Flag | None = None
    first_contact_on: Day | None = None
    left_on: Day | None = None


class ActivityRow(CanonicalRow):
    """activities.csv: a logged call, email, meeting or note."""

    id: Str80
    account_id: Str64
    kind: ActivityKindValue
    occurred_at: Instant
    user_id: Str64 | None = None
    subject: Str200 | None = None
    body: LongText | None = None
    outcome: Str200 | None = None
    sentiment: SentimentValue | None = None
    duration_minutes: Count | None = None


class OrgEventRow(CanonicalRow):
    """org_events.csv: a change inside the customer's organisation."""

    id: Str80
    account_id: Str64
    kind: OrgEventKindValue
    occurred_on: Day
    description: LongText
    source: Str64 | None = None
    department: Str120 | None = None
    geography: Str120 | None = None
    magnitude: Int | None = None


class ChurnEventRow(CanonicalRow):
    """churn_events.csv: a recorded churn (or reactivation) of an account."""

    id: Str80
    account_id: Str64
    churned_on: Day
    reason_code: Str64 | None = None
    refund_amount: Money | None = None
    preceding_upgrade: Flag | None = None
    preceding_downgrade: Flag | None = None
    is_reactivation: Flag | None = None
    feedback: LongText | None = None


CLOSED_STAGES = frozenset({OpportunityStage.CLOSED_WON, OpportunityStage.CLOSED_LOST})


class OpportunityRow(CanonicalRow):
    """opportunities.csv: an expansion opportunity with its stage; won and lost ones carry the date they closed.

    `created_at` is when the opportunity was opened (an analysis as of an earlier date does not see it);
    a blank `probability` takes the stage's usual probability.
    """

    id: Str32
    account_id: Str64
    name: Str100
    type: OpportunityTypeValue
    stage: OpportunityStageValue
    estimated_value: Money
    created_at: Instant
    probability: Int | None = None
    expected_close_date: Day | None = None
    owner_id: Str64 | None = None
    closed_value: Money | None = None
    closed_on: Day | None = None
    loss_reason: Str32 | None = None
    loss_note: LongText | None = None

    def checks(self) -> list[tuple[str, str]]:
        """Closed stages carry closed_on (open ones do not), not before creation; probability 0-100."""
        problems: list[tuple[str, str]] = []
        closed = self.stage in CLOSED_STAGES
        if closed and self.closed_on is None:
            problems.append(("closed_on", f"is required for stage {self.stage.value} (the date it was won or lost)"))
        if not closed and self.closed_on is not None:
            problems.append(("closed_on", f"must be blank for the open stage {self.stage.value}"))
        if self.closed_on is not None and self.closed_on < self.created_at.date():
            problems.append(("closed_on", f"must not be before created_at ({self.created_at.date().isoformat()})"))
        if self.probability is not None and not 0 <= self.probability <= 100:
            problems.append(("probability", "must be a percentage from 0 to 100"))
        return problems
