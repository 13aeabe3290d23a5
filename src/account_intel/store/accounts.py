"""Account repository: finding accounts, deriving ARR from contract lines, and keeping tier and segment current."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from account_intel.domain.enums import AccountStatus, ContractStatus, Segment, Tier
from account_intel.domain.tiering import Thresholds, segment_for_arr, tier_for_arr
from account_intel.errors import AmbiguousError, NotFoundError, ValidationFailed
from account_intel.store.events import record_event
from account_intel.store.history import record_change
from account_intel.store.models import Account, Contract, ContractLine, User

ZERO = Decimal("0.00")


def find_account(session: Session, ref: str) -> Account:
    """An account by id, or by a name that matches exactly or as the only partial match (case-insensitive)."""
    ref = ref.strip()
    account = session.get(Account, ref)
    if account is not None:
        return account
    exact = list(session.scalars(select(Account).where(func.lower(Account.name) == ref.lower()).limit(2)))
    if len(exact) == 1:
        return exact[0]
    pattern = f"%{ref.lower()}%"
    partial = list(session.scalars(select(Account).where(func.lower(Account.name).like(pattern)).limit(6)))
    if len(exact) > 1 or len(partial) > 1:
        names = ", ".join(f"{a.name} ({a.id})" for a in (exact or partial)[:5])
        raise AmbiguousError(f"Account '{ref}' matches several accounts: {names}. Use the account id.")
    if len(partial) == 1:
        return partial[0]
    raise NotFoundError(f"Account '{ref}' not found. Run `account-intel accounts list` to see ids and names.")


def accounts_query(
    *, tier: Tier | None = None, segment: Segment | None = None, owner: str | None = None
) -> Select[tuple[Account]]:
    """The accounts filtered by account tier, segment and owner (user id, name or email; AE, CSM or AM)."""
    stmt = select(Account).order_by(Account.arr.desc(), Account.name)
    if tier is not None:
        stmt = stmt.where(Account.tier == tier)
    if segment is not None:
        stmt = stmt.where(Account.segment == segment)
    if owner is not None:
        owner_ids = (
            select(User.id)
            .where(
                or_(User.id == owner, func.lower(User.name) == owner.lower(), func.lower(User.email) == owner.lower())
            )
            .scalar_subquery()
        )
        stmt = stmt.where(
            or_(Account.ae_id.in_(owner_ids), Account.csm_id.in_(owner_ids), Account.am_id.in_(owner_ids))
        )
    return stmt


def active_line_filter(as_of: date):  # type: ignore[no-untyped-def]
    """SQL condition: a contract line and its contract are in force on `as_of` and not cancelled."""
    return and_(
        Contract.status != ContractStatus.CANCELLED,
        Contract.start_date <= as_of,
        or_(Contract.end_date.is_(None), Contract.end_date >= as_of),
        ContractLine.start_date <= as_of,
        or_(ContractLine.end_date.is_(None), ContractLine.end_date >= as_of),
    )


def arr_by_account(session: Session, as_of: date, account_ids: Iterable[str] | None = None) -> dict[str, Decimal]:
    """ARR per account on `as_of`: quantity x annual unit price over lines in force (set-based).

    A churned account has no ARR from its churn date on, whatever lines the source system left open.
    """
    churned = and_(
        Account.status == AccountStatus.CHURNED, or_(Account.churned_on.is_(None), Account.churned_on <= as_of)
    )
    stmt = (
        select(ContractLine.account_id, func.sum(ContractLine.unit_price * ContractLine.quantity))
        .join(Contract, Contract.id == ContractLine.contract_id)
        .join(Account, Account.id == ContractLine.account_id)
        .where(active_line_filter(as_of), ~churned)
        .group_by(ContractLine.account_id)
    )
    if account_ids is not None:
        stmt = stmt.where(ContractLine.account_id.in_(list(account_ids)))
    return {account_id: (total or ZERO) for account_id, total in session.execute(stmt)}


@dataclass(frozen=True)
class AccountChange:
    """What a recalculation changed on one account."""

    account_id: str
    old_arr: Decimal
    new_arr: Decimal
    old_tier: Tier
    new_tier: Tier
    old_segment: Segment
    new_segment: Segment


def recalculate_accounts(
    session: Session,
    *,
    as_of: date,
    thresholds: Thresholds,
    at: datetime,
    actor: str | None = None,
    source: str = "recalculation",
    account_ids: Iterable[str] | None = None,
    emit_events: bool = True,
) -> list[AccountChange]:
    """Derive ARR, tier and segment from contract lines and store them; every change is an event.

    A manual tier override wins over the ARR-derived tier and survives recalculation.
    """
    ids = list(account_ids) if account_ids is not None else None
    arr = arr_by_account(session, as_of, ids)
    stmt = select(Account)
    if ids is not None:
        stmt = stmt.where(Account.id.in_(ids))
    changes: list[AccountChange] = []
    for account in session.scalars(stmt):
        new_arr = arr.get(account.id, ZERO)
        new_tier = account.tier_override or tier_for_arr(new_arr, thresholds)
        new_segment = segment_for_arr(new_arr, thresholds)
        change = AccountChange(
            account.id, account.arr or ZERO, new_arr, account.tier, new_tier, account.segment, new_segment
        )
        if account.arr_as_of is not None:  # a first derivation has no earlier tier to date
            _record_tier(session, account, change.old_tier, new_tier, effective_on=as_of, at=at)
        account.arr, account.arr_as_of, account.tier, account.segment = new_arr, as_of, new_tier, new_segment
        if (change.old_arr, change.old_tier, change.old_segment) == (new_arr, new_tier, new_segment):
            continue
        changes.append(change)
        if emit_events:
            _record_change_events(session, change, at=at, actor=actor, source=source)
    return changes


def _record_change_events(
    session: Session, change: AccountChange, *, at: datetime, actor: str | None, source: str
) -> None:
    if change.old_arr != change.new_arr:
        record_event(
            session,
            kind="account.arr_updated",
            at=at,
            account_id=change.account_id,
            entity_type="account",
            entity_id=change.account_id,
            actor=actor,
            payload={
                "account_id": change.account_id,
                "old_arr": change.old_arr,
                "new_arr": change.new_arr,
                "source": source,
                "user_id": actor,
            },
        )
    if change.old_tier != change.new_tier:
        record_event(
            session,
            kind="account.tier_changed",
            at=at,
            account_id=change.account_id,
            entity_type="account",
            entity_id=change.account_id,
            actor=actor,
            payload={
                "account_id": change.account_id,
                "old_tier": change.old_tier,
                "new_tier": change.new_tier,
                "trigger": "arr_threshold",
                "user_id": actor,
            },
        )
    if change.old_segment != change.new_segment:
        record_event(
            session,
            kind="account.segment_changed",
            at=at,
            account_id=change.account_id,
            entity_type="account",
            entity_id=change.account_id,
            actor=actor,
            payload={
                "account_id": change.account_id,
                "old_segment": change.old_segment,
                "new_segment": change.new_segment,
                "user_id": actor,
            },
        )


def _record_tier(session: Session, account: Account, old: Tier, new: Tier, *, effective_on: date, at: datetime) -> None:
    record_change(
        session,
        account_id=account.id,
        entity_type="account",
        entity_id=account.id,
        field="tier",
        old=old,
        new=new,
        effective_on=effective_on,
        at=at,
    )


def override_tier(
    session: Session,
    *,
    account: Account,
    tier: Tier | None,
    reason: str | None,
    at: datetime,
    actor: str,
    thresholds: Thresholds,
) -> Account:
    """Set (or clear, with `tier=None`) a manual tier; a reason is required to set one, and to demote a T1 account
    (which is also an `account.t1_demoted` event naming who and why)."""
    if tier is not None and not (reason and reason.strip()):
        raise ValidationFailed("A manual tier override needs a reason (--reason).")
    old_tier, old_override, old_reason = account.tier, account.tier_override, account.tier_override_reason
    demotes = old_tier == Tier.T1 and (tier or tier_for_arr(account.arr or ZERO, thresholds)) != Tier.T1
    if demotes and not (reason and reason.strip()):
        raise ValidationFailed(f"Demoting {account.name} from T1 needs a reason (--reason).")
    account.tier_override = tier
    account.tier_override_reason = reason.strip() if tier is not None and reason else None
    account.tier = tier or tier_for_arr(account.arr or ZERO, thresholds)
    record_change(
        session,
        account_id=account.id,
        entity_type="account",
        entity_id=account.id,
        field="tier_override",
        old=old_override,
        new=tier,
        effective_on=at.date(),
        at=at,
    )
    record_change(
        session,
        account_id=account.id,
        entity_type="account",
        entity_id=account.id,
        field="tier_override_reason",
        old=old_reason,
        new=account.tier_override_reason,
        effective_on=at.date(),
        at=at,
    )
    _record_tier(session, account, old_tier, account.tier, effective_on=at.date(), at=at)
    if demotes:
        record_event(
            session, kind="account.t1_demoted", at=at, account_id=account.id, entity_type="account",
            entity_id=account.id, actor=actor, payload={"reason": (reason or "").strip(), "tier": account.tier.value},
        )  # fmt: skip
    if old_tier != account.tier:
        record_event(
            session,
            kind="account.tier_changed",
            at=at,
            account_id=account.id,
            entity_type="account",
            entity_id=account.id,
            actor=actor,
            payload={
                "account_id": account.id,
                "old_tier": old_tier,
                "new_tier": account.tier,
                "trigger": "manual_override" if tier else "override_cleared",
                "reason": reason,
                "user_id": actor,
            },
        )
    return account
