from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from account_intel.domain.enums import ActivityKind, OpportunityStage, Sentiment, TaskStatus
from account_intel.errors import InvalidStateError
from account_intel.pipeline import activities, tasks
from account_intel.pipeline.errors import ContactNotFound, FieldProblems, InvalidTransition
from account_intel.pipeline.schemas import ActivityInput, TaskInput, parse
from account_intel.store.engine import Store
from account_intel.store.events import list_events
from account_intel.store.models import ActivityContact, Opportunity
from tests.pipeline_support import create, day, move, seed_retailco

NOTES = "Fantastic discovery call. Jennifer confirmed major pain points."


def _log(store: Store, opp_id: str, **fields: object):
    data = parse(ActivityInput, "Failed to log activity.", **fields)
    with store.transaction() as session:
        return activities.log_activity(session, opportunity_id=opp_id, data=data, at=day(12, 5), actor="U-AM")


def test_step4_call_log_moves_stage_and_refines_value_in_one_step(store: Store) -> None:
    seed_retailco(store)
    opp = create(store)
    move(store, opp.id, "qualified", day(12, 3))
    view = _log(
        store,
        opp.id,
        kind="call",
        contacts=["Jennifer Martinez"],
        notes=NOTES,
        outcome="Opportunity Qualified",
        sentiment="very positive",
        duration_minutes=32,
        stage="proposal",
        estimated_value="180000",
        tasks=[
            {"title": "Draft Marketing expansion proposal", "due_date": date(2024, 12, 9)},
            {"title": "Research case studies", "due_date": date(2024, 12, 6), "assignee": "Avery Stone"},
        ],
    )
    assert view.kind == ActivityKind.CALL and view.sentiment == Sentiment.VERY_POSITIVE
    assert [c.name for c in view.contacts] == ["Jennifer Martinez"] and view.duration_minutes == 32
    with store.transaction() as session:
        row = session.get(Opportunity, opp.id)
        assert row is not None
        assert (row.stage, row.probability, row.estimated_value) == (
            OpportunityStage.PROPOSAL,
            60,
            Decimal("180000.00"),
        )
        assert session.query(ActivityContact).count() == 1
        created = list_events(session, kind="activity.created")[0].payload
        assert created["opportunity_id"] == opp.id and created["kind"] == "call"
        assert created["contact_ids"] == ["ACCT-2001-JEN"]
        value = list_events(session, kind="expansion.value_changed")[0].payload
        assert (value["old_value"], value["new_value"]) == ("150000.00", "180000.00")
        assert list_events(session, kind="expansion.stage_changed")[-1].payload["new_stage"] == "proposal"
        open_tasks = tasks.list_open_tasks(session, assignee_id="U-AE")
        assert [(t.title, t.due_date) for t in open_tasks] == [("Research case studies", date(2024, 12, 6))]


def test_log_is_one_transaction_refused_skip_writes_nothing(store: Store) -> None:
    seed_retailco(store)
    opp = create(store)
    with pytest.raises(InvalidTransition, match=r"^Cannot move to Proposal without Qualified stage\.$"):
        _log(store, opp.id, kind="call", notes=NOTES, stage="proposal", estimated_value="180000")
    with store.transaction() as session:
        assert list_events(session, kind="activity.created") == []
        assert session.get(Opportunity, opp.id).estimated_value == Decimal("150000.00")  # type: ignore[union-attr]


def test_log_rules(store: Store) -> None:
    seed_retailco(store)
    opp = create(store)
    with pytest.raises(
        ContactNotFound, match=r"^Contact not found in system\. \('Mark Stevens': add the contact first\.\)$"
    ):
        _log(store, opp.id, kind="meeting", contacts=["Mark Stevens"])
    with pytest.raises(FieldProblems, match="Activity kind must be one of call, email, meeting, note"):
        parse(ActivityInput, "Failed to log activity.", kind="fax")
    with pytest.raises(InvalidTransition, match="use win or lose"):
        _log(store, opp.id, kind="note", stage="closed_won")
    assert _log(store, opp.id, kind="note", notes="just a note").body == "just a note"


def test_tc008_tasks_appear_in_the_am_task_list_and_can_be_completed(store: Store) -> None:
    seed_retailco(store)
    first = create(store)
    second = create(store, name="Austin Office Expansion", type="new_location", target_departments=[])
    with store.transaction() as session:
        made = tasks.create_task(
            session,
            opportunity_id=second.id,
            at=day(12, 1),
            actor="U-AM",
            task=TaskInput(title="Prepare for stakeholder call", due_date=date(2024, 12, 1)),
        )
        mine = tasks.list_open_tasks(session, assignee_id="U-AM")
    assert made.assignee_id == "U-AM" and made.status == TaskStatus.OPEN
    assert len(mine) == 21 and {t.opportunity_id for t in mine} == {first.id, second.id}
    assert mine[0].title == "Prepare for stakeholder call"  # soonest due first, undated last
    assert mine[-1].due_date is None
    with store.transaction() as session:
        done = tasks.complete_task(session, task_id=made.id, at=day(12, 2), actor="U-AM")
        assert done.status == TaskStatus.DONE and done.completed_at == day(12, 2)
        assert len(tasks.list_open_tasks(session, assignee_id="U-AM")) == 20
        assert list_events(session, kind="task.completed")[0].entity_id == made.id
    with store.transaction() as session, pytest.raises(InvalidStateError, match="already done"):
        tasks.complete_task(session, task_id=made.id, at=day(12, 2), actor="U-AM")


def test_task_rules(store: Store) -> None:
    with pytest.raises(FieldProblems, match=r"^Failed to create task\. Task title is required\.$"):
        parse(TaskInput, "Failed to create task.", title=" ")
    with pytest.raises(FieldProblems, match="at most 200 characters"):
        parse(TaskInput, "Failed to create task.", title="t" * 201)
