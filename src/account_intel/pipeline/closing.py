"""Closing an opportunity: won (contract line, ARR and tier, follow-up tasks) or lost (reason, reminder)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from account_intel.domain.enums import (
    ContractKind,
    ContractStatus,
    OpportunityStage,
    PricingUnit,
    ProductKind,
    Tier,
)
from account_intel.domain.tiering import Thresholds
from account_intel.errors import NotFoundError
from account_intel.pipeline.config import PipelineSettings
from account_intel.pipeline.errors import FieldProblems
from account_intel.pipeline.ids import new_id
from account_intel.pipeline.preconditions import add_months
from account_intel.pipeline.schemas import LossInput, WinInput
from account_intel.pipeline.service import actor_id, change_stage, get_opportunity
from account_intel.pipeline.stages import check_transition
from account_intel.pipeline.tasks import add_task
from account_intel.pipeline.views import LossResult, WinResult, opportunity_view, task_views
from account_intel.store.accounts import recalculate_accounts
from account_intel.store.events import record_event
from account_intel.store.models import Account, Contact, Contract, ContractLine, Department, Opportunity, Product

EXPANSION_PRODUCT_ID = "expansion"
WIN_FOLLOW_UPS = (
    ("Schedule kickoff meeting with {who} and the delivery team", 5, "kickoff"),
    ("Assign a delivery owner for {name}", 2, "delivery_owner"),
    ("Set up the first roles/users for phase 1 of {name}", 10, "first_roles"),
    ("Set up weekly check-ins during phase 1", 14, "check_ins"),
)
QBR_FOLLOW_UP = ("Update QBR schedule (now quarterly as a T1 account)", 14, "qbr")
CLOSE_FAILED = "Failed to close opportunity."


def _percent(value: Decimal) -> Decimal:
    return value.quantize(Decimal("1"), rounding=ROUND_HALF_UP)


def _active_contract(session: Session, account_id: str, day: date) -> Contract | None:
    stmt = (
        select(Contract)
        .where(
            Contract.account_id == account_id,
            Contract.status == ContractStatus.ACTIVE,
            Contract.start_date <= day,
            (Contract.end_date.is_(None)) | (Contract.end_date >= day),
        )
        .order_by(Contract.start_date.desc(), Contract.id.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def _expansion_product(session: Session, product_id: str | None) -> Product:
    if product_id:
        product = session.get(Product, product_id)
        if product is None:
            raise NotFoundError(f"Product '{product_id}' not found in the catalog.")
        return product
    product = (
        session.get(Product, EXPANSION_PRODUCT_ID)
        or session.scalars(select(Product).where(func.lower(Product.name) == "expansion")).first()
    )
    if product is None:
        product = Product(
            id=EXPANSION_PRODUCT_ID,
            name="Expansion",
            kind=ProductKind.SERVICE,
            pricing_unit=PricingUnit.FLAT,
            list_price=Decimal("0"),
            description="Generic line for a closed expansion; its value is the line's annual unit price.",
            active=False,
        )
        session.add(product)
        session.flush()
    return product


def _department_id(session: Session, account_id: str, targets: list[str]) -> str | None:
    departments = {
        d.name.lower(): d.id for d in session.scalars(select(Department).where(Department.account_id == account_id))
    }
    return next((departments[t.lower()] for t in targets if t.lower() in departments), None)


def _add_line(
    session: Session, *, opportunity: Opportunity, value: Decimal, day: date, at: datetime, product_id: str | None
) -> tuple[Contract, ContractLine, bool]:
    contract = _active_contract(session, opportunity.account_id, day)
    amendment = contract is not None
    if contract is None:
        latest = session.scalars(
            select(Contract).where(Contract.account_id == opportunity.account_id).order_by(Contract.start_date.desc())
        ).first()
        contract = Contract(
            id=new_id(session, Contract, prefix="CTR", sequence="contract", at=at, width=6),
            account_id=opportunity.account_id,
            kind=ContractKind.EXPANSION,
            status=ContractStatus.ACTIVE,
            start_date=day,
            end_date=add_months(day, 12) - timedelta(days=1),
            payment_terms=latest.payment_terms if latest else None,
            billing_frequency=latest.billing_frequency if latest else None,
            terms=f"Expansion {opportunity.id}",
        )
        session.add(contract)
        session.flush()
    line = ContractLine(
        id=new_id(session, ContractLine, prefix="CL", sequence="contract_line", at=at, width=6),
        contract_id=contract.id,
        account_id=opportunity.account_id,
        product_id=_expansion_product(session, product_id).id,
        quantity=1,
        unit_price=value,
        start_date=day,
        end_date=contract.end_date,
        department_id=_department_id(session, opportunity.account_id, list(opportunity.target_departments or [])),
        description=f"{opportunity.id}: {opportunity.name}"[:200],
    )
    session.add(line)
    session.flush()
    return contract, line, amendment


def win_opportunity(
    session: Session,
    *,
    opportunity_id: str,
    data: WinInput,
    at: datetime,
    actor: str | None,
    thresholds: Thresholds,
) -> WinResult:
    """Close as won from Verbal Agreement: record value and date, add the contract line, recalculate ARR/tier.

    Emits expansion.stage_changed, expansion.won, then (from the recalculation) account.arr_updated and
    account.tier_changed; creates the delivery follow-up tasks.
    """
    opportunity = get_opportunity(session, opportunity_id)
    check_transition(opportunity.stage, OpportunityStage.CLOSED_WON, opportunity_id=opportunity.id)
    user = actor_id(session, actor)
    value = data.closed_value or opportunity.estimated_value
    day = data.close_date or at.date()
    if day < opportunity.created_at.date():
        raise FieldProblems(
            [f"Close date {day} is before the opportunity was created ({opportunity.created_at.date()})."],
            lead=CLOSE_FAILED,
            fields=["close_date"],
        )
    account = session.get(Account, opportunity.account_id)
    assert account is not None
    old_arr, old_tier = account.arr, account.tier
    contract, line, amendment = _add_line(
        session, opportunity=opportunity, value=value, day=day, at=at, product_id=data.product_id
    )
    opportunity.closed_value, opportunity.closed_on, opportunity.won_line_id = value, day, line.id
    change_stage(session, opportunity=opportunity, target=OpportunityStage.CLOSED_WON, at=at, actor=user)
    record_event(
        session,
        kind="expansion.won",
        at=at,
        account_id=account.id,
        entity_type="opportunity",
        entity_id=opportunity.id,
        actor=user,
        payload={
            "opportunity_id": opportunity.id,
            "account_id": account.id,
            "closed_value": value,
            "close_date": day,
            "user_id": user,
            "contract_id": contract.id,
            "contract_line_id": line.id,
        },
    )
    recalculate_accounts(
        session, as_of=day, thresholds=thresholds, at=at, actor=user, source="expansion", account_ids=[account.id]
    )
    new_arr, new_tier = account.arr, account.tier
    who = session.get(Contact, opportunity.decision_maker_id) if opportunity.decision_maker_id else None
    follow_ups = list(WIN_FOLLOW_UPS)
    if new_tier == Tier.T1 and old_tier != Tier.T1:
        follow_ups.append(QBR_FOLLOW_UP)
    tasks = [
        add_task(
            session,
            opportunity=opportunity,
            title=title.format(who=who.name if who else "the client", name=opportunity.name),
            at=at,
            due_date=at.date() + timedelta(days=days),
            kind=kind,
        )
        for title, days, kind in follow_ups
    ]
    return WinResult(
        opportunity=opportunity_view(session, opportunity),
        closed_value=value,
        close_date=day,
        contract_id=contract.id,
        contract_line_id=line.id,
        amendment=amendment,
        old_arr=old_arr,
        new_arr=new_arr,
        arr_change_pct=_percent((new_arr - old_arr) / old_arr * 100) if old_arr else None,
        nrr_contribution_pct=_percent(new_arr / old_arr * 100) if old_arr else None,
        old_tier=old_tier,
        new_tier=new_tier,
        days_to_close=(day - opportunity.created_at.date()).days,
        tasks=task_views(session, tasks),
    )


def lose_opportunity(
    session: Session,
    *,
    opportunity_id: str,
    data: LossInput,
    at: datetime,
    actor: str | None,
    settings: PipelineSettings | None = None,
) -> LossResult:
    """Close as lost from any open stage: reason and note, a follow-up reminder 90-180 days out, no ARR."""
    opportunity = get_opportunity(session, opportunity_id)
    check_transition(opportunity.stage, OpportunityStage.CLOSED_LOST, opportunity_id=opportunity.id)
    user = actor_id(session, actor)
    days = data.follow_up_days or (settings or PipelineSettings()).loss_follow_up_days
    lost_at = opportunity.stage
    opportunity.loss_reason, opportunity.loss_note, opportunity.closed_on = data.reason.value, data.note, at.date()
    change_stage(
        session, opportunity=opportunity, target=OpportunityStage.CLOSED_LOST, at=at, actor=user, note=data.note
    )
    follow_up_on = at.date() + timedelta(days=days)
    task = add_task(
        session,
        opportunity=opportunity,
        title=f"Re-engage on {opportunity.name} (lost: {data.reason.value.replace('_', ' ')})",
        at=at,
        due_date=follow_up_on,
        kind="reminder",
    )
    record_event(
        session,
        kind="expansion.lost",
        at=at,
        account_id=opportunity.account_id,
        entity_type="opportunity",
        entity_id=opportunity.id,
        actor=user,
        payload={
            "opportunity_id": opportunity.id,
            "account_id": opportunity.account_id,
            "reason": data.reason,
            "note": data.note,
            "lost_at_stage": lost_at,
            "follow_up_on": follow_up_on,
            "user_id": user,
        },
    )
    return LossResult(
        opportunity=opportunity_view(session, opportunity),
        reason=data.reason.value,
        note=data.note,
        follow_up=task_views(session, [task])[0],
    )
