"""The fixture language of a scenario: a demo account (or a written-out small account) and typed patches on it.

Days are relative to the scenario's as-of date (`days_ago`, `days_from_now`), so a fixture holds for any as-of.
Contacts are named by their full name (or id); products by catalog id (`mod_compliance`) or name.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from account_intel.domain.enums import (
    AccountStatus,
    ActivityKind,
    MeddiccRole,
    OrgEventKind,
    Sentiment,
    SurveyKind,
    TicketSeverity,
)

Days = Annotated[int, Field(ge=0, le=3650)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Patch(_Strict):
    account: str | None = Field(default=None, description="Account id to patch; default: the scenario's account.")


class AddActivity(_Patch):
    """Log a call, email, meeting or note (its text is data: injection tests put instructions here)."""

    op: Literal["add_activity"]
    text: str = Field(min_length=1)
    subject: str | None = None
    kind: ActivityKind = ActivityKind.NOTE
    contact: str | None = Field(default=None, description="Contact who took part (name or id).")
    days_ago: Days = 5
    sentiment: Sentiment = Sentiment.NEUTRAL


class AddTicket(_Patch):
    """Open a support ticket (closed a day later)."""

    op: Literal["add_ticket"]
    subject: str = Field(min_length=1)
    body: str = ""
    severity: TicketSeverity = TicketSeverity.MEDIUM
    category: str = "general"
    days_ago: Days = 5
    escalated: bool = False
    open: bool = Field(default=False, description="Leave it open (no close date).")


class AddSurvey(_Patch):
    """Record an NPS (0-10) or CSAT (1-5) answer."""

    op: Literal["add_survey"]
    kind: SurveyKind = SurveyKind.NPS
    score: int = Field(ge=0, le=10)
    days_ago: Days = 10
    contact: str | None = None
    comment: str | None = None


class SetNps(_Patch):
    """Replace the account's NPS history by one answer (and optionally earlier ones, oldest first)."""

    op: Literal["set_nps"]
    score: int = Field(ge=0, le=10)
    days_ago: Days = 10
    earlier: list[Annotated[int, Field(ge=0, le=10)]] = Field(
        default_factory=list, description="Earlier answers, oldest first, 90 days apart before `days_ago`."
    )
    contact: str | None = None
    comment: str | None = None


class RemoveSurveys(_Patch):
    """Delete survey answers (of one kind, or all)."""

    op: Literal["remove_surveys"]
    kind: SurveyKind | None = None


class RemoveUsage(_Patch):
    """Delete the usage feed (some metrics, or all of it: 'no usage feed')."""

    op: Literal["remove_usage"]
    metrics: list[str] = Field(default_factory=list, description="Metric names; empty: every metric.")


class SetUsage(_Patch):
    """Set the latest monthly values of one metric (oldest first, ending in the as-of month)."""

    op: Literal["set_usage"]
    metric: str
    values: list[Annotated[int, Field(ge=0)]] = Field(min_length=1)
    limit: int | None = Field(default=None, ge=1, description="Plan limit; default: keep the recorded one.")
    unit: str | None = None


class RemoveContacts(_Patch):
    """Delete contacts (named ones, or all of them: 'no contacts')."""

    op: Literal["remove_contacts"]
    names: list[str] = Field(default_factory=list)


class SetContact(_Patch):
    """Change one contact: left the company, do-not-contact, role, executive flag, title."""

    op: Literal["set_contact"]
    name: str
    active: bool | None = None
    left_days_ago: Days | None = Field(default=None, description="Left this many days ago (sets active false).")
    do_not_contact: bool | None = None
    role: MeddiccRole | None = None
    executive: bool | None = None
    title: str | None = None


class AddContact(_Patch):
    """Add a contact."""

    op: Literal["add_contact"]
    name: str = Field(min_length=3)
    title: str
    department: str | None = Field(default=None, description="Department name (created if missing).")
    role: MeddiccRole | None = None
    executive: bool = False
    do_not_contact: bool = False
    email: str | None = None
    days_ago: Days = Field(default=200, description="First contact this many days ago.")
    active: bool = True


class SetStatus(_Patch):
    """Change the account's status (churned: from `days_ago` on, with no ARR)."""

    op: Literal["set_status"]
    status: AccountStatus
    days_ago: Days = 30


class ScaleArr(_Patch):
    """Multiply every contract line's unit price (tiny and huge accounts)."""

    op: Literal["scale_arr"]
    factor: float = Field(gt=0, le=1000)


class SetLine(_Patch):
    """Add a contract line, or change the quantity (and price) of the line for this product and department."""

    op: Literal["set_line"]
    product: str
    quantity: int = Field(ge=0, description="0 ends the line.")
    department: str | None = None
    price: float | None = Field(default=None, ge=0, description="Annual unit price; default: list price.")


class AddDepartment(_Patch):
    """Add a department with its headcount."""

    op: Literal["add_department"]
    name: str
    headcount: int = Field(ge=0)


class AddGeography(_Patch):
    """Add a location (an office opening later when `opens_in_days` is set)."""

    op: Literal["add_geography"]
    name: str
    country: str = "United States"
    region: str = "North America"
    headcount: int = Field(ge=0)
    opens_in_days: int | None = Field(default=None, ge=-3650, le=730)


class AddOrgEvent(_Patch):
    """Record an organisation change: executive change, funding, acquisition, new office, hiring, budget."""

    op: Literal["add_org_event"]
    kind: OrgEventKind
    description: str
    days_ago: Days = 20
    department: str | None = None
    geography: str | None = None
    magnitude: int | None = None
    source: str = "news"


class RemoveOrgEvents(_Patch):
    """Delete organisation events (of one kind, or all)."""

    op: Literal["remove_org_events"]
    kind: OrgEventKind | None = None


class RemoveActivities(_Patch):
    """Delete activities whose subject or text contains a phrase (or all activities)."""

    op: Literal["remove_activities"]
    contains: str | None = None


class RemoveTickets(_Patch):
    """Delete support tickets (of one category, or all)."""

    op: Literal["remove_tickets"]
    category: str | None = None


class SetNextQbr(_Patch):
    """Schedule the next QBR (or clear it)."""

    op: Literal["set_next_qbr"]
    days_from_now: int | None = Field(ge=-365, le=730)


class SetRenewal(_Patch):
    """Move the renewal date (and the end of the contracts in force)."""

    op: Literal["set_renewal"]
    days_from_now: int = Field(ge=1, le=1500)


class SetAccount(_Patch):
    """Change the account's headcount, industry or name."""

    op: Literal["set_account"]
    headcount: int | None = Field(default=None, ge=1)
    industry: str | None = None
    name: str | None = None


class SnapshotHealth(_Patch):
    """Store a weekly health snapshot computed `days_ago` days before the as-of date on the data as it is now.

    Patches after this one change the present only, so a later degradation shows as a health decline.
    """

    op: Literal["snapshot_health"]
    days_ago: Days = 7


Patch = Annotated[
    AddActivity
    | AddTicket
    | AddSurvey
    | SetNps
    | RemoveSurveys
    | RemoveUsage
    | SetUsage
    | RemoveContacts
    | SetContact
    | AddContact
    | SetStatus
    | ScaleArr
    | SetLine
    | AddDepartment
    | AddGeography
    | AddOrgEvent
    | RemoveOrgEvents
    | RemoveActivities
    | RemoveTickets
    | SetNextQbr
    | SetRenewal
    | SetAccount
    | SnapshotHealth,
    Field(discriminator="op"),
]


class DepartmentSpec(_Strict):
    """A department of a written-out account."""

    name: str
    headcount: int = Field(ge=0)


class GeographySpec(_Strict):
    """A location of a written-out account."""

    name: str
    country: str = "United States"
    region: str = "North America"
    headcount: int = Field(ge=0)
    hq: bool = False
    opens_in_days: int | None = Field(default=None, description="Not open yet: opens this many days after as-of.")


class LineSpec(_Strict):
    """A contract line of a written-out account (catalog id or name; list price unless `price`)."""

    product: str
    quantity: int = Field(ge=1)
    department: str | None = None
    price: float | None = Field(default=None, ge=0)


class UsageSpec(_Strict):
    """Monthly values of one metric, oldest first, ending in the as-of month (`feature:<id>` for a feature)."""

    metric: str
    values: list[Annotated[int, Field(ge=0)]] = Field(min_length=1)
    limit: int | None = Field(default=None, ge=1)
    unit: str = "count"


class ContactSpec(_Strict):
    """A contact of a written-out account."""

    name: str = Field(min_length=3)
    title: str
    department: str | None = None
    role: MeddiccRole | None = None
    executive: bool = False
    do_not_contact: bool = False
    email: str | None = None
    days_ago: Days = 300
    left_days_ago: Days | None = None


class WrittenAccount(_Strict):
    """A small account written out in full, added to the demo store beside the generated ones."""

    id: str = Field(pattern=r"^[A-Z][A-Z0-9-]{2,40}$")
    name: str
    industry: str = "Software"
    headcount: int = Field(ge=1)
    domain: str = Field(pattern=r"^[a-z0-9.-]+\.[a-z]{2,}$")
    customer_since_months: int = Field(default=18, ge=1, le=240)
    renewal_in_days: int = Field(default=200, ge=1, le=1500)
    next_qbr_in_days: int | None = Field(default=None, ge=-365, le=730)
    departments: list[DepartmentSpec] = Field(default_factory=list)
    geographies: list[GeographySpec] = Field(default_factory=list)
    lines: list[LineSpec] = Field(min_length=1)
    usage: list[UsageSpec] = Field(default_factory=list)
    contacts: list[ContactSpec] = Field(default_factory=list)


class Fixture(_Strict):
    """The store of a scenario: the demo template, optionally a written-out account, then patches in order.

    An item of `patches` may itself be a list of patches (a YAML alias of a shared history): it is applied in place.
    """

    account: str | None = Field(default=None, description="The demo account the scenario is about (id).")
    written: WrittenAccount | None = Field(default=None, description="A written-out account, added first.")
    patches: list[Patch | list[Patch]] = Field(default_factory=list)

    @property
    def steps(self) -> list[Patch]:
        """The patches in order, nested lists flattened."""
        out: list[Patch] = []
        for item in self.patches:
            out.extend(item if isinstance(item, list) else [item])
        return out
