"""The in-memory shape of one generated account, shared by the generators that write its rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from account_intel.demo.catalog import API_PACKAGE, PLAN_RANK, SEATS


@dataclass
class LineDraft:
    """A contract line: product, quantity and annual unit price over a span, optionally scoped."""

    id: str
    contract_id: str
    product_id: str
    quantity: int
    unit_price: Decimal
    start: date
    end: date
    department_id: str | None = None
    geography_id: str | None = None
    description: str | None = None

    @property
    def value(self) -> Decimal:
        """Annual value of the line."""
        return self.unit_price * self.quantity

    def in_force(self, day: date) -> bool:
        """Whether the line covers `day`."""
        return self.start <= day <= self.end


@dataclass
class DepartmentDraft:
    """A department with its headcount; `seats` are those on the current contract."""

    id: str
    name: str
    headcount: int
    seats: int = 0


@dataclass
class GeographyDraft:
    """A location of the customer."""

    id: str
    name: str
    country: str
    region: str
    headcount: int
    is_hq: bool
    opened_on: date | None = None


@dataclass
class ContactDraft:
    """A customer contact, kept for linking activities and survey answers."""

    id: str
    name: str
    first_name: str
    department: str | None
    active: bool
    since: date
    left_on: date | None


@dataclass
class AccountDraft:
    """Everything the row generators need to know about one account."""

    id: str
    name: str
    domain: str
    status: str
    archetype: str  # thriving, steady, declining, at_risk
    as_of: date
    customer_since: date | None = None
    churned_on: date | None = None
    renewal_date: date | None = None
    next_qbr_date: date | None = None
    history_start: date | None = None
    owners: dict[str, str] = field(default_factory=dict)
    departments: list[DepartmentDraft] = field(default_factory=list)
    geographies: list[GeographyDraft] = field(default_factory=list)
    lines: list[LineDraft] = field(default_factory=list)
    contacts: list[ContactDraft] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)  # expansion signal themes hidden in notes
    expansions: list[tuple[LineDraft, str, str]] = field(default_factory=list)  # (line, opportunity type, name)

    @property
    def last_day(self) -> date:
        """The last day the account was a customer within the history (as-of, or churn date)."""
        return self.churned_on or self.as_of

    def plan_at(self, day: date) -> str | None:
        """The highest plan in force on `day`."""
        plans = [line.product_id for line in self.lines if line.product_id in PLAN_RANK and line.in_force(day)]
        return max(plans, key=PLAN_RANK.__getitem__) if plans else None

    def seats_at(self, day: date) -> int:
        """Seats purchased on `day`."""
        return sum(line.quantity for line in self.lines if line.product_id == SEATS and line.in_force(day))

    def api_blocks_at(self, day: date) -> int:
        """API Package blocks in force on `day`."""
        return sum(line.quantity for line in self.lines if line.product_id == API_PACKAGE and line.in_force(day))

    def products_at(self, day: date) -> set[str]:
        """Product ids with a line in force on `day`."""
        return {line.product_id for line in self.lines if line.in_force(day)}

    def active_contacts(self, day: date) -> list[ContactDraft]:
        """Contacts known and still at the company on `day`."""
        return [c for c in self.contacts if c.since <= day and (c.left_on is None or c.left_on > day)]
