"""What an account looked like on a date: its status, its tier, its contacts' flags and the lines in force.

The account and contact rows hold today's values. Status follows from the dates on the row (a customer from
`customer_since`, churned from `churned_on`); tier, tier override and the contact flags from their dated history
(`store.history`); a value with no history has been what it is since the row was created.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, String, and_, or_, select, type_coerce
from sqlalchemy.orm import Session

from account_intel.domain.enums import AccountStatus, ContractStatus
from account_intel.store.history import values_on
from account_intel.store.models import Account, Contract, ContractLine, FieldChange, OpportunityStageChange


def status_on(
    status: str, customer_since: date | None, churned_on: date | None, day: date, *, snapshot: bool = False
) -> str:
    """The account's status on `day`: churned from its churn date (any day when unknown), a customer from
    `customer_since`, a prospect before. `snapshot`: a churn flag without a date is a label of the snapshot, so
    the account reads as the customer it was (see `backtest --snapshot`)."""
    if status == AccountStatus.PROSPECT:
        return AccountStatus.PROSPECT.value
    if status == AccountStatus.CHURNED and (churned_on is None or churned_on <= day):
        if snapshot and churned_on is None:
            return AccountStatus.ACTIVE.value
        return AccountStatus.CHURNED.value
    if customer_since is not None and customer_since > day:
        return AccountStatus.PROSPECT.value
    return AccountStatus.ACTIVE.value


def in_force_on(day: date, *, snapshot: bool = False) -> ColumnElement[bool]:
    """SQL (over lines joined to their contract and account): the line was in force on `day`.

    The dates cover the day, and the contract is not cancelled, or was cancelled by a churn after the day
    (it was in force until then). The caller leaves out accounts churned by the day. `snapshot`: a contract
    cancelled by an undated churn flag counts as in force (the flag is the snapshot's label)."""
    if snapshot:
        return and_(
            Contract.start_date <= day,
            or_(Contract.end_date.is_(None), Contract.end_date >= day),
            ContractLine.start_date <= day,
            or_(ContractLine.end_date.is_(None), ContractLine.end_date >= day),
            or_(
                Contract.status != ContractStatus.CANCELLED,
                Account.churned_on > day,
                and_(Account.status == AccountStatus.CHURNED, Account.churned_on.is_(None)),
            ),
        )
    return and_(
        Contract.start_date <= day,
        or_(Contract.end_date.is_(None), Contract.end_date >= day),
        ContractLine.start_date <= day,
        or_(ContractLine.end_date.is_(None), ContractLine.end_date >= day),
        or_(Contract.status != ContractStatus.CANCELLED, Account.churned_on > day),
    )


def renewal_on(contract_ends: Iterable[date | None], own: date | None, day: date) -> date | None:
    """The renewal date on `day`: the earliest end of a contract in force, else the account's own date if not past."""
    ends = [end for end in contract_ends if end is not None]
    if ends:
        return min(ends)
    return own if own is not None and own >= day else None


def account_values_on(session: Session, day: date, accounts: ColumnElement[bool]) -> dict[str, dict[str, str | None]]:
    """Tier, tier override and its reason on `day` of the accounts with history, per account (missing: no history)."""
    out: dict[str, dict[str, str | None]] = {}
    for field in ("tier", "tier_override", "tier_override_reason"):
        for account_id, value in values_on(
            session, entity_type="account", field=field, day=day, accounts=accounts
        ).items():
            out.setdefault(account_id, {})[field] = value
    return out


def contact_flags_on(session: Session, day: date, accounts: ColumnElement[bool]) -> dict[str, dict[str, bool]]:
    """Active and do-not-contact flags on `day` of the contacts with history, per contact id."""
    out: dict[str, dict[str, bool]] = {}
    for field in ("active", "do_not_contact"):
        for contact_id, value in values_on(
            session, entity_type="contact", field=field, day=day, accounts=accounts
        ).items():
            out.setdefault(contact_id, {})[field] = value == "true"
    return out


def contact_active_on(active: bool, left_on: date | None, day: date) -> bool:
    """A contact who left after `day` was still active on it."""
    return True if left_on is not None and left_on > day else active


def accounts_in(ids: list[str]) -> ColumnElement[bool]:
    """SQL over the history: the changes of these accounts."""
    return FieldChange.account_id.in_(ids)


def accounts_between(lo: str, hi: str) -> ColumnElement[bool]:
    """SQL over the history: the changes of the accounts in an id range."""
    return and_(FieldChange.account_id >= lo, FieldChange.account_id <= hi)


def stages_on(session: Session, day: date, opportunity_ids: list[str]) -> dict[str, str]:
    """The stage each opportunity stood at on `day`, from its stage history (left out: no move by then)."""
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)
    out: dict[str, str] = {}
    for start in range(0, len(opportunity_ids), 500):
        rows = session.connection().execute(
            select(OpportunityStageChange.opportunity_id, type_coerce(OpportunityStageChange.to_stage, String))
            .where(
                OpportunityStageChange.opportunity_id.in_(opportunity_ids[start : start + 500]),
                OpportunityStageChange.changed_at < end,
            )
            .order_by(OpportunityStageChange.changed_at, OpportunityStageChange.id)
        )
        out.update(dict(rows.all()))  # later moves overwrite earlier ones
    return out


def active_on(day: date, *, snapshot: bool = False) -> ColumnElement[bool]:
    """SQL over accounts: a customer on `day` (the set `status_on` calls active, with the same `snapshot`)."""
    churn = [Account.status != AccountStatus.CHURNED, Account.churned_on > day]
    if snapshot:
        churn.append(Account.churned_on.is_(None))
    return and_(
        Account.status != AccountStatus.PROSPECT,
        or_(Account.customer_since.is_(None), Account.customer_since <= day),
        or_(*churn),
    )
