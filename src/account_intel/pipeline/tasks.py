"""Tasks on opportunities: the research checklist of a new opportunity, follow-ups, a user's open tasks."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from account_intel.domain.enums import TaskStatus
from account_intel.errors import InvalidStateError, NotFoundError
from account_intel.pipeline.ids import new_id
from account_intel.pipeline.people import find_user
from account_intel.pipeline.schemas import TaskInput
from account_intel.pipeline.views import TaskView, task_views
from account_intel.store.events import record_event
from account_intel.store.models import Contact, Opportunity, Task

# A new opportunity's RESEARCH CHECKLIST (no due dates) and the NEXT ACTIONS (due +2, +3, +5 days).
RESEARCH_CHECKLIST = (
    "Identify decision maker{dm_hint}",
    "Research {target} team size and structure",
    "Estimate current {target} spend (LinkedIn, ZoomInfo)",
    "Identify pain points with current vendors",
    "Validate {champion} as champion (will they advocate?)",
    "Understand budget cycle and approval process",
    "Map competitive landscape (who are current vendors?)",
)
NEXT_ACTIONS = (
    ("LinkedIn research on {target} leadership team", 2),
    ("Ask {champion} for intro to {target} leadership", 3),
    ("Draft discovery questions for first meeting", 5),
)


def add_task(
    session: Session,
    *,
    opportunity: Opportunity,
    title: str,
    at: datetime,
    due_date: date | None = None,
    assignee_id: str | None = None,
    kind: str = "task",
) -> Task:
    """Add one task to an opportunity (assignee defaults to its owner); no input checks."""
    task = Task(
        id=new_id(session, Task, prefix="TSK", sequence="task", at=at, width=6),
        account_id=opportunity.account_id,
        opportunity_id=opportunity.id,
        title=title[:200],
        kind=kind,
        due_date=due_date,
        assignee_id=assignee_id or opportunity.owner_id,
        status=TaskStatus.OPEN,
        created_at=at,
    )
    session.add(task)
    session.flush()
    return task


def add_research_checklist(session: Session, *, opportunity: Opportunity, at: datetime) -> list[Task]:
    """The seven research items and three next actions of a new opportunity, assigned to its owner."""
    target = opportunity.target_departments[0] if opportunity.target_departments else "target"
    champion = session.get(Contact, opportunity.champion_id) if opportunity.champion_id else None
    note = opportunity.decision_maker_note if opportunity.decision_maker_id is None else None
    words = {
        "target": target,
        "champion": champion.name if champion else "the champion",
        "dm_hint": f" ({note})" if note and note.upper() != "TBD" else "",
    }
    tasks = [
        add_task(session, opportunity=opportunity, title=title.format(**words), at=at, kind="research")
        for title in RESEARCH_CHECKLIST
    ]
    start = at.date()
    tasks += [
        add_task(
            session,
            opportunity=opportunity,
            title=title.format(**words),
            at=at,
            due_date=start + timedelta(days=days),
            kind="next_action",
        )
        for title, days in NEXT_ACTIONS
    ]
    return tasks


def create_task(session: Session, *, opportunity_id: str, task: TaskInput, at: datetime, actor: str | None) -> TaskView:
    """Create a task on an opportunity (title, due date, assignee); the assignee defaults to the owner."""
    opportunity = session.get(Opportunity, opportunity_id)
    if opportunity is None:
        raise NotFoundError(f"Opportunity '{opportunity_id}' not found.")
    assignee = find_user(session, task.assignee).id if task.assignee else None
    row = add_task(
        session,
        opportunity=opportunity,
        title=task.title,
        at=at,
        due_date=task.due_date,
        assignee_id=assignee,
        kind=task.kind,
    )
    return task_views(session, [row])[0]


def list_open_tasks(session: Session, *, assignee_id: str, opportunity_id: str | None = None) -> list[TaskView]:
    """A user's open tasks across opportunities, soonest due first, undated last."""
    stmt = select(Task).where(Task.assignee_id == assignee_id, Task.status == TaskStatus.OPEN)
    if opportunity_id is not None:
        stmt = stmt.where(Task.opportunity_id == opportunity_id)
    tasks = list(session.scalars(stmt.order_by(Task.due_date.is_(None), Task.due_date, Task.id)))
    return task_views(session, tasks)


def opportunity_tasks(session: Session, *, opportunity_id: str) -> list[TaskView]:
    """Every task of an opportunity, open first."""
    stmt = select(Task).where(Task.opportunity_id == opportunity_id)
    tasks = list(session.scalars(stmt.order_by(Task.status, Task.due_date.is_(None), Task.due_date, Task.id)))
    return task_views(session, tasks)


def complete_task(session: Session, *, task_id: str, at: datetime, actor: str | None) -> TaskView:
    """Mark an open task done."""
    task = session.get(Task, task_id)
    if task is None:
        raise NotFoundError(f"Task '{task_id}' not found.")
    if task.status != TaskStatus.OPEN:
        raise InvalidStateError(f"Task {task_id} is already {task.status.value}.")
    task.status, task.completed_at = TaskStatus.DONE, at
    session.flush()
    record_event(
        session,
        kind="task.completed",
        at=at,
        account_id=task.account_id,
        entity_type="task",
        entity_id=task.id,
        actor=actor,
        payload={"task_id": task.id, "opportunity_id": task.opportunity_id, "user_id": actor},
    )
    return task_views(session, [task])[0]
