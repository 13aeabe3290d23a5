"""The whole demo portfolio, account by account, deterministic from (random seed, as-of, size).

Each random account draws from its own generator, seeded by the random seed and its position, so a larger
portfolio starts with the same accounts as a smaller one. The two story accounts are always the first two.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from account_intel.demo.catalog import feature_rows, product_rows
from account_intel.demo.commercial import Identity, draft_account, write_lines
from account_intel.demo.contacts import add_contacts
from account_intel.demo.engagement import add_activities, add_churn, add_org_events, add_qbrs, add_won_expansions
from account_intel.demo.names import NameRegistry
from account_intel.demo.rows import Bundle
from account_intel.demo.spec import DEFAULT_ACCOUNTS, DEFAULT_AS_OF, DEFAULT_SEED, MAX_ACCOUNTS, DemoSpec
from account_intel.demo.staff import Staff, generate_staff
from account_intel.demo.stories import RETAILCO_ID, RETAILCO_OPPORTUNITY_NUMBER, TECHFLOW_ID, retailco, techflow
from account_intel.demo.telemetry import add_surveys, add_tickets, add_usage
from account_intel.domain.enums import AccountStatus

__all__ = ["DEFAULT_ACCOUNTS", "DEFAULT_AS_OF", "DEFAULT_SEED", "MAX_ACCOUNTS", "DemoSpec", "PortfolioGenerator"]

FIRST_ACCOUNT_NUMBER = 1001
RESERVED_IDS = frozenset({TECHFLOW_ID, RETAILCO_ID})


@dataclass
class OpportunityNumbers:
    """Hands out `EXP-YYYY-NNNN` ids per year, skipping numbers the story accounts use."""

    reserved: dict[int, set[int]] = field(default_factory=dict)
    last: dict[int, int] = field(default_factory=dict)

    def __call__(self, year: int) -> str:
        """The next free id in `year`."""
        number = self.last.get(year, 0) + 1
        while number in self.reserved.get(year, set()):
            number += 1
        self.last[year] = number
        return f"EXP-{year}-{number:04d}"

    def highest(self) -> dict[int, int]:
        """The highest number used per year, reserved ones included."""
        years = set(self.last) | set(self.reserved)
        return {y: max([self.last.get(y, 0), *self.reserved.get(y, set())]) for y in years}


def account_ids(count: int) -> Iterator[str]:
    """Ids for random accounts: ACCT-1001 upwards, skipping the story accounts' ids."""
    number = FIRST_ACCOUNT_NUMBER
    produced = 0
    while produced < count:
        candidate = f"ACCT-{number}"
        number += 1
        if candidate in RESERVED_IDS:
            continue
        produced += 1
        yield candidate


class PortfolioGenerator:
    """Adds the catalog, the vendor's staff and every account's rows to bundles, one account at a time."""

    def __init__(self, spec: DemoSpec) -> None:
        self.spec = spec
        self.names = NameRegistry()
        self.names.reserve("TechFlow Inc.", "techflow.com")
        self.names.reserve("RetailCo", "retailco.com")
        self.opportunities = OpportunityNumbers()
        self.staff: Staff | None = None

    def add_reference_data(self, bundle: Bundle) -> None:
        """Products, features and users (the rows every account refers to)."""
        for row in product_rows():
            bundle.add("products", **row)
        for row in feature_rows():
            bundle.add("features", **row)
        self.staff = generate_staff(self.spec.seed, bundle)

    def accounts(self) -> Iterator[tuple[int, str]]:
        """(position, account id) for every account, story accounts first."""
        yield 0, TECHFLOW_ID
        yield 1, RETAILCO_ID
        yield from enumerate(account_ids(self.spec.total - 2), start=2)

    def add_account(self, bundle: Bundle, position: int, account_id: str) -> None:
        """Add one account's rows to `bundle`."""
        if self.staff is None:
            raise RuntimeError("add_reference_data must run first")
        as_of = self.spec.as_of
        if account_id == TECHFLOW_ID:
            techflow(bundle, self.staff, as_of)
            return
        if account_id == RETAILCO_ID:
            opportunity_id = retailco(bundle, self.staff, as_of)
            year = int(opportunity_id.split("-")[1])
            self.opportunities.reserved.setdefault(year, set()).add(RETAILCO_OPPORTUNITY_NUMBER)
            return
        rng = random.Random(self.spec.seed * 1_000_003 + position)
        roll = rng.random()
        status = (
            AccountStatus.CHURNED if roll < 0.06 else AccountStatus.PROSPECT if roll < 0.08 else AccountStatus.ACTIVE
        )
        name, domain = self.names.company(rng)
        draft = draft_account(
            rng, Identity(account_id, name, domain, status), as_of=as_of, staff=self.staff, bundle=bundle
        )
        add_contacts(rng, bundle, draft)
        api_latest = add_usage(rng, bundle, draft)
        closes = add_tickets(rng, bundle, draft, api_latest)
        add_surveys(rng, bundle, draft, closes)
        add_activities(rng, bundle, draft)
        add_qbrs(rng, bundle, draft)
        add_org_events(rng, bundle, draft)
        add_won_expansions(rng, bundle, draft, self.opportunities)
        add_churn(rng, bundle, draft)
        write_lines(bundle, draft)
