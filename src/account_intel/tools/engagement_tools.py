"""Engagement tools: the stakeholder map (MEDDICC roles, gaps, threading) and a search over logged activities."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from langchain.tools import ToolRuntime, tool
from pydantic import BaseModel, Field
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from account_intel.analytics.account_analysis import MULTI_THREAD_MIN, NEEDED_ROLES
from account_intel.analytics.evidence import row_evidence
from account_intel.domain.enums import MeddiccRole
from account_intel.store.as_of import accounts_in, contact_active_on, contact_flags_on
from account_intel.store.models import Activity, ActivityContact
from account_intel.tools.account_tools import ACCOUNT_ID
from account_intel.tools.context import ToolContext
from account_intel.tools.results import emit, fence, top
from account_intel.tools.scope import scoped_account, tool_errors
from account_intel.tools.specs import SideEffect

ROLE_ORDER = {role: rank for rank, role in enumerate(MeddiccRole)}
SHOWN_CONTACTS = 10
MAX_TERMS = 8
SNIPPET_BEFORE, SNIPPET_AFTER = 60, 140


def _end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)


class StakeholderInput(BaseModel):
    """Which account."""

    account_id: str | None = ACCOUNT_ID


class ContactOut(BaseModel):
    """A customer contact with their buying role and when we last met them."""

    id: str = Field(description="Evidence id (contact:<id>); pass the part after 'contact:' to draft a message.")
    name: str
    title: str | None = None
    department: str | None = None
    role: str | None = Field(default=None, description="MEDDICC role.")
    executive: bool | None = None
    do_not_contact: bool | None = None
    last_touch: date | None = Field(default=None, description="Latest activity with this contact.")


class StakeholderMapResult(BaseModel):
    """Who we know at the account, which buying roles are covered among active contacts, and the gaps."""

    account_id: str
    active_contacts: int
    inactive_contacts: int
    multithreading_needed: bool = Field(description=f"True with fewer than {MULTI_THREAD_MIN} active contacts.")
    champion: str | None = Field(default=None, description="Active champion's name.")
    champion_active: bool
    former_champion: str | None = Field(default=None, description="A champion who is no longer active.")
    roles_present: dict[str, int] = Field(description="Active contacts per MEDDICC role.")
    roles_missing: list[str] = Field(description="Champion, economic buyer, decision maker, influencer not covered.")
    blockers: list[str] | None = Field(default=None, description="Active contacts marked as blockers.")
    departments_without_contact: list[str]
    do_not_contact: list[str] = Field(description="Names of contacts marked do-not-contact.")
    contacts: list[ContactOut] = Field(description="Active contacts, key roles first.")
    more_contacts: int | None = None


def _last_touches(session: Session, account_id: str, as_of: date) -> dict[str, date]:
    rows = session.execute(
        select(ActivityContact.contact_id, func.max(Activity.occurred_at))
        .join(Activity, Activity.id == ActivityContact.activity_id)
        .where(Activity.account_id == account_id, Activity.occurred_at < _end_of(as_of))
        .group_by(ActivityContact.contact_id)
    ).all()
    out = {}
    for contact_id, last in rows:
        out[contact_id] = datetime.fromisoformat(last).date() if isinstance(last, str) else last.date()
    return out


@tool(args_schema=StakeholderInput)
def get_stakeholder_map(account_id: str | None = None, *, runtime: ToolRuntime[ToolContext]) -> str:
    """Contacts by MEDDICC role: roles present and missing, champion, multi-threading, do-not-contact flags."""
    context = runtime.context
    with tool_errors(), context.sessions() as session:
        account = scoped_account(session, context, account_id)
        departments = {d.id: d.name for d in account.departments}
        as_of = context.as_of
        contacts = [c for c in account.contacts if c.first_contact_on is None or c.first_contact_on <= as_of]
        touches = _last_touches(session, account.id, context.as_of)
        flags = contact_flags_on(session, as_of, accounts_in([account.id]))
    dnc = {c.id for c in contacts if flags.get(c.id, {}).get("do_not_contact", c.do_not_contact)}
    active = [
        c
        for c in contacts
        if contact_active_on(flags.get(c.id, {}).get("active", c.active), c.left_on, as_of)
        and (c.left_on is None or c.left_on > as_of)
    ]
    active.sort(key=lambda c: (ROLE_ORDER.get(c.meddicc_role, len(ROLE_ORDER)), not c.is_executive, c.name))  # type: ignore[arg-type]
    present: dict[str, int] = {}
    for c in active:
        if c.meddicc_role is not None:
            present[c.meddicc_role.value] = present.get(c.meddicc_role.value, 0) + 1
    champion = next((c for c in active if c.meddicc_role == MeddiccRole.CHAMPION), None)
    former = next((c for c in contacts if c.meddicc_role == MeddiccRole.CHAMPION and c not in active), None)
    covered = {c.department_id for c in active}
    shown, more = top(active, SHOWN_CONTACTS)
    result = StakeholderMapResult(
        account_id=account.id,
        active_contacts=len(active),
        inactive_contacts=len(contacts) - len(active),
        multithreading_needed=len(active) < MULTI_THREAD_MIN,
        champion=champion.name if champion else None,
        champion_active=champion is not None,
        former_champion=former.name if former and champion is None else None,
        roles_present=present,
        roles_missing=[role.value for role in NEEDED_ROLES if role.value not in present],
        blockers=[c.name for c in active if c.meddicc_role == MeddiccRole.BLOCKER] or None,
        departments_without_contact=[name for dept_id, name in departments.items() if dept_id not in covered],
        do_not_contact=[c.name for c in contacts if c.id in dnc],
        contacts=[
            ContactOut(
                id=f"contact:{c.id}",
                name=c.name,
                title=c.title,
                department=departments.get(c.department_id or ""),
                role=c.meddicc_role.value if c.meddicc_role else None,
                executive=c.is_executive or None,
                do_not_contact=(c.id in dnc) or None,
                last_touch=touches.get(c.id),
            )
            for c in shown
        ],
        more_contacts=more or None,
    )
    evidence = [
        row_evidence("contact", c.id, "meddicc_role", c.meddicc_role.value if c.meddicc_role else None)
        for c in contacts
    ]
    return emit(context, result, evidence)


class SearchInput(BaseModel):
    """What to look for in the account's calls, emails, meetings and notes."""

    account_id: str | None = ACCOUNT_ID
    query: str = Field(min_length=2, max_length=200, description="Words that must all appear (any case).")
    kind: Literal["call", "email", "meeting", "note"] | None = Field(default=None, description="Only this kind.")
    days: int = Field(default=180, ge=1, le=730, description="Days back from the as-of date.")
    limit: int = Field(default=5, ge=1, le=10, description="Most hits to return.")


class ActivityHit(BaseModel):
    """A matching activity; `text` is a snippet of the logged words (data)."""

    id: str = Field(description="Evidence id.")
    kind: str
    on: date
    sentiment: str | None = None
    text: str


class ActivitySearchResult(BaseModel):
    """Activities whose subject or text contains every query word, best matches first."""

    account_id: str
    query: str
    matched: int
    hits: list[ActivityHit]


def _snippet(activity: Activity, terms: list[str]) -> str:
    body = " ".join((activity.body or "").split())
    lower = body.lower()
    starts = [i for i in (lower.find(t) for t in terms) if i >= 0]
    if starts:
        start = max(0, min(starts) - SNIPPET_BEFORE)
        end = min(len(body), min(starts) + SNIPPET_AFTER)
        body = ("…" if start else "") + body[start:end] + ("…" if end < len(body) else "")
    subject = (activity.subject or "").strip()
    return f"{subject}: {body}" if subject and body else subject or body


def _score(activity: Activity, terms: list[str]) -> int:
    text = f"{activity.subject or ''} {activity.body or ''}".lower()
    return sum(text.count(t) for t in terms)


@tool(args_schema=SearchInput)
def search_activities(
    query: str,
    account_id: str | None = None,
    kind: str | None = None,
    days: int = 180,
    limit: int = 5,
    *,
    runtime: ToolRuntime[ToolContext],
) -> str:
    """Find the account's activities whose subject or text contains all query words; snippets with ids."""
    context = runtime.context
    terms = list(dict.fromkeys(query.lower().split()))[:MAX_TERMS]
    with tool_errors(), context.sessions() as session:
        account = scoped_account(session, context, account_id)
        stmt = select(Activity).where(
            Activity.account_id == account.id,
            Activity.occurred_at >= _end_of(context.as_of - timedelta(days=days)),
            Activity.occurred_at < _end_of(context.as_of),
        )
        for term in terms:
            stmt = stmt.where(
                or_(
                    func.lower(Activity.subject).contains(term, autoescape=True),
                    func.lower(Activity.body).contains(term, autoescape=True),
                )
            )
        if kind is not None:
            stmt = stmt.where(Activity.kind == kind)
        found = session.scalars(stmt).all()
    ranked = sorted(found, key=lambda a: (_score(a, terms), a.occurred_at), reverse=True)
    shown, _ = top(ranked, limit)
    result = ActivitySearchResult(
        account_id=account.id,
        query=query,
        matched=len(found),
        hits=[
            ActivityHit(
                id=f"activity:{a.id}",
                kind=a.kind.value,
                on=a.occurred_at.date(),
                sentiment=a.sentiment.value if a.sentiment else None,
                text=fence(_snippet(a, terms), 220) or "«»",
            )
            for a in shown
        ],
    )
    evidence = [
        row_evidence("activity", a.id, f"{a.kind.value}_text", period=a.occurred_at.date().isoformat()) for a in shown
    ]
    return emit(context, result, evidence)


SIDE_EFFECT = SideEffect.READ
TOOLS = (get_stakeholder_map, search_activities)
