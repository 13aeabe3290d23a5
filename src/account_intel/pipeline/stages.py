"""Stage order, stage probabilities and transition rules of the expansion pipeline (its stage table).

The stage table is authoritative for stage moves: a move sets the stage's probability unless the user gives
one. The probability dropdown's values (10, 25, 40, 60, 75, 90) are the allowed set; its labels only describe
them. See docs/pipeline.md for the two places where the probability choices and the stage table disagree.
"""

from __future__ import annotations

from account_intel.domain.enums import OpportunityStage as Stage
from account_intel.pipeline.errors import InvalidTransition

OPEN_STAGES: tuple[Stage, ...] = (
    Stage.IDENTIFIED,
    Stage.QUALIFIED,
    Stage.PROPOSAL,
    Stage.NEGOTIATION,
    Stage.VERBAL_AGREEMENT,
)
SEQUENCE: tuple[Stage, ...] = (*OPEN_STAGES, Stage.CLOSED_WON)
CLOSED_STAGES: frozenset[Stage] = frozenset({Stage.CLOSED_WON, Stage.CLOSED_LOST})

STAGE_PROBABILITY: dict[Stage, int] = {
    Stage.IDENTIFIED: 10,
    Stage.QUALIFIED: 25,
    Stage.PROPOSAL: 60,
    Stage.NEGOTIATION: 75,
    Stage.VERBAL_AGREEMENT: 90,
    Stage.CLOSED_WON: 100,
    Stage.CLOSED_LOST: 0,
}

# Names used in messages ("Cannot move to Negotiation without Proposal stage.") and screens.
STAGE_NAME: dict[Stage, str] = {
    Stage.IDENTIFIED: "Identified",
    Stage.QUALIFIED: "Qualified",
    Stage.PROPOSAL: "Proposal",
    Stage.NEGOTIATION: "Negotiation",
    Stage.VERBAL_AGREEMENT: "Verbal Agreement",
    Stage.CLOSED_WON: "Closed Won",
    Stage.CLOSED_LOST: "Closed Lost",
}

# The dropdown of the creation screen: allowed values, labels as descriptions only.
PROBABILITY_OPTIONS: dict[int, str] = {
    10: "Identified (early stage, no validation)",
    25: "Researching (gathering information)",
    40: "Qualified (real need confirmed)",
    60: "Proposal Sent (actively negotiating)",
    75: "Verbal Agreement (near close)",
    90: "Contract Sent (waiting signature)",
}
DEFAULT_PROBABILITY = 40
START_STAGES: tuple[Stage, ...] = (Stage.IDENTIFIED, Stage.QUALIFIED)


def is_open(stage: Stage) -> bool:
    """True for a stage an opportunity can still move from."""
    return stage not in CLOSED_STAGES


def rank(stage: Stage) -> int:
    """Position in the sequence (identified 0 ... closed_won 5); closed_lost ranks below every stage."""
    return SEQUENCE.index(stage) if stage in SEQUENCE else -1


def check_transition(current: Stage, target: Stage, *, opportunity_id: str = "") -> None:
    """Refuse a move that skips a stage, starts from a closed stage, or stays where it is.

    Forward moves go one stage at a time; moving back to an earlier open stage is allowed (a deal can slip);
    closed_lost can be reached from any open stage.
    """
    label = f"{opportunity_id} " if opportunity_id else ""
    if not is_open(current):
        raise InvalidTransition(
            f"Opportunity {label}is {STAGE_NAME[current]}; a closed opportunity cannot change stage."
        )
    if target == current:
        raise InvalidTransition(f"Opportunity {label}is already at {STAGE_NAME[current]}.")
    if target == Stage.CLOSED_LOST:
        return
    if rank(target) > rank(current) + 1:
        previous = SEQUENCE[rank(target) - 1]
        raise InvalidTransition(f"Cannot move to {STAGE_NAME[target]} without {STAGE_NAME[previous]} stage.")


def probability_for_move(target: Stage, requested: int | None) -> int:
    """The probability after a move: the stage's value, or the user's if given; closed stages are fixed."""
    if target in CLOSED_STAGES or requested is None:
        return STAGE_PROBABILITY[target]
    return requested


def stages_up_to(stage: Stage) -> list[Stage]:
    """The open stages an opportunity passed through to reach `stage` (for win rate by stage reached)."""
    if stage == Stage.CLOSED_WON:
        return list(OPEN_STAGES)
    if stage == Stage.CLOSED_LOST:
        return []
    return list(OPEN_STAGES[: OPEN_STAGES.index(stage) + 1])
