"""Portfolio summary: accounts and ARR by account tier and segment, and what is coming up soon (SQL aggregation)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from pydantic import BaseModel, Field
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from account_intel.domain.enums import AccountStatus, Segment, Tier
from account_intel.store.models import Account

ZERO = Decimal("0.00")
QBR_WINDOW_DAYS = 30
RENEWAL_WINDOW_DAYS = 90


class TierSegmentCell(BaseModel):
    """Active accounts in one tier and segment."""

    tier: Tier
    segment: Segment
    accounts: int
    arr: Decimal = Field(description="Sum of the accounts' ARR, dollars.")


class GroupTotal(BaseModel):
    """Active accounts and ARR of one tier or one segment."""

    name: str
    accounts: int
    arr: Decimal


class PortfolioSummary(BaseModel):
    """The portfolio as of a date: counts by status, ARR by account tier and segment, and near-term events."""

    as_of: date
    accounts: int = Field(description="Every account in the store, any status.")
    active_accounts: int
    churned_accounts: int
    prospect_accounts: int
    total_arr: Decimal = Field(description="ARR of active accounts, dollars.")
    cells: list[TierSegmentCell] = Field(description="Every tier x segment pair, active accounts only.")
    tiers: list[GroupTotal]
    segments: list[GroupTotal]
    qbr_within_30_days: int = Field(description="Active accounts whose next QBR is within 30 days.")
    renewal_within_90_days: int = Field(description="Active accounts whose renewal is within 90 days.")
    near: int = Field(description="Active accounts with a QBR within 30 days or a renewal within 90 days.")


def summarise_portfolio(session: Session, *, as_of: date) -> PortfolioSummary:
    """Aggregate the accounts table: GROUP BY status, tier and segment, and count near QBRs and renewals."""
    grouped = session.execute(
        select(Account.status, Account.tier, Account.segment, func.count(), func.sum(Account.arr)).group_by(
            Account.status, Account.tier, Account.segment
        )
    ).all()
    by_status: dict[AccountStatus, int] = {}
    cells = {(tier, segment): [0, ZERO] for tier in Tier for segment in Segment}
    for status, tier, segment, count, arr in grouped:
        by_status[status] = by_status.get(status, 0) + count
        if status == AccountStatus.ACTIVE:
            cells[(tier, segment)][0] += count
            cells[(tier, segment)][1] += arr or ZERO
    qbr_soon = and_(Account.next_qbr_date >= as_of, Account.next_qbr_date <= as_of + timedelta(days=QBR_WINDOW_DAYS))
    renewal_soon = and_(
        Account.renewal_date >= as_of, Account.renewal_date <= as_of + timedelta(days=RENEWAL_WINDOW_DAYS)
    )
    qbr, renewal, near = session.execute(
        select(
            func.coalesce(func.sum(case((qbr_soon, 1), else_=0)), 0),
            func.coalesce(func.sum(case((renewal_soon, 1), else_=0)), 0),
            func.coalesce(func.sum(case((qbr_soon | renewal_soon, 1), else_=0)), 0),
        ).where(Account.status == AccountStatus.ACTIVE)
    ).one()
    cell_models = [
        TierSegmentCell(tier=tier, segment=segment, accounts=count, arr=arr)
        for (tier, segment), (count, arr) in cells.items()
    ]
    return PortfolioSummary(
        as_of=as_of,
        accounts=sum(by_status.values()),
        active_accounts=by_status.get(AccountStatus.ACTIVE, 0),
        churned_accounts=by_status.get(AccountStatus.CHURNED, 0),
        prospect_accounts=by_status.get(AccountStatus.PROSPECT, 0),
        total_arr=sum((cell.arr for cell in cell_models), ZERO),
        cells=cell_models,
        tiers=[_total(tier.value, [m for m in cell_models if m.tier == tier]) for tier in Tier],
        segments=[_total(segment.value, [m for m in cell_models if m.segment == segment]) for segment in Segment],
        qbr_within_30_days=int(qbr),
        renewal_within_90_days=int(renewal),
        near=int(near),
    )


def _total(name: str, cells: list[TierSegmentCell]) -> GroupTotal:
    return GroupTotal(name=name, accounts=sum(c.accounts for c in cells), arr=sum((c.arr for c in cells), ZERO))
