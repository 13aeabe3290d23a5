from __future__ import annotations

import pytest

from account_intel.domain.enums import OpportunityStage as S
from account_intel.pipeline import service
from account_intel.pipeline.errors import InvalidTransition
from account_intel.pipeline.schemas import StageMove
from account_intel.pipeline.stages import STAGE_PROBABILITY, check_transition, probability_for_move
from account_intel.store.engine import Store
from account_intel.store.events import list_events
from account_intel.store.models import OpportunityStageChange
from tests.pipeline_support import create, day, move, seed_retailco


def test_stage_table_probabilities() -> None:
    assert [STAGE_PROBABILITY[s] for s in S] == [10, 25, 60, 75, 90, 100, 0]


@pytest.mark.parametrize(
    ("current", "target", "message"),
    [
        (S.QUALIFIED, S.NEGOTIATION, "Cannot move to Negotiation without Proposal stage."),
        (S.IDENTIFIED, S.PROPOSAL, "Cannot move to Proposal without Qualified stage."),
        (S.IDENTIFIED, S.VERBAL_AGREEMENT, "Cannot move to Verbal Agreement without Negotiation stage."),
        (S.NEGOTIATION, S.CLOSED_WON, "Cannot move to Closed Won without Verbal Agreement stage."),
    ],
)
def test_skipping_a_stage_is_refused_with_the_seed_message(current: S, target: S, message: str) -> None:
    with pytest.raises(InvalidTransition) as exc:
        check_transition(current, target)
    assert str(exc.value) == message


def test_lost_from_any_open_stage_back_moves_allowed_closed_is_final() -> None:
    for stage in (S.IDENTIFIED, S.QUALIFIED, S.PROPOSAL, S.NEGOTIATION, S.VERBAL_AGREEMENT):
        check_transition(stage, S.CLOSED_LOST)
    check_transition(S.NEGOTIATION, S.PROPOSAL)
    with pytest.raises(InvalidTransition, match="a closed opportunity cannot change stage"):
        check_transition(S.CLOSED_WON, S.NEGOTIATION)
    with pytest.raises(InvalidTransition, match="already at Qualified"):
        check_transition(S.QUALIFIED, S.QUALIFIED)


def test_probability_rules() -> None:
    assert probability_for_move(S.QUALIFIED, None) == 25
    assert probability_for_move(S.QUALIFIED, 40) == 40
    assert probability_for_move(S.CLOSED_WON, 40) == 100
    assert probability_for_move(S.CLOSED_LOST, 40) == 0


def test_tc002_probability_updates_at_each_stage_and_history_and_events(store: Store) -> None:
    seed_retailco(store)
    opp = create(store)
    assert (opp.stage, opp.probability) == (S.IDENTIFIED, 40)  # field default until the first move
    seen = []
    for offset, stage in enumerate(["qualified", "proposal", "negotiation", "verbal_agreement"], start=3):
        view = move(store, opp.id, stage, day(12, offset))
        seen.append((view.stage.value, view.probability))
    assert seen == [("qualified", 25), ("proposal", 60), ("negotiation", 75), ("verbal_agreement", 90)]
    with store.transaction() as session:
        history = session.query(OpportunityStageChange).order_by(OpportunityStageChange.id).all()
        assert [(h.from_stage, h.to_stage, h.probability) for h in history] == [
            (None, S.IDENTIFIED, 40),
            (S.IDENTIFIED, S.QUALIFIED, 25),
            (S.QUALIFIED, S.PROPOSAL, 60),
            (S.PROPOSAL, S.NEGOTIATION, 75),
            (S.NEGOTIATION, S.VERBAL_AGREEMENT, 90),
        ]
        changes = list_events(session, kind="expansion.stage_changed")
        assert next(e.payload for e in changes) == {
            "opportunity_id": opp.id,
            "old_stage": "identified",
            "new_stage": "qualified",
            "probability": 25,
            "user_id": "U-AM",
        }
        assert len(changes) == 4


def test_user_probability_wins_over_the_stage_value(store: Store) -> None:
    seed_retailco(store)
    opp = create(store)
    assert move(store, opp.id, "qualified", day(12, 3), probability=40).probability == 40
    with pytest.raises(Exception, match=r"Probability must be one of 10, 25, 40, 60, 75, 90 \(got 50\)"):
        StageMove(stage="proposal", probability=50)


def test_invalid_transition_through_the_service(store: Store) -> None:
    seed_retailco(store)
    opp = create(store)
    move(store, opp.id, "qualified", day(12, 3))
    with pytest.raises(InvalidTransition, match=r"^Cannot move to Negotiation without Proposal stage\.$"):
        move(store, opp.id, "negotiation", day(12, 4))
    with store.transaction() as session, pytest.raises(InvalidTransition, match="close the opportunity with win"):
        service.move_stage(
            session, opportunity_id=opp.id, move=StageMove(stage="closed_won"), at=day(12, 4), actor=None
        )
