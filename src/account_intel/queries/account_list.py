"""Account list rows for browsing and scripting."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel
from sqlalchemy.orm import Session, aliased

from account_intel.domain.enums import AccountStatus, Segment, Tier
from account_intel.store.accounts import accounts_query
from account_intel.store.models import Account, User


class AccountRow(BaseModel):
    """One line of `accounts list`."""

    id: str
    name: str
    status: AccountStatus
    tier: Tier
    segment: Segment
    arr: Decimal
    industry: str | None
    ae: str | None
    csm: str | None
    renewal_date: date | None
    next_qbr_date: date | None


def list_accounts(
    session: Session,
    *,
    tier: Tier | None = None,
    segment: Segment | None = None,
    owner: str | None = None,
    limit: int | None = None,
) -> list[AccountRow]:
    """Accounts by ARR (largest first) with their AE and CSM names, filtered as asked."""
    ae, csm = aliased(User), aliased(User)
    stmt = (
        accounts_query(tier=tier, segment=segment, owner=owner)
        .outerjoin(ae, ae.id == Account.ae_id)
        .outerjoin(csm, csm.id == Account.csm_id)
        .add_columns(ae.name, csm.name)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return [
        AccountRow(
            id=a.id,
            name=a.name,
            status=a.status,
            tier=a.tier,
            segment=a.segment,
            arr=a.arr,
            industry=a.industry,
            ae=ae_name,
            csm=csm_name,
            renewal_date=a.renewal_date,
            next_qbr_date=a.next_qbr_date,
        )
        for a, ae_name, csm_name in session.execute(stmt)
    ]
