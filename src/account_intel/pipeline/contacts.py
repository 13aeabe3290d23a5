"""Adding and listing an account's contacts, so an opportunity can name its decision maker and influencers."""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from account_intel.domain.email_address import InvalidEmailAddress, check_email
from account_intel.domain.enums import MeddiccRole
from account_intel.errors import ValidationFailed
from account_intel.pipeline.ids import new_id
from account_intel.store.accounts import find_account
from account_intel.store.events import record_event
from account_intel.store.models import Contact, Department


class UnknownDepartment(ValidationFailed):
    """A contact names a department the account does not have, and adding one was not asked for."""

    def __init__(self, name: str, known: list[str], hint: str = "add it on purpose as a new department") -> None:
        self.name, self.known = name, known
        listed = ", ".join(known) if known else "none yet"
        super().__init__(
            f"Department '{name}' is not one of the account's departments ({listed}). Check the spelling, or {hint}."
        )


class ContactView(BaseModel):
    """A customer contact."""

    id: str
    account_id: str
    name: str
    title: str | None = None
    department: str | None = None
    email: str | None = None
    phone: str | None = None
    role: MeddiccRole | None = None
    active: bool
    do_not_contact: bool
    new_department: bool = False


def _view(contact: Contact, department: str | None, created_department: bool = False) -> ContactView:
    return ContactView(
        id=contact.id,
        account_id=contact.account_id,
        name=contact.name,
        title=contact.title,
        department=department,
        email=contact.email,
        phone=contact.phone,
        role=contact.meddicc_role,
        active=contact.active,
        do_not_contact=contact.do_not_contact,
        new_department=created_department,
    )


def _department(session: Session, account_id: str, name: str, *, create: bool) -> tuple[Department, bool]:
    found = session.scalars(
        select(Department).where(Department.account_id == account_id, func.lower(Department.name) == name.lower())
    ).first()
    if found is not None:
        return found, False
    if not create:
        known = session.scalars(
            select(Department.name).where(Department.account_id == account_id).order_by(Department.name)
        ).all()
        raise UnknownDepartment(name, list(known))
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "dept"
    department = Department(id=f"{account_id}:dept:{slug}"[:80], account_id=account_id, name=name)
    session.add(department)
    session.flush()
    return department, True


def add_contact(
    session: Session,
    *,
    account: str,
    name: str,
    at: datetime,
    actor: str | None,
    title: str | None = None,
    department: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    role: MeddiccRole | None = None,
    new_department: bool = False,
) -> ContactView:
    """Add a contact to an account; an unknown department is an error unless `new_department` adds it on purpose."""
    target = find_account(session, account)
    name = name.strip()
    problems = []
    if not name:
        problems.append("Name is required.")
    elif len(name) > 160:
        problems.append("Name must be at most 160 characters.")
    if email is not None and email.strip():
        try:
            email = check_email(email, field="Email")
        except InvalidEmailAddress as exc:
            problems.append(f"{exc}.")
    else:
        email = None
    if problems:
        raise ValidationFailed("Failed to add contact. " + " ".join(problems))
    if email:
        existing = session.scalars(
            select(Contact).where(Contact.account_id == target.id, func.lower(Contact.email) == email.lower())
        ).first()
        if existing is not None:
            raise ValidationFailed(f"{existing.name} ({existing.id}) already has the email {email} on {target.name}.")
    dept, created = (
        _department(session, target.id, department.strip(), create=new_department)
        if department and department.strip()
        else (
            None,
            False,
        )
    )
    contact = Contact(
        id=new_id(session, Contact, prefix="CON", sequence="contact", at=at, width=6),
        account_id=target.id,
        name=name,
        title=title.strip() if title else None,
        department_id=dept.id if dept else None,
        email=email,
        phone=phone,
        meddicc_role=role,
        is_executive=bool(title and re.search(r"\b(VP|Chief|C[EFOTM]O|President|Head)\b", title)),
        first_contact_on=at.date(),
    )
    session.add(contact)
    session.flush()
    record_event(
        session,
        kind="contact.created",
        at=at,
        account_id=target.id,
        entity_type="contact",
        entity_id=contact.id,
        actor=actor,
        payload={"contact_id": contact.id, "account_id": target.id, "role": role, "user_id": actor},
    )
    return _view(contact, dept.name if dept else None, created)


def list_contacts(session: Session, *, account: str) -> list[ContactView]:
    """An account's contacts by name."""
    target = find_account(session, account)
    rows = session.execute(
        select(Contact, Department.name)
        .outerjoin(Department, Department.id == Contact.department_id)
        .where(Contact.account_id == target.id)
        .order_by(Contact.name, Contact.id)
    ).all()
    return [_view(contact, department) for contact, department in rows]
