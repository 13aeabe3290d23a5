"""The data of a backtest: who was a customer on the as-of date, what they looked like then, and what happened after.

Nothing after the as-of date may reach the scores. The facts loader reads every fact as of the date (the same
loader serves `health --as-of`, so both score an account on a date alike): status from the churn and customer
dates, tier and contact flags from their dated history, contacts who left later as active, the lines in force
(a contract cancelled by a later churn counted before it) and the renewal date they give, opportunities at the
stage they stood at, and dated rows (usage, tickets, surveys, activities, org events) windowed by the date. On
top, `as_of_facts` sets:

- Tier and segment from the ARR of the lines in force (the population is the accounts with ARR on the date).
- Next QBR: unknown (a QBR row may have been scheduled after the date).
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

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from account_intel.analytics.facts import AccountFacts, iter_portfolio_facts
from account_intel.domain.enums import AccountStatus, ContractKind, OpportunityStage
from account_intel.domain.tiering import Thresholds, segment_for_arr, tier_for_arr
from account_intel.store.as_of import active_on, in_force_on
from account_intel.store.models import Account, ChurnEvent, Contract, ContractLine, Opportunity

LEAKAGE_NOTES = (
    "status, lines and ARR as of the as-of date (a contract cancelled by a later churn still counts before it);"
    " tier and segment from that ARR",
    "renewal date: the earliest end of a contract in force on the as-of date; next QBR unknown",
    "contacts as they stood on the as-of date: who left later counted as active, flags from their dated history",
    "opportunities at the stage they stood at on the as-of date",
    "labels only from records dated after the as-of date and within the horizon",
    "not versioned, used as they are now: headcounts of accounts, departments and locations; account owners",
)


def population(session: Session, as_of: date, *, snapshot: bool = False) -> dict[str, Decimal]:
    """Customers on the date: accounts with ARR from the lines in force on it, customers by then, not churned
    (`snapshot`: accounts flagged churned without a date count as the customers they were)."""
    rows = session.execute(
        select(ContractLine.account_id, func.sum(ContractLine.unit_price * ContractLine.quantity))
        .join(Contract, Contract.id == ContractLine.contract_id)
        .join(Account, Account.id == ContractLine.account_id)
        .where(in_force_on(as_of, snapshot=snapshot), active_on(as_of, snapshot=snapshot))
        .group_by(ContractLine.account_id)
    )
    return {account_id: total for account_id, total in rows if total is not None and total > 0}


def as_of_facts(facts: AccountFacts, thresholds: Thresholds) -> AccountFacts:
    """The loader's facts with tier and segment from the ARR on the date, and no next QBR (unknown then)."""
    return dataclasses.replace(
        facts,
        tier=tier_for_arr(facts.arr, thresholds).value,
        segment=segment_for_arr(facts.arr, thresholds).value,
        next_qbr_date=None,
    )


def iter_population_facts(
    session: Session,
    as_of: date,
    thresholds: Thresholds,
    *,
    chunk_size: int = 2000,
    snapshot: bool = False,
    text: bool = False,
) -> Iterator[list[AccountFacts]]:
    """The population's facts as of the date, in chunks; `text` keeps the notes, tickets and event descriptions
    (and every feature-usage point) that the per-account analysis reads, else the scan's lighter facts."""
    arr = population(session, as_of, snapshot=snapshot)
    ids = sorted(arr)
    for chunk in iter_portfolio_facts(
        session, as_of, chunk_size=chunk_size, account_ids=ids, scan=not text, snapshot=snapshot
    ):
        yield [as_of_facts(f, thresholds) for f in chunk]


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


def undated_churn(session: Session) -> list[str]:
    """Accounts flagged churned with no churn date (the importer dates them from their churn events when it has
    any): a backtest cannot tell when they left, so it can neither count them as customers on a date nor label
    them, and must not drop them silently."""
    return list(
        session.scalars(
            select(Account.id)
            .where(Account.status == AccountStatus.CHURNED, Account.churned_on.is_(None))
            .order_by(Account.id)
        )
    )


def expansion_labels_by_type(session: Session, as_of: date, horizon: int) -> dict[str, set[str]]:
    """Accounts per expansion type in the window: an opportunity closed won, by its type, and an upgrade contract
    as a volume increase (an expansion contract says no type: it counts only among all expansions)."""
    end = as_of + timedelta(days=horizon)
    out: dict[str, set[str]] = {}
    for account_id, kind in session.execute(
        select(Opportunity.account_id, Opportunity.type).where(
            Opportunity.stage == OpportunityStage.CLOSED_WON,
            Opportunity.closed_on > as_of,
            Opportunity.closed_on <= end,
        )
    ):
        out.setdefault(str(kind.value if hasattr(kind, "value") else kind), set()).add(account_id)
    upgraded = session.scalars(
        select(Contract.account_id).where(
            Contract.kind == ContractKind.UPGRADE, Contract.start_date > as_of, Contract.start_date <= end
        )
    )
    out.setdefault("volume_increase", set()).update(upgraded)
    return {kind: ids for kind, ids in sorted(out.items()) if ids}
