"""One opportunity with everything around it: stage history, tasks, activities and proposals."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from account_intel.pipeline.activities import opportunity_activities
from account_intel.pipeline.proposals import opportunity_proposals
from account_intel.pipeline.service import get_opportunity
from account_intel.pipeline.tasks import opportunity_tasks
from account_intel.pipeline.views import OpportunityDetail, StageChangeView, opportunity_view
from account_intel.queries.names import user_names
from account_intel.store.models import OpportunityStageChange


def opportunity_detail(session: Session, *, opportunity_id: str) -> OpportunityDetail:
    """The detail view of one opportunity (the opportunity workspace)."""
    opportunity = get_opportunity(session, opportunity_id)
    history = list(
        session.scalars(
            select(OpportunityStageChange)
            .where(OpportunityStageChange.opportunity_id == opportunity.id)
            .order_by(OpportunityStageChange.changed_at, OpportunityStageChange.id)
        )
    )
    movers = user_names(session, ids=[h.changed_by for h in history])
    return OpportunityDetail(
        **opportunity_view(session, opportunity).model_dump(),
        stage_history=[
            StageChangeView(
                from_stage=h.from_stage,
                to_stage=h.to_stage,
                probability=h.probability,
                changed_at=h.changed_at,
                changed_by=h.changed_by,
                changed_by_name=movers.get(h.changed_by or ""),
                note=h.note,
            )
            for h in history
        ],
        tasks=opportunity_tasks(session, opportunity_id=opportunity.id),
        activities=opportunity_activities(session, opportunity_id=opportunity.id),
        proposals=opportunity_proposals(session, opportunity.id),
    )
