"""The use cases behind the pages and the API, called as the CLI calls them (same store, settings and content)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from account_intel.analytics.account_analysis import AccountAnalysis, analyze_account
from account_intel.analytics.health.account import health_report
from account_intel.analytics.health.config import load_weights
from account_intel.analytics.health.models import HealthDelta, HealthSnapshotData
from account_intel.analytics.health.snapshots import list_snapshots
from account_intel.analytics.portfolio.pipeline import PortfolioReport, portfolio_report
from account_intel.clock import Clock
from account_intel.domain.tiering import Thresholds
from account_intel.queries.account_profile import AccountProfile, build_account_profile
from account_intel.runs.brief import BriefResult, run_brief
from account_intel.runs.engine import resolve_brain
from account_intel.settings import Settings
from account_intel.store.accounts import find_account
from account_intel.store.data_date import data_as_of
from account_intel.store.engine import Store
from account_intel.store.models import Account
from account_intel.web.cache import Cached
from account_intel.web.context import WebContext


def day_of(session: Session, requested: date | None, today: date) -> tuple[date, str]:
    """The day a page shows: the one asked for, else the store's data date, else today; and which it is (pages
    say it, so no page silently shows today's view of a store whose data ends elsewhere)."""
    if requested is not None:
        return requested, "the date asked for"
    recorded = data_as_of(session)
    return (recorded, "the store's data date") if recorded is not None else (today, "today")


def portfolio(ctx: WebContext, session: Session, day: date) -> Cached:
    """The portfolio scan `account-intel portfolio` prints, in one process, once per state of the store."""
    weights = load_weights(None, home=ctx.settings.home)

    def compute() -> PortfolioReport:
        return portfolio_report(
            session,
            day,
            health_config=weights,
            thresholds=Thresholds.from_settings(ctx.settings),
            url=ctx.settings.resolved_db_url,
            workers=1,
        )

    return ctx.portfolios.get(session, day, weights.digest, compute, ctx.clock.now())


def account(
    session: Session, settings: Settings, ref: str, day: date
) -> tuple[Account, AccountProfile, AccountAnalysis]:
    """One account as `accounts show` and the brief's analysis see it."""
    found = find_account(session, ref)
    profile = build_account_profile(session, found, day)
    analysis = analyze_account(
        session, found.id, day, health_config=load_weights(None, home=settings.home), home=settings.home
    )
    return found, profile, analysis


class HealthHistory(BaseModel):
    """An account's weekly health snapshots up to the day shown, and why the score moved since the latest before it."""

    weights_name: str
    snapshots: list[HealthSnapshotData] = Field(description="Oldest week first, none computed after the day shown.")
    delta: HealthDelta | None = Field(description="As `health ACCOUNT` prints it: None without an earlier snapshot.")


def health_history(session: Session, settings: Settings, account_id: str, day: date) -> HealthHistory:
    """The snapshots `health` compares with (same weight set) and its 'why it moved', read only."""
    config = load_weights(None, home=settings.home)
    report = health_report(session, account_id=account_id, as_of=day, config=config)
    stored = list_snapshots(session, account_id=account_id, weights_name=config.name)
    snapshots = [s for s in stored if s.as_of <= day]  # none computed after the day shown
    return HealthHistory(weights_name=config.name, snapshots=snapshots, delta=report.delta)


def brief(
    *,
    store: Store,
    settings: Settings,
    clock: Clock,
    account_id: str,
    day: date,
    on_node: Callable[[str], None] | None = None,
) -> BriefResult:
    """`account-intel brief ACCOUNT --brain auto`: the llm brain when settings configure a model, else the rules;
    the deliverables go where the CLI puts them (HOME/runs)."""
    return run_brief(
        store=store,
        settings=settings,
        account=account_id,
        as_of=day,
        brain=resolve_brain("auto", settings),
        out_dir=Path(settings.home).expanduser() / "runs",
        clock=clock,
        kind="brief",
        on_node=on_node,
    )
