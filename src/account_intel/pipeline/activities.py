"""Activities on an opportunity: a logged call, email, meeting or note, which may move the stage and refine
the value in the same transaction (e.g. $150K -> $180K and Qualified -> Proposal)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from account_intel.domain.enums import ActivityKind, Sentiment
from account_intel.pipeline.errors import InvalidTransition
from account_intel.pipeline.ids import new_id
from account_intel.pipeline.people import find_contact, find_user
from account_intel.pipeline.schemas import ActivityInput
from account_intel.pipeline.service import actor_id, change_stage, get_opportunity, set_estimated_value
from account_intel.pipeline.stages import CLOSED_STAGES, STAGE_NAME, check_transition
from account_intel.pipeline.tasks import add_task
from account_intel.pipeline.views import ActivityView, activity_view
from account_intel.store.events import record_event
from account_intel.store.models import Activity, ActivityContact, Contact, Opportunity


def record_activity(
    session: Session,
    *,
    opportunity: Opportunity,
    kind: ActivityKind,
    at: datetime,
    user: str | None,
    contacts: list[Contact],
    subject: str | None = None,
    body: str | None = None,
    outcome: str | None = None,
    sentiment: Sentiment | None = None,
    duration_minutes: int | None = None,
) -> Activity:
    """Write one activity with its contacts and emit `activity.created`; no input checks."""
    activity = Activity(
        id=new_id(session, Activity, prefix="ACT", sequence="activity", at=at, width=6),
        account_id=opportunity.account_id,
        opportunity_id=opportunity.id,
        kind=kind,
        occurred_at=at,
        user_id=user,
        subject=subject,
        body=body,
        outcome=outcome,
        sentiment=sentiment,
        duration_minutes=duration_minutes,
    )
    session.add(activity)
    session.flush()
    for contact in contacts:
        session.add(ActivityContact(activity_id=activity.id, contact_id=contact.id))
    session.flush()
    record_event(
        session,
        kind="activity.created",
        at=at,
        account_id=opportunity.account_id,
        entity_type="activity",
        entity_id=activity.id,
        actor=user,
        payload={
            "activity_id": activity.id,
            "account_id": opportunity.account_id,
            "opportunity_id": opportunity.id,
            "kind": kind,
            "contact_ids": [c.id for c in contacts],
            "outcome": outcome,
            "sentiment": sentiment,
            "user_id": user,
        },
    )
    return activity


def log_activity(
    session: Session, *, opportunity_id: str, data: ActivityInput, at: datetime, actor: str | None
) -> ActivityView:
    """Log an activity with contacts, notes, outcome and sentiment; optionally move the stage, refine the
    value and expected close, and create follow-up tasks, all in the caller's transaction."""
    opportunity = get_opportunity(session, opportunity_id)
    user = actor_id(session, actor)
    contacts = [find_contact(session, opportunity.account_id, ref) for ref in data.contacts]
    if data.stage is not None:
        if data.stage in CLOSED_STAGES:
            raise InvalidTransition(
                f"An activity log cannot close an opportunity; use win or lose to reach {STAGE_NAME[data.stage]}."
            )
        if data.stage != opportunity.stage:
            check_transition(opportunity.stage, data.stage, opportunity_id=opportunity.id)
    elif (data.estimated_value or data.expected_close_date) and opportunity.stage in CLOSED_STAGES:
        raise InvalidTransition(f"Opportunity {opportunity.id} is closed; its value cannot change.")
    assignees = {t.assignee: find_user(session, t.assignee).id for t in data.tasks if t.assignee}
    activity = record_activity(
        session,
        opportunity=opportunity,
        kind=data.kind,
        at=at,
        user=user,
        contacts=contacts,
        subject=data.subject,
        body=data.notes,
        outcome=data.outcome,
        sentiment=data.sentiment,
        duration_minutes=data.duration_minutes,
    )
    if data.estimated_value is not None:
        set_estimated_value(session, opportunity=opportunity, value=data.estimated_value, at=at, actor=user)
    if data.expected_close_date is not None:
        opportunity.expected_close_date = data.expected_close_date
    if data.stage is not None and data.stage != opportunity.stage:
        change_stage(
            session,
            opportunity=opportunity,
            target=data.stage,
            at=at,
            actor=user,
            probability=data.probability,
            note=f"logged with {activity.id}",
        )
    elif data.probability is not None and opportunity.stage not in CLOSED_STAGES:
        opportunity.probability = data.probability
    opportunity.updated_at = at
    for task in data.tasks:
        add_task(
            session,
            opportunity=opportunity,
            title=task.title,
            at=at,
            due_date=task.due_date,
            assignee_id=assignees.get(task.assignee or ""),
            kind=task.kind,
        )
    return activity_view(activity, contacts)


def opportunity_activities(session: Session, *, opportunity_id: str) -> list[ActivityView]:
    """An opportunity's activities, newest first, with their contacts."""
    activities = list(
        session.scalars(
            select(Activity)
            .where(Activity.opportunity_id == opportunity_id)
            .order_by(Activity.occurred_at.desc(), Activity.id.desc())
        )
    )
    links = session.execute(
        select(ActivityContact.activity_id, Contact)
        .join(Contact, Contact.id == ActivityContact.contact_id)
        .where(ActivityContact.activity_id.in_([a.id for a in activities]))
    ).all()
    by_activity: dict[str, list[Contact]] = {}
    for activity_id, contact in links:
        by_activity.setdefault(activity_id, []).append(contact)
    return [activity_view(a, by_activity.get(a.id, [])) for a in activities]
