"""The pipeline in the JSON API: list and read opportunities; create, move, win and lose them as `opp` does.

Bodies mirror the `opp` commands' options and are validated by the same `parse` calls, so a refused request's
`detail` is the CLI's message, naming each field ("Failed to create opportunity. Check required fields. Name is
required."). `at` is the CLI's `--at`: the day the action happens (default: the store's data date, else now).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field

from account_intel.analytics.evidence import Evidence
from account_intel.auth.permissions import Action, authorize
from account_intel.domain.tiering import Thresholds
from account_intel.pipeline import closing, detail, service
from account_intel.pipeline.closing import CLOSE_FAILED
from account_intel.pipeline.errors import CREATE_FAILED, MOVE_FAILED
from account_intel.pipeline.schemas import LossInput, OpportunityCreate, StageMove, WinInput, parse
from account_intel.pipeline.views import LossResult, OpportunityDetail, OpportunityView, WinResult
from account_intel.store.accounts import find_account
from account_intel.web import pipeline_views as pv
from account_intel.web.context import web_context
from account_intel.web.security import ApiUser, DbSession

router = APIRouter(prefix="/api/v1", tags=["pipeline"])
Money = Decimal | str | None
AT = "When it happens (YYYY-MM-DD), as `--at`; default: the store's data date, else now."


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OpportunityIn(_Body):
    """A new opportunity: the options of `opp create` (the account is the path's)."""

    name: str | None = Field(default=None, description="Required, at most 100 characters.")
    type: str | None = Field(
        default=None,
        description="Required: new_department, new_location, new_service, volume_increase, rate_increase or "
        "contract_extension.",
    )
    estimated_value: Money = Field(default=None, description="Required: annual dollars, 0 < value <= 9,999,999.")
    probability: int | str | None = Field(default=None, description="10, 25, 40, 60, 75 or 90 (default 40).")
    expected_close_date: date | None = None
    source: str | None = Field(
        default=None,
        description="client_mention, news_linkedin, qbr_discussion, proactive_outreach, internal_referral or "
        "cs_driven_expansion.",
    )
    source_contact: str | None = Field(default=None, description="A contact of the account: id, name or email.")
    discovery_notes: str | None = Field(default=None, description="At most 1,000 characters.")
    champion: str | None = Field(default=None, description="A contact of the account.")
    decision_maker: str | None = Field(default=None, description="A contact of the account, or 'TBD'.")
    decision_maker_note: str | None = Field(default=None, description="Who it may be, when TBD.")
    influencers: list[str] = Field(default_factory=list, description="Contacts of the account.")
    target_departments: list[str] = Field(default_factory=list, description="Target departments or areas.")
    owner: str | None = Field(default=None, description="A user (id, email or name); default: you.")
    client_initiated: bool = Field(default=False, description="The client asked: start at Qualified.")
    evidence: list[Evidence] = Field(default_factory=list, description="Analytics evidence (CS-driven).")
    recommendation_id: str | None = Field(default=None, description="The analytics recommendation it came from.")
    override_reason: str | None = Field(default=None, description="Why to create despite failed preconditions.")
    at: date | None = Field(default=None, description=AT)


class MoveIn(_Body):
    """A stage move, as `opp move`."""

    stage: str | None = Field(
        default=None, description="identified, qualified, proposal, negotiation or verbal_agreement."
    )
    probability: int | str | None = Field(default=None, description="Override the stage's probability.")
    note: str | None = Field(default=None, description="Why it moved.")
    at: date | None = Field(default=None, description=AT)


class WinIn(_Body):
    """Closing as won, as `opp win`: `at` is the close date."""

    closed_value: Money = Field(default=None, description="Closed annual value; default: the estimate.")
    product_id: str | None = Field(default=None, description="Catalog product for the contract line.")
    at: date | None = Field(default=None, description=AT)


class LoseIn(_Body):
    """Closing as lost, as `opp lose`."""

    reason: str | None = Field(default=None, description="budget, timing, competitor, no_decision or other.")
    note: str | None = Field(default=None, description="What happened; required for 'other'.")
    follow_up_days: int | None = Field(default=None, description="90-180 (default 90).")
    at: date | None = Field(default=None, description=AT)


class OpportunityPage(BaseModel):
    """One page of opportunities (open first, newest first): `items`, how many match, where the next page starts."""

    items: list[OpportunityView]
    total: int
    offset: int
    limit: int
    next_offset: int | None = Field(description="Pass as ?offset= for the next page; null on the last page.")


@router.get("/opportunities", response_model=OpportunityPage)
def opportunities(
    session: DbSession,
    user: ApiUser,
    account: Annotated[str | None, Query(max_length=200, description="Only this account (id or name).")] = None,
    owner: Annotated[str | None, Query(max_length=200, description="Only this owner (id, email or name).")] = None,
    stage: Annotated[str | None, Query(max_length=100, description="Only this stage.")] = None,
    opportunity_type: Annotated[str | None, Query(alias="type", max_length=100, description="Only this type.")] = None,
    open_only: Annotated[bool, Query(alias="open", description="Only open opportunities.")] = False,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> OpportunityPage:
    """Opportunities, a page at a time, filtered as `opp list` (and by type)."""
    authorize(user, Action.READ)
    chosen = pv.opportunity_filter(stage=stage, opportunity_type=opportunity_type)
    rows = service.list_opportunities(
        session,
        account_id=find_account(session, account).id if account else None,
        owner_id=pv.owner_id(session, owner),
        stage=chosen.stage,
        opportunity_type=chosen.type,
        open_only=open_only,
    )
    following = offset + limit if offset + limit < len(rows) else None
    return OpportunityPage(
        items=rows[offset : offset + limit], total=len(rows), offset=offset, limit=limit, next_offset=following
    )


@router.get("/opportunities/{opportunity_id}", response_model=OpportunityDetail)
def opportunity(opportunity_id: str, session: DbSession, user: ApiUser) -> OpportunityDetail:
    """One opportunity with its stage history, tasks, activities and proposals (as `opp show --json`)."""
    authorize(user, Action.READ)
    return detail.opportunity_detail(session, opportunity_id=opportunity_id)


@router.post("/accounts/{ref}/opportunities", response_model=OpportunityView, status_code=status.HTTP_201_CREATED)
def create(request: Request, ref: str, body: OpportunityIn, session: DbSession, user: ApiUser) -> OpportunityView:
    """Create an expansion opportunity on the account (Identified; Qualified when client-initiated or CS-driven)."""
    account = find_account(session, ref)
    authorize(user, Action.PIPELINE, account)
    data = parse(OpportunityCreate, CREATE_FAILED, account=account.id, **body.model_dump(exclude={"at"}))
    at = pv.action_time(session, body.at, web_context(request).clock.now())
    return service.create_opportunity(session, data=data, at=at, actor=user.id)


@router.post("/opportunities/{opportunity_id}/move", response_model=OpportunityView)
def move(request: Request, opportunity_id: str, body: MoveIn, session: DbSession, user: ApiUser) -> OpportunityView:
    """Move to another open stage: forward one at a time, or back."""
    authorize(user, Action.PIPELINE, pv.opportunity_account(session, opportunity_id))
    data = parse(StageMove, MOVE_FAILED, stage=body.stage, probability=body.probability, note=body.note)
    at = pv.action_time(session, body.at, web_context(request).clock.now())
    return service.move_stage(session, opportunity_id=opportunity_id, move=data, at=at, actor=user.id)


@router.post("/opportunities/{opportunity_id}/win", response_model=WinResult)
def win(request: Request, opportunity_id: str, body: WinIn, session: DbSession, user: ApiUser) -> WinResult:
    """Close as won from Verbal Agreement: the contract line, the account's new ARR and tier, the delivery tasks."""
    authorize(user, Action.PIPELINE, pv.opportunity_account(session, opportunity_id))
    data = parse(WinInput, CLOSE_FAILED, closed_value=body.closed_value, product_id=body.product_id)
    ctx = web_context(request)
    return closing.win_opportunity(
        session,
        opportunity_id=opportunity_id,
        data=data,
        at=pv.action_time(session, body.at, ctx.clock.now()),
        actor=user.id,
        thresholds=Thresholds.from_settings(ctx.settings),
    )


@router.post("/opportunities/{opportunity_id}/lose", response_model=LossResult)
def lose(request: Request, opportunity_id: str, body: LoseIn, session: DbSession, user: ApiUser) -> LossResult:
    """Close as lost from any open stage, with a reason and a follow-up reminder; no ARR impact."""
    authorize(user, Action.PIPELINE, pv.opportunity_account(session, opportunity_id))
    data = parse(LossInput, CLOSE_FAILED, reason=body.reason, note=body.note, follow_up_days=body.follow_up_days)
    at = pv.action_time(session, body.at, web_context(request).clock.now())
    return closing.lose_opportunity(session, opportunity_id=opportunity_id, data=data, at=at, actor=user.id)
