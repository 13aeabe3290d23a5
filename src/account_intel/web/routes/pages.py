"""The pages people work in: the portfolio and an account, with their charts (drawn from the same figures as
the tables beside them)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from account_intel.auth.permissions import Action, authorize, may
from account_intel.web import charts, views
from account_intel.web.context import web_context
from account_intel.web.security import DbSession, PageViewer

router = APIRouter(include_in_schema=False)
AsOf = Annotated[date | None, Query(alias="as_of", description="The day to show (YYYY-MM-DD).")]


@router.get("/")
def portfolio_page(request: Request, session: DbSession, viewer: PageViewer, as_of: AsOf = None) -> Response:
    """Counts by tier, segment and band, the pipeline by type, the forecast and the target list."""
    authorize(viewer.user, Action.READ)
    ctx = web_context(request)
    day, source = views.day_of(session, as_of, ctx.clock.now().date())
    cached = views.portfolio(ctx, session, day)
    report = cached.report
    shown = {
        "types": charts.pipeline_by_type(report),
        "segments": charts.accounts_by_segment(report),
        "retention": charts.retention_movement(report),
    }
    context = {"viewer": viewer, "report": report, "computed_at": cached.computed_at, "charts": shown}
    return ctx.templates.TemplateResponse(request, "portfolio.html", context | {"day": day, "day_source": source})


@router.get("/accounts/{ref}")
def account_page(request: Request, ref: str, session: DbSession, viewer: PageViewer, as_of: AsOf = None) -> Response:
    """One account: overview, health and its weekly history, whitespace, signals, recommendations, stakeholders,
    and the button that generates its brief."""
    authorize(viewer.user, Action.READ)
    ctx = web_context(request)
    day, source = views.day_of(session, as_of, ctx.clock.now().date())
    account, profile, analysis = views.account(session, ctx.settings, ref, day)
    history = views.health_history(session, ctx.settings, account.id, day) if analysis.health else None
    return ctx.templates.TemplateResponse(
        request,
        "account.html",
        {
            "viewer": viewer,
            "account": account,
            "profile": profile,
            "analysis": analysis,
            "history": history,
            "history_chart": charts.health_history(history.snapshots) if history and history.snapshots else None,
            "may_draft": may(viewer.user, Action.DRAFT, account),
            "as_of": as_of,
            "day": day,
            "day_source": source,
        },
    )
