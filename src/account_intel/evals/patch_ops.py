"""The fixture patches, one function each: they change one account's rows in the caller's session.

Rows the patches add get ids with an `-EV-` infix, so they never collide with the demo's own ids.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from account_intel.analytics.health.account import health_report
from account_intel.analytics.health.config import load_weights
from account_intel.demo.dates import add_months, at, month_start
from account_intel.domain.enums import AccountStatus, ContractStatus, SurveyKind
from account_intel.evals import fixture_dsl as dsl
from account_intel.evals.patch_context import FixtureError, PatchContext
from account_intel.store.base import Base
from account_intel.store.models import (
    Activity,
    ActivityContact,
    Contact,
    Contract,
    ContractLine,
    Geography,
    OrgEvent,
    Qbr,
    SupportTicket,
    SurveyResponse,
    UsageMetric,
)


def _add_activity(p: PatchContext, account_id: str, op: dsl.AddActivity) -> None:
    activity = Activity(
        id=p.new_id(account_id, "ACT"),
        account_id=account_id,
        kind=op.kind,
        occurred_at=at(p.day(op.days_ago), 15),
        subject=op.subject or op.text[:80],
        body=op.text,
        sentiment=op.sentiment,
        duration_minutes=30,
    )
    p.session.add(activity)
    if op.contact:
        p.session.flush()
        p.session.add(ActivityContact(activity_id=activity.id, contact_id=p.contact(account_id, op.contact).id))


def _add_ticket(p: PatchContext, account_id: str, op: dsl.AddTicket) -> None:
    opened = at(p.day(op.days_ago), 10)
    p.session.add(
        SupportTicket(
            id=p.new_id(account_id, "TCK"),
            account_id=account_id,
            opened_at=opened,
            closed_at=None if op.open else opened + timedelta(hours=26),
            severity=op.severity,
            category=op.category,
            escalated=op.escalated,
            subject=op.subject,
            body=op.body,
            first_response_minutes=60,
            resolution_hours=None if op.open else 26,
        )
    )


def _survey(
    p: PatchContext, account_id: str, kind: SurveyKind, score: int, day: date, contact: str | None, text: str | None
) -> None:
    p.session.add(
        SurveyResponse(
            id=p.new_id(account_id, "SRV"),
            account_id=account_id,
            contact_id=p.contact(account_id, contact).id if contact else None,
            kind=kind,
            score=score,
            responded_on=day,
            comment=text,
        )
    )


def _add_survey(p: PatchContext, account_id: str, op: dsl.AddSurvey) -> None:
    if op.kind == SurveyKind.CSAT and not 1 <= op.score <= 5:
        raise FixtureError(f"fixture: a CSAT answer is 1-5, not {op.score}.")
    _survey(p, account_id, op.kind, op.score, p.day(op.days_ago), op.contact, op.comment)


def _set_nps(p: PatchContext, account_id: str, op: dsl.SetNps) -> None:
    p.session.execute(
        delete(SurveyResponse).where(SurveyResponse.account_id == account_id, SurveyResponse.kind == SurveyKind.NPS)
    )
    for k, score in enumerate(op.earlier):
        ago = op.days_ago + 90 * (len(op.earlier) - k)
        _survey(p, account_id, SurveyKind.NPS, score, p.day(ago), op.contact, None)
    _survey(p, account_id, SurveyKind.NPS, op.score, p.day(op.days_ago), op.contact, op.comment)


def _remove_surveys(p: PatchContext, account_id: str, op: dsl.RemoveSurveys) -> None:
    stmt = delete(SurveyResponse).where(SurveyResponse.account_id == account_id)
    if op.kind is not None:
        stmt = stmt.where(SurveyResponse.kind == op.kind)
    p.session.execute(stmt)


def _remove_usage(p: PatchContext, account_id: str, op: dsl.RemoveUsage) -> None:
    stmt = delete(UsageMetric).where(UsageMetric.account_id == account_id)
    if op.metrics:
        stmt = stmt.where(UsageMetric.metric.in_(op.metrics))
    p.session.execute(stmt)


def _set_usage(p: PatchContext, account_id: str, op: dsl.SetUsage) -> None:
    months = [add_months(month_start(p.as_of), -k) for k in range(len(op.values) - 1, -1, -1)]
    existing = {
        row.period_start: row
        for row in p.session.scalars(
            select(UsageMetric).where(UsageMetric.account_id == account_id, UsageMetric.metric == op.metric)
        )
    }
    latest = max(existing.values(), key=lambda r: r.period_start) if existing else None
    for month, value in zip(months, op.values, strict=True):
        row = existing.get(month)
        if row is None:
            row = UsageMetric(account_id=account_id, metric=op.metric, period_start=month, value=value)
            row.unit = op.unit or (latest.unit if latest else "count")
            row.feature_id = latest.feature_id if latest else None
            p.session.add(row)
        row.value = value
        row.plan_limit = op.limit if op.limit is not None else (latest.plan_limit if latest else None)


def _detach_contacts(session: Session, contact_ids: list[str]) -> None:
    """Clear every reference to the contacts (nullable foreign keys) and delete rows that cannot live without them."""
    if not contact_ids:
        return
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if not any(fk.column.table.name == "contacts" for fk in column.foreign_keys):
                continue
            if column.nullable and not column.primary_key:
                session.execute(update(table).where(column.in_(contact_ids)).values({column.name: None}))
            else:
                session.execute(delete(table).where(column.in_(contact_ids)))


def _remove_contacts(p: PatchContext, account_id: str, op: dsl.RemoveContacts) -> None:
    if op.names:
        ids = [p.contact(account_id, name).id for name in op.names]
    else:
        ids = list(p.session.scalars(select(Contact.id).where(Contact.account_id == account_id)))
    _detach_contacts(p.session, ids)
    p.session.execute(delete(Contact).where(Contact.id.in_(ids)))


def _set_contact(p: PatchContext, account_id: str, op: dsl.SetContact) -> None:
    contact = p.contact(account_id, op.name)
    if op.left_days_ago is not None:
        contact.left_on, contact.active = p.day(op.left_days_ago), False
    if op.active is not None:
        contact.active = op.active
        contact.left_on = contact.left_on if not op.active else None
    for name in ("do_not_contact", "title"):
        if getattr(op, name) is not None:
            setattr(contact, name, getattr(op, name))
    if op.role is not None:
        contact.meddicc_role = op.role
    if op.executive is not None:
        contact.is_executive = op.executive


def _add_contact(p: PatchContext, account_id: str, op: dsl.AddContact) -> None:
    account = p.account(account_id)
    department = p.department(account_id, op.department, create=True).id if op.department else None
    first, _, last = op.name.partition(" ")
    p.session.add(
        Contact(
            id=p.new_id(account_id, "CT"),
            account_id=account_id,
            name=op.name,
            title=op.title,
            department_id=department,
            email=op.email
            or f"{first[:1]}{last or first}".lower().replace(" ", "") + f"@{account.domain or 'example.com'}",
            meddicc_role=op.role,
            is_executive=op.executive,
            active=op.active,
            do_not_contact=op.do_not_contact,
            first_contact_on=p.day(op.days_ago),
            left_on=None if op.active else p.day(0),
        )
    )


def _set_status(p: PatchContext, account_id: str, op: dsl.SetStatus) -> None:
    account = p.account(account_id)
    account.status = op.status
    account.churned_on = p.day(op.days_ago) if op.status == AccountStatus.CHURNED else None


def _lines(p: PatchContext, account_id: str) -> list[ContractLine]:
    return list(p.session.scalars(select(ContractLine).where(ContractLine.account_id == account_id)))


def _scale_arr(p: PatchContext, account_id: str, op: dsl.ScaleArr) -> None:
    factor = Decimal(repr(op.factor))
    for line in _lines(p, account_id):
        line.unit_price = (line.unit_price * factor).quantize(Decimal("0.01"))


def _in_force(p: PatchContext, line: ContractLine) -> bool:
    return line.start_date <= p.as_of and (line.end_date is None or line.end_date >= p.as_of)


def _set_line(p: PatchContext, account_id: str, op: dsl.SetLine) -> None:
    product = p.product(op.product)
    department = p.department(account_id, op.department).id if op.department else None
    price = Decimal(repr(op.price)) if op.price is not None else product.list_price
    current = [
        line
        for line in _lines(p, account_id)
        if line.product_id == product.id and line.department_id == department and _in_force(p, line)
    ]
    if current:
        for line in current:
            if op.quantity == 0:
                line.end_date = p.day(1)
            else:
                line.quantity = op.quantity
                if op.price is not None:
                    line.unit_price = price
        return
    if op.quantity == 0:
        return
    contract = p.session.scalars(
        select(Contract)
        .where(Contract.account_id == account_id, Contract.status == ContractStatus.ACTIVE)
        .order_by(Contract.start_date.desc())
    ).first()
    if contract is None:
        raise FixtureError(f"fixture: {account_id} has no active contract to add a line to.")
    p.session.add(
        ContractLine(
            id=p.new_id(account_id, "LINE"),
            contract_id=contract.id,
            account_id=account_id,
            product_id=product.id,
            quantity=op.quantity,
            unit_price=price,
            start_date=contract.start_date,
            end_date=contract.end_date,
            department_id=department,
        )
    )


def _add_department(p: PatchContext, account_id: str, op: dsl.AddDepartment) -> None:
    department = p.department(account_id, op.name, create=True)
    department.headcount = op.headcount


def _add_geography(p: PatchContext, account_id: str, op: dsl.AddGeography) -> None:
    p.session.add(
        Geography(
            id=p.new_id(account_id, "GEO"),
            account_id=account_id,
            name=op.name,
            country=op.country,
            region=op.region,
            headcount=op.headcount,
            is_hq=False,
            opened_on=None if op.opens_in_days is None else p.as_of + timedelta(days=op.opens_in_days),
        )
    )


def _add_org_event(p: PatchContext, account_id: str, op: dsl.AddOrgEvent) -> None:
    p.session.add(
        OrgEvent(
            id=p.new_id(account_id, "ORG"),
            account_id=account_id,
            kind=op.kind,
            occurred_on=p.day(op.days_ago),
            description=op.description,
            source=op.source,
            department=op.department,
            geography=op.geography,
            magnitude=op.magnitude,
        )
    )


def _remove_org_events(p: PatchContext, account_id: str, op: dsl.RemoveOrgEvents) -> None:
    stmt = delete(OrgEvent).where(OrgEvent.account_id == account_id)
    if op.kind is not None:
        stmt = stmt.where(OrgEvent.kind == op.kind)
    p.session.execute(stmt)


def _remove_activities(p: PatchContext, account_id: str, op: dsl.RemoveActivities) -> None:
    stmt = select(Activity.id).where(Activity.account_id == account_id)
    if op.contains:
        needle = f"%{op.contains.lower()}%"
        stmt = stmt.where(or_(func.lower(Activity.body).like(needle), func.lower(Activity.subject).like(needle)))
    ids = list(p.session.scalars(stmt))
    if ids:
        p.session.execute(delete(ActivityContact).where(ActivityContact.activity_id.in_(ids)))
        p.session.execute(delete(Activity).where(Activity.id.in_(ids)))


def _remove_tickets(p: PatchContext, account_id: str, op: dsl.RemoveTickets) -> None:
    stmt = delete(SupportTicket).where(SupportTicket.account_id == account_id)
    if op.category is not None:
        stmt = stmt.where(SupportTicket.category == op.category)
    p.session.execute(stmt)


def _set_next_qbr(p: PatchContext, account_id: str, op: dsl.SetNextQbr) -> None:
    account = p.account(account_id)
    day = None if op.days_from_now is None else p.as_of + timedelta(days=op.days_from_now)
    account.next_qbr_date = day
    p.session.execute(delete(Qbr).where(Qbr.account_id == account_id, Qbr.scheduled_for > p.as_of))
    if day is not None and day > p.as_of:
        p.session.add(Qbr(id=p.new_id(account_id, "QBR"), account_id=account_id, scheduled_for=day))


def _set_renewal(p: PatchContext, account_id: str, op: dsl.SetRenewal) -> None:
    account = p.account(account_id)
    renewal = p.as_of + timedelta(days=op.days_from_now)
    old = account.renewal_date
    account.renewal_date = renewal
    for contract in p.session.scalars(select(Contract).where(Contract.account_id == account_id)):
        if contract.end_date is not None and contract.end_date >= p.as_of:
            ends = contract.end_date
            contract.end_date = renewal
            for line in contract.lines:
                if line.end_date in (ends, old):
                    line.end_date = renewal


def _set_account(p: PatchContext, account_id: str, op: dsl.SetAccount) -> None:
    account = p.account(account_id)
    for name in ("headcount", "industry", "name"):
        if getattr(op, name) is not None:
            setattr(account, name, getattr(op, name))


def _snapshot_health(p: PatchContext, account_id: str, op: dsl.SnapshotHealth) -> None:
    day = p.day(op.days_ago)
    p.session.flush()
    health_report(
        p.session, account_id=account_id, as_of=day, config=load_weights(), store_snapshot=True, at=at(day, 6)
    )


APPLY: dict[str, Callable[[PatchContext, str, Any], None]] = {
    "add_activity": _add_activity,
    "add_ticket": _add_ticket,
    "add_survey": _add_survey,
    "set_nps": _set_nps,
    "remove_surveys": _remove_surveys,
    "remove_usage": _remove_usage,
    "set_usage": _set_usage,
    "remove_contacts": _remove_contacts,
    "set_contact": _set_contact,
    "add_contact": _add_contact,
    "set_status": _set_status,
    "scale_arr": _scale_arr,
    "set_line": _set_line,
    "add_department": _add_department,
    "add_geography": _add_geography,
    "add_org_event": _add_org_event,
    "remove_org_events": _remove_org_events,
    "remove_activities": _remove_activities,
    "remove_tickets": _remove_tickets,
    "set_next_qbr": _set_next_qbr,
    "set_renewal": _set_renewal,
    "set_account": _set_account,
    "snapshot_health": _snapshot_health,
}


def apply_patch(p: PatchContext, default_account: str, patch: Any) -> None:
    """Apply one patch to its account (the scenario's account unless the patch names another)."""
    account_id = patch.account or default_account
    p.account(account_id)
    APPLY[patch.op](p, account_id, patch)
    p.session.flush()
