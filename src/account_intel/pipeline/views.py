"""Output views of the pipeline: what the CLI prints and the web pages will show."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from account_intel.analytics.evidence import Evidence
from account_intel.domain.enums import (
    ActivityKind,
    OpportunitySource,
    OpportunityStage,
    OpportunityType,
    Sentiment,
    TaskStatus,
    Tier,
)
from account_intel.pipeline.stages import STAGE_NAME
from account_intel.store.models import Account, Activity, Contact, Opportunity, Task, User

CENT = Decimal("0.01")


class ContactRef(BaseModel):
    """A contact named on an opportunity or activity."""

    id: str
    name: str
    title: str | None = None
    email: str | None = None


class OpportunityView(BaseModel):
    """An expansion opportunity as a user sees it."""

    id: str
    account_id: str
    account_name: str
    name: str
    type: OpportunityType
    stage: OpportunityStage
    stage_name: str
    probability: int
    estimated_value: Decimal
    weighted_value: Decimal = Field(description="Estimated value x probability.")
    expected_close_date: date | None = None
    source: OpportunitySource | None = None
    source_contact: ContactRef | None = None
    champion: ContactRef | None = None
    decision_maker: ContactRef | None = None
    decision_maker_note: str | None = None
    influencers: list[ContactRef] = Field(default_factory=list)
    target_departments: list[str] = Field(default_factory=list)
    discovery_notes: str | None = None
    owner_id: str | None = None
    owner_name: str | None = None
    evidence: list[Evidence] = Field(default_factory=list)
    recommendation_id: str | None = None
    override_reason: str | None = None
    closed_value: Decimal | None = None
    closed_on: date | None = None
    loss_reason: str | None = None
    loss_note: str | None = None
    created_at: datetime
    updated_at: datetime


class StageChangeView(BaseModel):
    """One entry of an opportunity's stage history."""

    from_stage: OpportunityStage | None
    to_stage: OpportunityStage
    probability: int
    changed_at: datetime
    changed_by: str | None = None
    changed_by_name: str | None = Field(default=None, description="The name of the person who moved it, if a user.")
    note: str | None = None


class TaskView(BaseModel):
    """A task on an opportunity."""

    id: str
    opportunity_id: str | None
    account_id: str | None
    title: str
    kind: str | None
    due_date: date | None
    assignee_id: str | None
    assignee_name: str | None = None
    status: TaskStatus
    created_at: datetime
    completed_at: datetime | None = None


class ActivityView(BaseModel):
    """A logged call, email, meeting or note."""

    id: str
    opportunity_id: str | None
    kind: ActivityKind
    occurred_at: datetime
    user_id: str | None
    subject: str | None = None
    body: str | None = None
    outcome: str | None = None
    sentiment: Sentiment | None = None
    duration_minutes: int | None = None
    contacts: list[ContactRef] = Field(default_factory=list)


class ProposalSummary(BaseModel):
    """A proposal generated for an opportunity."""

    id: str
    title: str
    status: str
    opportunity_ids: list[str]
    discount_pct: Decimal
    gross_value: Decimal
    discount_value: Decimal
    net_value: Decimal
    created_at: datetime
    sent_at: datetime | None = None


class OpportunityDetail(OpportunityView):
    """An opportunity with its stage history, tasks, activities and proposals."""

    stage_history: list[StageChangeView] = Field(default_factory=list)
    tasks: list[TaskView] = Field(default_factory=list)
    activities: list[ActivityView] = Field(default_factory=list)
    proposals: list[ProposalSummary] = Field(default_factory=list)


class WinResult(BaseModel):
    """What closing as won did to the account: the screen shown after the win."""

    opportunity: OpportunityView
    closed_value: Decimal
    close_date: date
    contract_id: str
    contract_line_id: str
    amendment: bool = Field(description="True when the line was added to the account's active contract.")
    old_arr: Decimal
    new_arr: Decimal
    arr_change_pct: Decimal | None = Field(description="(new - old) / old x 100, e.g. 53.")
    nrr_contribution_pct: Decimal | None = Field(description="new / old ARR x 100, e.g. 153.")
    old_tier: Tier
    new_tier: Tier
    days_to_close: int
    tasks: list[TaskView]


class LossResult(BaseModel):
    """What closing as lost recorded: the reason and the follow-up reminder; no ARR impact."""

    opportunity: OpportunityView
    reason: str
    note: str | None
    follow_up: TaskView


def contact_ref(contact: Contact | None) -> ContactRef | None:
    """A contact as a reference, or None."""
    if contact is None:
        return None
    return ContactRef(id=contact.id, name=contact.name, title=contact.title, email=contact.email)


def _contacts(session: Session, ids: Iterable[str | None]) -> dict[str, Contact]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {c.id: c for c in session.scalars(select(Contact).where(Contact.id.in_(wanted)))}


def opportunity_views(session: Session, opportunities: list[Opportunity]) -> list[OpportunityView]:
    """Views of several opportunities, loading their accounts, contacts and owners in a few queries."""
    contact_ids: list[str | None] = []
    for opp in opportunities:
        contact_ids += [opp.source_contact_id, opp.champion_id, opp.decision_maker_id, *(opp.influencer_ids or [])]
    contacts = _contacts(session, contact_ids)
    account_ids = {o.account_id for o in opportunities}
    accounts = {a.id: a for a in session.scalars(select(Account).where(Account.id.in_(account_ids)))}
    owner_ids = {o.owner_id for o in opportunities if o.owner_id}
    owners = {u.id: u for u in session.scalars(select(User).where(User.id.in_(owner_ids)))} if owner_ids else {}
    views = []
    for opp in opportunities:
        owner = owners.get(opp.owner_id or "")
        views.append(
            OpportunityView(
                id=opp.id,
                account_id=opp.account_id,
                account_name=accounts[opp.account_id].name,
                name=opp.name,
                type=opp.type,
                stage=opp.stage,
                stage_name=STAGE_NAME[opp.stage],
                probability=opp.probability,
                estimated_value=opp.estimated_value,
                weighted_value=(opp.estimated_value * opp.probability / 100).quantize(CENT),
                expected_close_date=opp.expected_close_date,
                source=opp.source,
                source_contact=contact_ref(contacts.get(opp.source_contact_id or "")),
                champion=contact_ref(contacts.get(opp.champion_id or "")),
                decision_maker=contact_ref(contacts.get(opp.decision_maker_id or "")),
                decision_maker_note=opp.decision_maker_note,
                influencers=[ref for i in opp.influencer_ids or [] if (ref := contact_ref(contacts.get(i)))],
                target_departments=list(opp.target_departments or []),
                discovery_notes=opp.discovery_notes,
                owner_id=opp.owner_id,
                owner_name=owner.name if owner else None,
                evidence=[Evidence.model_validate(e) for e in opp.evidence or []],
                recommendation_id=opp.recommendation_id,
                override_reason=opp.override_reason,
                closed_value=opp.closed_value,
                closed_on=opp.closed_on,
                loss_reason=opp.loss_reason,
                loss_note=opp.loss_note,
                created_at=opp.created_at,
                updated_at=opp.updated_at,
            )
        )
    return views


def opportunity_view(session: Session, opportunity: Opportunity) -> OpportunityView:
    """The view of one opportunity."""
    return opportunity_views(session, [opportunity])[0]


def task_views(session: Session, tasks: list[Task]) -> list[TaskView]:
    """Views of tasks with their assignees' names."""
    ids = {t.assignee_id for t in tasks if t.assignee_id}
    names = {u.id: u.name for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    return [
        TaskView(
            id=t.id,
            opportunity_id=t.opportunity_id,
            account_id=t.account_id,
            title=t.title,
            kind=t.kind,
            due_date=t.due_date,
            assignee_id=t.assignee_id,
            assignee_name=names.get(t.assignee_id or ""),
            status=t.status,
            created_at=t.created_at,
            completed_at=t.completed_at,
        )
        for t in tasks
    ]


def activity_view(activity: Activity, contacts: list[Contact]) -> ActivityView:
    """The view of one activity with its contacts."""
    return ActivityView(
        id=activity.id,
        opportunity_id=activity.opportunity_id,
        kind=activity.kind,
        occurred_at=activity.occurred_at,
        user_id=activity.user_id,
        subject=activity.subject,
        body=activity.body,
        outcome=activity.outcome,
        sentiment=activity.sentiment,
        duration_minutes=activity.duration_minutes,
        contacts=[ref for c in contacts if (ref := contact_ref(c))],
    )
