"""A generated account's contacts: names, titles, MEDDICC roles and who has left.

About one active account in ten has no active champion (none named, or the champion left); small accounts
often have fewer than three active contacts.
"""

from __future__ import annotations

import random

from account_intel.demo.dates import days
from account_intel.demo.draft import AccountDraft, ContactDraft, DepartmentDraft
from account_intel.demo.pools import EXECUTIVE_TITLES, FIRST_NAMES, LAST_NAMES, TITLE_LEVELS
from account_intel.demo.rows import Bundle
from account_intel.domain.enums import AccountStatus, MeddiccRole

OTHER_ROLES = (
    MeddiccRole.DECISION_MAKER,
    MeddiccRole.INFLUENCER,
    MeddiccRole.INFLUENCER,
    MeddiccRole.USER,
    MeddiccRole.USER,
    MeddiccRole.BLOCKER,
)
NO_CHAMPION_CHANCE = {"at_risk": 0.3, "declining": 0.15}


def add_contacts(rng: random.Random, bundle: Bundle, draft: AccountDraft) -> None:
    """Add the account's contacts to `bundle` and to the draft (for activities and surveys)."""
    seats = max((d.seats for d in draft.departments), default=0)
    if draft.status == AccountStatus.PROSPECT:
        count = rng.randint(1, 3)
    elif seats < 10:
        count = rng.randint(1, 4)
    elif seats < 50:
        count = rng.randint(2, 6)
    else:
        count = rng.randint(3, 8)
    no_champion = draft.status == AccountStatus.ACTIVE and rng.random() < NO_CHAMPION_CHANCE.get(draft.archetype, 0.05)
    champion_left = no_champion and rng.random() < 0.5
    served = [d for d in draft.departments if d.seats] or draft.departments
    by_name = {d.name: d.id for d in draft.departments}
    start = draft.customer_since or draft.as_of - days(90)
    span = max(1, (draft.last_day - start).days)
    names: set[str] = set()
    emails: set[str] = set()
    has_buyer = False
    for number in range(1, count + 1):
        first, last = _name(rng, names)
        if number == 1 and (not no_champion or champion_left):
            role = MeddiccRole.CHAMPION
        elif not has_buyer and rng.random() < 0.35:
            role, has_buyer = MeddiccRole.ECONOMIC_BUYER, True
        else:
            role = rng.choice(OTHER_ROLES)
        title, department = _title(rng, role, served, draft)
        since = start - days(rng.randint(0, 60)) if number <= 2 else start + days(rng.randint(0, span))
        since = min(since, draft.last_day)
        leaves = (role == MeddiccRole.CHAMPION and champion_left) or (number > 1 and rng.random() < 0.1)
        left_on = min(draft.last_day, since + days(rng.randint(30, 400))) if leaves else None
        if left_on is not None and left_on <= since:
            left_on = None
        email = _email(first, last, draft.domain, emails)
        contact = ContactDraft(
            f"{draft.id}-CT-{number:02d}", f"{first} {last}", first, department, left_on is None, since, left_on
        )
        draft.contacts.append(contact)
        bundle.add(
            "contacts",
            id=contact.id,
            account_id=draft.id,
            name=contact.name,
            title=title,
            department_id=by_name.get(department) if department else None,
            email=email,
            phone=f"+1-555-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
            meddicc_role=role,
            is_executive=title.startswith(("VP", "C", "Chief")),
            active=contact.active,
            do_not_contact=rng.random() < 0.03,
            first_contact_on=since,
            left_on=left_on,
        )


def _name(rng: random.Random, taken: set[str]) -> tuple[str, str]:
    while True:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        if f"{first} {last}" not in taken:
            taken.add(f"{first} {last}")
            return first, last


def _email(first: str, last: str, domain: str, taken: set[str]) -> str:
    local, number = f"{first[0]}{last}".lower(), 2
    candidate = local
    while candidate in taken:
        candidate, number = f"{local}{number}", number + 1
    taken.add(candidate)
    return f"{candidate}@{domain}"


def _title(
    rng: random.Random, role: MeddiccRole, served: list[DepartmentDraft], draft: AccountDraft
) -> tuple[str, str | None]:
    names = [d.name for d in draft.departments]
    if role == MeddiccRole.ECONOMIC_BUYER:
        title = rng.choice(("CFO", "CIO", "CTO", "COO"))
        department = EXECUTIVE_TITLES[title]
        return title, department if department in names else None
    if role == MeddiccRole.CHAMPION:
        dept = rng.choice(served).name
        return rng.choice(TITLE_LEVELS[1:4]).format(d=dept), dept
    if role == MeddiccRole.BLOCKER:
        dept = rng.choice([n for n in ("Procurement", "Legal", "Security", "Finance") if n in names] or names)
        return rng.choice(TITLE_LEVELS[2:4]).format(d=dept), dept
    dept = rng.choice(names)
    level = TITLE_LEVELS[0:3] if role == MeddiccRole.DECISION_MAKER else TITLE_LEVELS[2:]
    return rng.choice(level).format(d=dept), dept
