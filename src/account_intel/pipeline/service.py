"""Opportunities: create (with preconditions), read, list, move between stages, refine the value.

Every function is keyword-only, takes a Session, the clock time `at` and the acting user; none reads the
system clock. Closing (won/lost) lives in `closing.py`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from account_intel.domain.enums import OpportunityStage, OpportunityType
from account_intel.errors import NotFoundError
from account_intel.pipeline.config import PipelineSettings
from account_intel.pipeline.errors import CREATE_FAILED, FieldProblems, InvalidTransition, PreconditionFailed
from account_intel.pipeline.ids import new_id
from account_intel.pipeline.people import default_actor, find_contact, find_user
from account_intel.pipeline.preconditions import HealthBandProvider, check_preconditions, unknown_health
from account_intel.pipeline.schemas import OpportunityCreate, StageMove
from account_intel.pipeline.stages import CLOSED_STAGES, STAGE_NAME, check_transition, probability_for_move
from account_intel.pipeline.tasks import add_research_checklist, add_task
from account_intel.pipeline.views import OpportunityView, opportunity_view, opportunity_views
from account_intel.store.accounts import find_account
from account_intel.store.events import record_event
from account_intel.store.models import Opportunity, OpportunityStageChange


def actor_id(session: Session, actor: str | None) -> str | None:
    """The user id of `actor` (id, email or name), or None when nobody is named."""
    return find_user(session, actor).id if actor else None


def get_opportunity(session: Session, opportunity_id: str) -> Opportunity:
    """An opportunity by id (case-insensitive), or a NotFoundError."""
    ref = opportunity_id.strip()
    opportunity = session.get(Opportunity, ref) or session.get(Opportunity, ref.upper())
    if opportunity is None:
        raise NotFoundError(f"Opportunity '{opportunity_id}' not found.")
    return opportunity


def create_opportunity(
    session: Session,
    *,
    data: OpportunityCreate,
    at: datetime,
    actor: str | None,
    health: HealthBandProvider = unknown_health,
    settings: PipelineSettings | None = None,
) -> OpportunityView:
    """Create an opportunity at Identified (Qualified when client-initiated or CS-driven), with its research checklist.

    Refuses when a precondition fails unless `data.override_reason` is given; the override, the failed
    preconditions and any warning (unknown health) are recorded on the opportunity and in the events.
    """
    settings = settings or PipelineSettings()
    account = find_account(session, data.account)
    user = actor_id(session, actor) or default_actor(account)
    owner = find_user(session, data.owner).id if data.owner else user
    if owner is None:
        raise FieldProblems(
            ["Owner is required: name a user, or give the account an AM or AE."], lead=CREATE_FAILED, fields=["owner"]
        )
    source_contact = (
        find_contact(session, account.id, data.source_contact, role="Source") if data.source_contact else None
    )
    champion = find_contact(session, account.id, data.champion, role="Champion") if data.champion else None
    decision_maker = (
        find_contact(session, account.id, data.decision_maker, role="Decision maker") if data.decision_maker else None
    )
    influencers = [find_contact(session, account.id, ref, role="Influencer") for ref in data.influencers]

    report = check_preconditions(session, account, day=at.date(), health=health, min_months=settings.min_months_active)
    if report.failures and not data.override_reason:
        raise PreconditionFailed(account.name, report.failures)

    stage = data.start_stage
    opportunity = Opportunity(
        id=new_id(session, Opportunity, prefix="EXP", sequence="expansion", at=at, width=4),
        account_id=account.id,
        name=data.name,
        type=data.type,
        stage=stage,
        probability=data.probability,
        estimated_value=data.estimated_value,
        expected_close_date=data.expected_close_date,
        source=data.source,
        source_contact_id=source_contact.id if source_contact else None,
        champion_id=champion.id if champion else None,
        decision_maker_id=decision_maker.id if decision_maker else None,
        decision_maker_note=data.decision_maker_note,
        influencer_ids=[c.id for c in influencers],
        target_departments=list(data.target_departments),
        discovery_notes=data.discovery_notes,
        owner_id=owner,
        evidence=[e.model_dump(mode="json") for e in data.evidence],
        recommendation_id=data.recommendation_id,
        override_reason=data.override_reason if report.failures else None,
        override_by=user if report.failures else None,
        created_at=at,
        updated_at=at,
    )
    session.add(opportunity)
    session.flush()
    session.add(
        OpportunityStageChange(
            opportunity_id=opportunity.id,
            from_stage=None,
            to_stage=stage,
            probability=opportunity.probability,
            changed_at=at,
            changed_by=user,
            note="created",
        )
    )
    record_event(
        session,
        kind="expansion.created",
        at=at,
        account_id=account.id,
        entity_type="opportunity",
        entity_id=opportunity.id,
        actor=user,
        payload={
            "opportunity_id": opportunity.id,
            "account_id": account.id,
            "estimated_value": opportunity.estimated_value,
            "type": opportunity.type,
            "user_id": user,
            "stage": stage,
            "probability": opportunity.probability,
            "source": opportunity.source,
            "health_band": report.health_band,
            "warnings": report.warnings,
            "evidence_ids": [e.id for e in data.evidence],
            "recommendation_id": data.recommendation_id,
        },
    )
    if report.failures:
        record_event(
            session,
            kind="expansion.precondition_overridden",
            at=at,
            account_id=account.id,
            entity_type="opportunity",
            entity_id=opportunity.id,
            actor=user,
            payload={
                "opportunity_id": opportunity.id,
                "failures": report.failures,
                "reason": data.override_reason,
                "user_id": user,
            },
        )
    if stage == OpportunityStage.IDENTIFIED:
        add_research_checklist(session, opportunity=opportunity, at=at)
    else:  # client-initiated or CS-driven: discovery is skipped, scope the need instead
        add_task(
            session,
            opportunity=opportunity,
            title="Schedule scoping call to understand requirements",
            at=at,
            due_date=at.date() + timedelta(days=2),
            kind="next_action",
        )
    return opportunity_view(session, opportunity)


def change_stage(
    session: Session,
    *,
    opportunity: Opportunity,
    target: OpportunityStage,
    at: datetime,
    actor: str | None,
    probability: int | None = None,
    note: str | None = None,
) -> Opportunity:
    """Apply a checked stage change: probability, history row and `expansion.stage_changed`.

    Callers check the transition first (`stages.check_transition`); closing goes through `closing.py`.
    """
    old = opportunity.stage
    opportunity.stage = target
    opportunity.probability = probability_for_move(target, probability)
    opportunity.updated_at = at
    session.add(
        OpportunityStageChange(
            opportunity_id=opportunity.id,
            from_stage=old,
            to_stage=target,
            probability=opportunity.probability,
            changed_at=at,
            changed_by=actor,
            note=note,
        )
    )
    session.flush()
    record_event(
        session,
        kind="expansion.stage_changed",
        at=at,
        account_id=opportunity.account_id,
        entity_type="opportunity",
        entity_id=opportunity.id,
        actor=actor,
        payload={
            "opportunity_id": opportunity.id,
            "old_stage": old,
            "new_stage": target,
            "probability": opportunity.probability,
            "user_id": actor,
        },
    )
    return opportunity


def move_stage(
    session: Session, *, opportunity_id: str, move: StageMove, at: datetime, actor: str | None
) -> OpportunityView:
    """Move an open opportunity one stage forward (or back); the stage's probability applies unless given."""
    opportunity = get_opportunity(session, opportunity_id)
    if move.stage in CLOSED_STAGES:
        verb = (
            "win (it records the closed value and updates ARR)"
            if move.stage == OpportunityStage.CLOSED_WON
            else ("lose (it records the loss reason and a follow-up)")
        )
        raise InvalidTransition(f"To move to {STAGE_NAME[move.stage]}, close the opportunity with {verb}.")
    check_transition(opportunity.stage, move.stage, opportunity_id=opportunity.id)
    user = actor_id(session, actor)
    change_stage(
        session,
        opportunity=opportunity,
        target=move.stage,
        at=at,
        actor=user,
        probability=move.probability,
        note=move.note,
    )
    return opportunity_view(session, opportunity)


def set_estimated_value(
    session: Session, *, opportunity: Opportunity, value: Decimal, at: datetime, actor: str | None
) -> None:
    """Refine the estimated annual value of an open opportunity (`expansion.value_changed`)."""
    if opportunity.stage in CLOSED_STAGES:
        raise InvalidTransition(f"Opportunity {opportunity.id} is closed; its value cannot change.")
    old = opportunity.estimated_value
    if old == value:
        return
    opportunity.estimated_value, opportunity.updated_at = value, at
    session.flush()
    record_event(
        session,
        kind="expansion.value_changed",
        at=at,
        account_id=opportunity.account_id,
        entity_type="opportunity",
        entity_id=opportunity.id,
        actor=actor,
        payload={"opportunity_id": opportunity.id, "old_value": old, "new_value": value, "user_id": actor},
    )


def list_opportunities(
    session: Session,
    *,
    account_id: str | None = None,
    owner_id: str | None = None,
    stage: OpportunityStage | None = None,
    opportunity_type: OpportunityType | None = None,
    open_only: bool = False,
) -> list[OpportunityView]:
    """Opportunities filtered by account, owner, stage and type; open ones first, newest first within each."""
    stmt = select(Opportunity)
    if account_id is not None:
        stmt = stmt.where(Opportunity.account_id == account_id)
    if owner_id is not None:
        stmt = stmt.where(Opportunity.owner_id == owner_id)
    if stage is not None:
        stmt = stmt.where(Opportunity.stage == stage)
    if opportunity_type is not None:
        stmt = stmt.where(Opportunity.type == opportunity_type)
    if open_only:
        stmt = stmt.where(Opportunity.stage.not_in(list(CLOSED_STAGES)))
    rows = list(session.scalars(stmt.order_by(Opportunity.created_at.desc(), Opportunity.id.desc())))
    rows.sort(key=lambda o: o.stage in CLOSED_STAGES)
    return opportunity_views(session, rows)
