"""The pages people work in: the portfolio and an account."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from account_intel.auth.permissions import Action, authorize
from account_intel.web import views
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
    context = {"viewer": viewer, "report": cached.report, "computed_at": cached.computed_at}
    return ctx.templates.TemplateResponse(request, "portfolio.html", context | {"day": day, "day_source": source})


@router.get("/accounts/{ref}")
def account_page(request: Request, ref: str, session: DbSession, viewer: PageViewer, as_of: AsOf = None) -> Response:
    """One account: overview, health, whitespace, signals, recommendations and stakeholders."""
    authorize(viewer.user, Action.READ)
    ctx = web_context(request)
    day, source = views.day_of(session, as_of, ctx.clock.now().date())
    account, profile, analysis = views.account(session, ctx.settings, ref, day)
    return ctx.templates.TemplateResponse(
        request,
        "account.html",
        {
            "viewer": viewer,
            "account": account,
            "profile": profile,
            "analysis": analysis,
            "day": day,
            "day_source": source,
        },
    )
