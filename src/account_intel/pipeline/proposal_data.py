"""The data a proposal is filled with, read from the account's own records: contract terms, track record,
team and dates. Text from the CRM goes into the template as data."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from account_intel.domain.enums import ContractStatus, OpportunityStage, SurveyKind
from account_intel.pipeline.schemas import ScopeLine
from account_intel.store.models import Account, Contract, Opportunity, SurveyResponse, User

TYPE_LABEL = {
    "new_department": "New Department",
    "new_location": "New Location",
    "new_service": "New Service Line",
    "volume_increase": "Volume Increase",
    "rate_increase": "Rate Increase",
    "contract_extension": "Contract Extension",
}


def _money(value: Decimal) -> str:
    return f"${value:,.0f}" if value == value.to_integral_value() else f"${value:,.2f}"


def _pretty(day: date) -> str:
    return f"{day.strftime('%B')} {day.day}, {day.year}"


def months_between(start: date, end: date) -> int:
    """Whole months from `start` to `end` (18 for 2023-06-01 to 2024-12-05)."""
    return max(0, (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day))


def _terms(session: Session, account_id: str, day: date) -> dict[str, Any]:
    contracts = list(
        session.scalars(
            select(Contract)
            .where(Contract.account_id == account_id, Contract.status != ContractStatus.CANCELLED)
            .order_by(Contract.start_date.desc(), Contract.id.desc())
        )
    )
    in_force = [c for c in contracts if c.start_date <= day and (c.end_date is None or c.end_date >= day)]
    chosen = in_force or contracts
    contract = chosen[0] if chosen else None
    if contract is None:
        return {
            "from_contract": False,
            "contract_id": None,
            "payment_terms": "to be agreed",
            "billing_frequency": "to be agreed",
            "end_date": None,
        }
    return {
        "from_contract": True,
        "contract_id": contract.id,
        "payment_terms": contract.payment_terms or "as in the existing agreement",
        "billing_frequency": contract.billing_frequency or "as in the existing agreement",
        "end_date": _pretty(contract.end_date) if contract.end_date else None,
    }


def _track_record(session: Session, account: Account, day: date, exclude: set[str]) -> dict[str, Any]:
    since = account.customer_since or account.created_at.date()
    won = [
        o
        for o in session.scalars(
            select(Opportunity)
            .where(Opportunity.account_id == account.id, Opportunity.stage == OpportunityStage.CLOSED_WON)
            .order_by(Opportunity.closed_on)
        )
        if o.id not in exclude
    ]
    won_value = sum((o.closed_value or o.estimated_value for o in won), Decimal("0"))
    scores = list(
        session.scalars(
            select(SurveyResponse.score).where(
                SurveyResponse.account_id == account.id,
                SurveyResponse.kind == SurveyKind.NPS,
                SurveyResponse.responded_on > day - timedelta(days=365),
                SurveyResponse.responded_on <= day,
            )
        )
    )
    nps = None
    if scores:
        promoters = sum(1 for s in scores if s >= 9)
        detractors = sum(1 for s in scores if s <= 6)
        nps = round((promoters - detractors) * 100 / len(scores))
    return {
        "months_as_customer": months_between(since, day),
        "customer_since": _pretty(since),
        "arr_fmt": _money(account.arr),
        "won_count": len(won),
        "won_value_fmt": _money(won_value),
        "won_names": "; ".join(o.name for o in won),
        "nps": nps,
        "nps_responses": len(scores),
    }


def _person(user: User | None) -> str | None:
    return f"{user.name} ({user.email})" if user else None


def proposal_context(
    session: Session,
    *,
    opportunities: list[Opportunity],
    scope: list[ScopeLine],
    values: dict[str, Any],
    day: date,
) -> dict[str, Any]:
    """The template variables: proposal, account, scope, terms, track_record, team and plan."""
    primary = opportunities[0]
    account = session.get(Account, primary.account_id)
    assert account is not None
    departments: list[str] = []
    for opportunity in opportunities:
        departments += [d for d in opportunity.target_departments or [] if d not in departments]
    owner = session.get(User, primary.owner_id) if primary.owner_id else None
    close = max([o.expected_close_date for o in opportunities if o.expected_close_date] or [day + timedelta(days=30)])
    kickoff = close + timedelta(days=10)
    phase1_end = kickoff + timedelta(days=59)
    return {
        "proposal": values,
        "account": {"id": account.id, "name": account.name, "tier": account.tier.value},
        "scope": {
            "opportunities": [
                {
                    "id": o.id,
                    "name": o.name,
                    "type_label": TYPE_LABEL[o.type.value],
                    "targets": ", ".join(o.target_departments or []),
                }
                for o in opportunities
            ],
            "lines": [
                {"description": line.description, "volume": line.volume, "value_fmt": _money(line.value)}
                for line in scope
            ],
            "departments_text": ", ".join(departments) if departments else "the scope below",
        },
        "terms": _terms(session, account.id, day),
        "track_record": _track_record(session, account, day, {o.id for o in opportunities}),
        "team": {
            "owner": _person(owner) or "to be assigned",
            "ae": _person(session.get(User, account.ae_id))
            if account.ae_id and account.ae_id != primary.owner_id
            else None,
            "csm": _person(session.get(User, account.csm_id)) if account.csm_id else None,
        },
        "plan": {
            "review_by": _pretty(day + timedelta(days=5)),
            "decision_by": _pretty(close),
            "kickoff": _pretty(kickoff),
            "phase1_end": _pretty(phase1_end),
            "phase2_start": _pretty(phase1_end + timedelta(days=1)),
        },
    }


__all__ = ["TYPE_LABEL", "months_between", "proposal_context"]
