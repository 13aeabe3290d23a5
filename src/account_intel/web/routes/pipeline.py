"""The pipeline pages: the board by stage, the creation form, and an opportunity with its stage, win and loss forms.

Handlers call what the `opp` commands call (the pipeline service, `closing`, the same `parse` validation and the
same permission table) and render it. A refused form shows its page again with the reason next to the field and
keeps what the user typed; nothing the request wrote is kept (`web.forms.refuse`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from account_intel.auth.permissions import Action, authorize, may
from account_intel.domain.enums import OpportunitySource, OpportunityType
from account_intel.domain.tiering import Thresholds
from account_intel.errors import DomainError
from account_intel.pipeline import closing, detail, service
from account_intel.pipeline.schemas import LossReason
from account_intel.pipeline.stages import OPEN_STAGES, PROBABILITY_OPTIONS, SEQUENCE, STAGE_NAME, is_open
from account_intel.pipeline.views import LossResult, WinResult
from account_intel.store.accounts import find_account
from account_intel.store.models import Account
from account_intel.web import pipeline_views as pv
from account_intel.web import views
from account_intel.web.context import web_context
from account_intel.web.errors import status_of
from account_intel.web.forms import FormErrors, form_errors, refuse
from account_intel.web.opportunity_form import LoseForm, MoveForm, OpportunityForm, WinForm
from account_intel.web.security import DbSession, PageViewer, Viewer

router = APIRouter(include_in_schema=False)


def _page(request: Request, session: Session, viewer: Viewer, template: str, **context: Any) -> Response:
    """A pipeline page, with the day it is of (the day its actions are dated)."""
    ctx = web_context(request)
    day, source = views.day_of(session, None, ctx.clock.now().date())
    status_code = context.pop("status_code", 200)
    return ctx.templates.TemplateResponse(
        request,
        template,
        {"viewer": viewer, "day": day, "day_source": source, **context},
        status_code=status_code,
    )


@router.get("/pipeline")
def board_page(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    owner: Annotated[str, Query(max_length=200, description="Owner: user id, email or name.")] = "",
    opportunity_type: Annotated[str, Query(alias="type", max_length=100, description="Opportunity type.")] = "",
) -> Response:
    """The pipeline as a board, one column per stage, filterable by owner and type."""
    authorize(viewer.user, Action.READ)
    chosen = pv.opportunity_filter(opportunity_type=opportunity_type)
    owner_id = pv.owner_id(session, owner)
    rows = service.list_opportunities(session, owner_id=owner_id, opportunity_type=chosen.type)
    return _page(
        request,
        session,
        viewer,
        "pipeline.html",
        columns=pv.board(rows),
        count=len(rows),
        owners=pv.pipeline_users(session),
        types=list(OpportunityType),
        owner=owner_id or "",
        opportunity_type=chosen.type.value if chosen.type else "",
    )


def _form_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    account: Account,
    form: OpportunityForm,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Response:
    return _page(
        request,
        session,
        viewer,
        "opportunity_form.html",
        account=account,
        form=form,
        errors=errors or FormErrors(),
        types=list(OpportunityType),
        sources=list(OpportunitySource),
        probabilities=PROBABILITY_OPTIONS,
        owners=pv.pipeline_users(session),
        contacts=pv.contact_names(session, account.id),
        status_code=status_code,
    )


@router.get("/accounts/{ref}/opportunities/new")
def new_opportunity_page(request: Request, ref: str, session: DbSession, viewer: PageViewer) -> Response:
    """The creation form (shown in a dialog from the account page, or as this page without script)."""
    account = find_account(session, ref)
    authorize(viewer.user, Action.PIPELINE, account)
    return _form_page(request, session, viewer, account, OpportunityForm(owner=viewer.user.id))


@router.post("/accounts/{ref}/opportunities")
def create_opportunity(
    request: Request,
    ref: str,
    session: DbSession,
    viewer: PageViewer,
    form: Annotated[OpportunityForm, Form()],
) -> Response:
    """Create the opportunity as `opp create` does; a refused form comes back with its input and the reasons."""
    account = find_account(session, ref)
    authorize(viewer.user, Action.PIPELINE, account)
    at = pv.action_time(session, None, web_context(request).clock.now())
    try:
        view = service.create_opportunity(session, data=form.validated(account.id), at=at, actor=viewer.user.id)
    except DomainError as exc:
        return refuse(session, _form_page(request, session, viewer, account, form, form_errors(exc), status_of(exc)))
    return RedirectResponse(f"/opportunities/{view.id}", status_code=303)


def _opportunity_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    opportunity_id: str,
    *,
    errors: dict[str, FormErrors] | None = None,
    forms: dict[str, Any] | None = None,
    won: WinResult | None = None,
    lost: LossResult | None = None,
    status_code: int = 200,
) -> Response:
    view = detail.opportunity_detail(session, opportunity_id=opportunity_id)
    account = pv.opportunity_account(session, view.id)
    following = SEQUENCE[SEQUENCE.index(view.stage) + 1] if view.stage in OPEN_STAGES else None
    next_open = following.value if following in OPEN_STAGES else ""
    return _page(
        request,
        session,
        viewer,
        "opportunity.html",
        opportunity=view,
        account=account,
        can_work=may(viewer.user, Action.PIPELINE, account) and is_open(view.stage),
        may_work=may(viewer.user, Action.PIPELINE, account),
        stages=[(stage, STAGE_NAME[stage]) for stage in OPEN_STAGES if stage != view.stage],
        stage_names=STAGE_NAME,
        probabilities=PROBABILITY_OPTIONS,
        reasons=list(LossReason),
        forms={"move": MoveForm(stage=next_open), "win": WinForm(), "lose": LoseForm(), **(forms or {})},
        errors=errors or {},
        won=won,
        lost=lost,
        status_code=status_code,
    )


@router.get("/opportunities/{opportunity_id}")
def opportunity_page(request: Request, opportunity_id: str, session: DbSession, viewer: PageViewer) -> Response:
    """An opportunity: details, stage history, tasks, activities and proposals; its stage, win and loss forms."""
    authorize(viewer.user, Action.READ)
    return _opportunity_page(request, session, viewer, opportunity_id)


def _refused(
    request: Request, session: Session, viewer: Viewer, opportunity_id: str, name: str, form: Any, exc: DomainError
) -> Response:
    """The opportunity page again, with the refused form as it was typed and the reason next to it."""
    page = _opportunity_page(
        request,
        session,
        viewer,
        opportunity_id,
        errors={name: form_errors(exc)},
        forms={name: form},
        status_code=status_of(exc),
    )
    return refuse(session, page)


@router.post("/opportunities/{opportunity_id}/move")
def move_opportunity(
    request: Request,
    opportunity_id: str,
    session: DbSession,
    viewer: PageViewer,
    form: Annotated[MoveForm, Form()],
) -> Response:
    """Move to another open stage under `opp move`'s rules; a refused move shows its reason."""
    authorize(viewer.user, Action.PIPELINE, pv.opportunity_account(session, opportunity_id))
    at = pv.action_time(session, None, web_context(request).clock.now())
    try:
        view = service.move_stage(
            session, opportunity_id=opportunity_id, move=form.validated(), at=at, actor=viewer.user.id
        )
    except DomainError as exc:
        return _refused(request, session, viewer, opportunity_id, "move", form, exc)
    return RedirectResponse(f"/opportunities/{view.id}", status_code=303)


@router.post("/opportunities/{opportunity_id}/win")
def win_opportunity(
    request: Request,
    opportunity_id: str,
    session: DbSession,
    viewer: PageViewer,
    form: Annotated[WinForm, Form()],
) -> Response:
    """Close as won as `opp win` does, and show what it did to the account's ARR and tier."""
    authorize(viewer.user, Action.PIPELINE, pv.opportunity_account(session, opportunity_id))
    ctx = web_context(request)
    at = pv.action_time(session, None, ctx.clock.now())
    try:
        result = closing.win_opportunity(
            session,
            opportunity_id=opportunity_id,
            data=form.validated(),
            at=at,
            actor=viewer.user.id,
            thresholds=Thresholds.from_settings(ctx.settings),
        )
    except DomainError as exc:
        return _refused(request, session, viewer, opportunity_id, "win", form, exc)
    return _opportunity_page(request, session, viewer, result.opportunity.id, won=result)


@router.post("/opportunities/{opportunity_id}/lose")
def lose_opportunity(
    request: Request,
    opportunity_id: str,
    session: DbSession,
    viewer: PageViewer,
    form: Annotated[LoseForm, Form()],
) -> Response:
    """Close as lost as `opp lose` does: the reason, and the follow-up reminder it set."""
    authorize(viewer.user, Action.PIPELINE, pv.opportunity_account(session, opportunity_id))
    at = pv.action_time(session, None, web_context(request).clock.now())
    try:
        result = closing.lose_opportunity(
            session, opportunity_id=opportunity_id, data=form.validated(), at=at, actor=viewer.user.id
        )
    except DomainError as exc:
        return _refused(request, session, viewer, opportunity_id, "lose", form, exc)
    return _opportunity_page(request, session, viewer, result.opportunity.id, lost=result)
