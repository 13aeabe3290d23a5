"""A written-out small account: its rows built with the demo's story writer and inserted into a fixture store."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from account_intel.demo.dates import add_months, days, month_start, month_starts
from account_intel.demo.rows import Bundle
from account_intel.demo.staff import Staff
from account_intel.demo.story_rows import StoryWriter
from account_intel.domain.enums import UserRole
from account_intel.evals.fixture_dsl import WrittenAccount
from account_intel.evals.patch_context import FixtureError
from account_intel.store.base import Base
from account_intel.store.bulk import bulk_insert
from account_intel.store.models import Account, Product, User


def _staff(session: Session) -> Staff:
    ids: dict[UserRole, list[str]] = {role: [] for role in UserRole}
    for user_id, role in session.execute(select(User.id, User.role).order_by(User.id)):
        ids[role].append(user_id)
    if not (ids[UserRole.AE] and ids[UserRole.CSM] and ids[UserRole.AM]):
        raise FixtureError("fixture: the template store has no AE, CSM or AM to own a written-out account.")
    return Staff(ae=ids[UserRole.AE], csm=ids[UserRole.CSM], am=ids[UserRole.AM], manager=ids[UserRole.MANAGER])


def _products(session: Session) -> dict[str, str]:
    """Catalog ids by id and by lower-case name."""
    out: dict[str, str] = {}
    for product_id, name in session.execute(select(Product.id, Product.name)):
        out[product_id] = product_id
        out[name.lower()] = product_id
    return out


def add_written_account(session: Session, spec: WrittenAccount, as_of: date) -> None:
    """Insert the account's rows (ARR, tier and segment are derived afterwards with the other accounts)."""
    if session.get(Account, spec.id) is not None:
        raise FixtureError(f"fixture: account id '{spec.id}' is already in the template store; pick another.")
    products = _products(session)
    bundle = Bundle()
    since = add_months(as_of, -spec.customer_since_months)
    renewal = as_of + days(spec.renewal_in_days)
    qbr = as_of + days(spec.next_qbr_in_days) if spec.next_qbr_in_days is not None else None
    w = StoryWriter(bundle, spec.id, as_of, _staff(session))
    w.account(
        name=spec.name,
        industry=spec.industry,
        headcount=spec.headcount,
        domain=spec.domain,
        customer_since=since,
        renewal=renewal,
        next_qbr=qbr,  # type: ignore[arg-type]
    )
    departments = {d.name.lower(): w.department(d.name, d.headcount) for d in spec.departments}
    for g in spec.geographies:
        opened = as_of + days(g.opens_in_days) if g.opens_in_days is not None else None
        w.geography(g.name, g.country, g.region, g.headcount, is_hq=g.hq, opened_on=opened)
    contract = w.contract(since, renewal, terms="Annual subscription, billed annually in advance.")
    for line in spec.lines:
        product = products.get(line.product) or products.get(line.product.lower())
        if product is None:
            raise FixtureError(f"fixture: {spec.id}: the catalog has no product '{line.product}'.")
        department = _department(departments, line.department, spec.id)
        price = Decimal(repr(line.price)) if line.price is not None else None
        w.line(contract, product, line.quantity, since, department=department, price=price)
    for usage in spec.usage:
        months = month_starts(add_months(month_start(as_of), -(len(usage.values) - 1)), as_of)
        feature = usage.metric.split(":", 1)[1] if usage.metric.startswith("feature:") else None
        w.series(months, usage.metric, usage.values, usage.limit, usage.unit, feature=feature)
    for c in spec.contacts:
        left = as_of - days(c.left_days_ago) if c.left_days_ago is not None else None
        contact_id = w.contact(
            c.name,
            c.title,
            _department(departments, c.department, spec.id),
            c.role,  # type: ignore[arg-type]
            as_of - days(c.days_ago),
            executive=c.executive,
            email=c.email,
            left_on=left,
        )
        if c.do_not_contact:
            next(r for r in bundle.rows["contacts"] if r["id"] == contact_id)["do_not_contact"] = True
    if qbr is not None and qbr > as_of:
        bundle.add("qbrs", id=f"{spec.id}-QBR-1", account_id=spec.id, scheduled_for=qbr)
    for name, rows in bundle.in_insert_order():
        bulk_insert(session, Base.metadata.tables[name], rows)
    session.flush()


def _department(departments: dict[str, str], name: str | None, account_id: str) -> str | None:
    if name is None:
        return None
    found = departments.get(name.lower())
    if found is None:
        raise FixtureError(f"fixture: {account_id}: no department '{name}' in `departments`.")
    return found
