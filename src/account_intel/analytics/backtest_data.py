"""The data of a backtest: who was a customer on the as-of date, what they looked like then, and what happened after.

Nothing after the as-of date may reach the scores. The facts loader already windows dated rows (usage, tickets,
surveys, activities, org events, opportunities) by the as-of date; the account row, however, holds current values,
so `as_of_facts` replaces them:

- ARR and the lines in force: recomputed from the contract lines whose dates cover the as-of date, whatever the
  contract's status today (a contract cancelled at churn was in force before it: `store.accounts.arr_by_account`
  skips cancelled contracts, which is right for today and wrong for a replay); an account churned by the date has
  none, as in `arr_by_account`. Tier and segment follow from the ARR; status is `active` (the population is the
  accounts with ARR on the date).
- Renewal date: the earliest end date of a contract in force on the date (the current value may be a later term).
- Next QBR: unknown (a QBR row may have been scheduled after the date).
- Contacts: one who left after the date was active on it.
Not versioned in the store, so kept as they are now: headcounts of the account, its departments and locations;
the owners.

Labels come only from dated records after the date, within the horizon: churn = a churn event in the window, or
the account's `churned_on` in it; expansion = a contract of kind upgrade or expansion starting in the window, or an
opportunity closed won in it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from account_intel.analytics.facts import AccountFacts, LineFact, iter_portfolio_facts
from account_intel.domain.enums import AccountStatus, ContractKind, OpportunityStage
from account_intel.domain.tiering import Thresholds, segment_for_arr, tier_for_arr
from account_intel.store.models import Account, ChurnEvent, Contract, ContractLine, Opportunity

LEAKAGE_NOTES = (
    "ARR, tier, segment and lines recomputed from the contract lines whose dates cover the as-of date (a contract"
    " cancelled later still counts before its end)",
    "renewal date: the earliest end of a contract in force on the as-of date; next QBR unknown",
    "contacts who left after the as-of date counted as active on it",
    "labels only from records dated after the as-of date and within the horizon",
    "not versioned, used as they are now: headcounts of accounts, departments and locations; account owners",
)


def _covers(as_of: date) -> ColumnElement[bool]:
    """SQL: the line and its contract cover the date (status left out: it is today's, not the date's)."""
    return and_(
        Contract.start_date <= as_of,
        or_(Contract.end_date.is_(None), Contract.end_date >= as_of),
        ContractLine.start_date <= as_of,
        or_(ContractLine.end_date.is_(None), ContractLine.end_date >= as_of),
    )


def _gone(as_of: date) -> ColumnElement[bool]:
    """SQL: churned by the date, or churned at an unknown date (as `arr_by_account`: timing unknown, left out)."""
    return and_(Account.status == AccountStatus.CHURNED, or_(Account.churned_on.is_(None), Account.churned_on <= as_of))


def lines_as_of(session: Session, as_of: date, account_ids: list[str]) -> dict[str, list[LineFact]]:
    """The lines covering the date, per account (as `LineFact`s, in the loader's order)."""
    out: dict[str, list[LineFact]] = {}
    rows = session.execute(
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
        .where(ContractLine.account_id.in_(account_ids), _covers(as_of))
        .order_by(ContractLine.account_id, ContractLine.id)
    )
    for row in rows:
        out.setdefault(row[0], []).append(LineFact(*row[1:]))
    return out


def population(session: Session, as_of: date) -> dict[str, Decimal]:
    """Customers on the date: accounts with ARR from the lines covering it, customers by then, not churned by then."""
    rows = session.execute(
        select(ContractLine.account_id, func.sum(ContractLine.unit_price * ContractLine.quantity))
        .join(Contract, Contract.id == ContractLine.contract_id)
        .join(Account, Account.id == ContractLine.account_id)
        .where(
            _covers(as_of),
            ~_gone(as_of),
            or_(Account.customer_since.is_(None), Account.customer_since <= as_of),
        )
        .group_by(ContractLine.account_id)
    )
    return {account_id: total for account_id, total in rows if total is not None and total > 0}


def renewal_dates(session: Session, as_of: date) -> dict[str, date]:
    """The earliest end date of each account's contracts in force on the date."""
    rows = session.execute(
        select(Contract.account_id, func.min(Contract.end_date))
        .where(
            Contract.start_date <= as_of,
            Contract.end_date.is_not(None),
            Contract.end_date >= as_of,
        )
        .group_by(Contract.account_id)
    )
    return {account_id: _day(end) for account_id, end in rows if end is not None}


def _day(value: date | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def as_of_facts(
    facts: AccountFacts, arr: Decimal, renewal: date | None, thresholds: Thresholds, lines: list[LineFact]
) -> AccountFacts:
    """The facts with the account row's current values replaced by what was true on the as-of date."""
    as_of = facts.as_of
    contacts = [c._replace(active=True) if c.left_on is not None and c.left_on > as_of else c for c in facts.contacts]
    return dataclasses.replace(
        facts,
        status="active",
        arr=arr,
        tier=tier_for_arr(arr, thresholds).value,
        segment=segment_for_arr(arr, thresholds).value,
        renewal_date=renewal,
        next_qbr_date=None,
        contacts=contacts,
        lines=lines,
    )


def iter_population_facts(
    session: Session, as_of: date, thresholds: Thresholds, *, chunk_size: int = 2000
) -> Iterator[list[AccountFacts]]:
    """The population's facts as of the date, corrected for leakage, in chunks."""
    arr = population(session, as_of)
    renewals = renewal_dates(session, as_of)
    for chunk in iter_portfolio_facts(session, as_of, chunk_size=chunk_size, account_ids=sorted(arr), scan=True):
        lines = lines_as_of(session, as_of, [f.account_id for f in chunk])
        yield [
            as_of_facts(f, arr[f.account_id], renewals.get(f.account_id), thresholds, lines.get(f.account_id, []))
            for f in chunk
        ]


def churn_labels(session: Session, as_of: date, horizon: int) -> set[str]:
    """Accounts with a churn event, or a churned_on date, in (as_of, as_of + horizon]."""
    end = as_of + timedelta(days=horizon)
    events = session.scalars(
        select(ChurnEvent.account_id).where(ChurnEvent.churned_on > as_of, ChurnEvent.churned_on <= end)
    )
    flagged = session.scalars(select(Account.id).where(Account.churned_on > as_of, Account.churned_on <= end))
    return set(events) | set(flagged)


def expansion_labels(session: Session, as_of: date, horizon: int) -> tuple[set[str], set[str]]:
    """(upgraded: a contract of kind upgrade or expansion starting in the window, won: an opportunity closed won
    in the window)."""
    end = as_of + timedelta(days=horizon)
    upgraded = session.scalars(
        select(Contract.account_id).where(
            Contract.kind.in_((ContractKind.UPGRADE, ContractKind.EXPANSION)),
            Contract.start_date > as_of,
            Contract.start_date <= end,
        )
    )
    won = session.scalars(
        select(Opportunity.account_id).where(
            Opportunity.stage == OpportunityStage.CLOSED_WON,
            Opportunity.closed_on > as_of,
            Opportunity.closed_on <= end,
        )
    )
    return set(upgraded), set(won)
