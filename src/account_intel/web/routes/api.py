"""The JSON API under /api/v1: the CLI's reads, with bearer-token auth and the same permission table."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from account_intel.analytics.account_analysis import AccountAnalysis
from account_intel.analytics.portfolio.pipeline import PortfolioReport
from account_intel.auth.permissions import Action, authorize
from account_intel.domain.enums import UserRole
from account_intel.queries.account_list import AccountRow, list_accounts
from account_intel.queries.account_profile import AccountProfile
from account_intel.web import views
from account_intel.web.context import web_context
from account_intel.web.security import ApiUser, DbSession

router = APIRouter(prefix="/api/v1", tags=["v1"])
AsOf = Annotated[date | None, Query(description="The day (YYYY-MM-DD); default: the store's data date, else today.")]


class Me(BaseModel):
    """Who the token proves."""

    id: str
    name: str
    email: str
    role: UserRole


class AccountPage(BaseModel):
    """One page of the account list: `items`, how many there are in all, and where the next page starts."""

    items: list[AccountRow]
    total: int
    offset: int
    limit: int
    next_offset: int | None = Field(description="Pass as ?offset= for the next page; null on the last page.")


class Dated(BaseModel):
    """A figure of one day, and which day that is."""

    as_of: date
    as_of_source: str = Field(description="the date asked for, the store's data date, or today")


class AccountOut(Dated):
    """An account's profile (as `accounts show --json`)."""

    profile: AccountProfile


class AnalysisOut(Dated):
    """An account's analysis: health, signals, whitespace, ranked recommendations (as the brief computes them)."""

    analysis: AccountAnalysis


class PortfolioOut(Dated):
    """The portfolio scan (as `portfolio --json`), and when it was computed (it is kept until the store changes)."""

    computed_at: datetime
    report: PortfolioReport


@router.get("/me", response_model=Me)
def me(user: ApiUser) -> Me:
    """The user the token belongs to."""
    return Me(id=user.id, name=user.name, email=user.email, role=user.role)


@router.get("/accounts", response_model=AccountPage)
def accounts(
    session: DbSession,
    user: ApiUser,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AccountPage:
    """Every account, a page at a time, largest ARR first (as `accounts list`)."""
    authorize(user, Action.READ)
    rows = list_accounts(session)
    page = rows[offset : offset + limit]
    following = offset + limit if offset + limit < len(rows) else None
    return AccountPage(items=page, total=len(rows), offset=offset, limit=limit, next_offset=following)


@router.get("/accounts/{ref}", response_model=AccountOut)
def account(request: Request, ref: str, session: DbSession, user: ApiUser, as_of: AsOf = None) -> AccountOut:
    """One account's profile: contract, departments, usage, adoption, tickets, contacts, opportunities, events."""
    authorize(user, Action.READ)
    day, source = views.day_of(session, as_of, web_context(request).clock.now().date())
    _, profile, _ = views.account(session, web_context(request).settings, ref, day)
    return AccountOut(as_of=day, as_of_source=source, profile=profile)


@router.get("/accounts/{ref}/analysis", response_model=AnalysisOut)
def analysis(request: Request, ref: str, session: DbSession, user: ApiUser, as_of: AsOf = None) -> AnalysisOut:
    """One account's health, signals, whitespace map and ranked recommendations."""
    authorize(user, Action.READ)
    day, source = views.day_of(session, as_of, web_context(request).clock.now().date())
    _, _, result = views.account(session, web_context(request).settings, ref, day)
    return AnalysisOut(as_of=day, as_of_source=source, analysis=result)


@router.get("/portfolio", response_model=PortfolioOut)
def portfolio(request: Request, session: DbSession, user: ApiUser, as_of: AsOf = None) -> PortfolioOut:
    """The portfolio scan: pipeline by priority, type and segment, the forecast and the target list."""
    authorize(user, Action.READ)
    ctx = web_context(request)
    day, source = views.day_of(session, as_of, ctx.clock.now().date())
    cached = views.portfolio(ctx, session, day)
    return PortfolioOut(as_of=day, as_of_source=source, computed_at=cached.computed_at, report=cached.report)
