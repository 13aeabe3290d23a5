"""What every request needs: the store, the settings, the templates, the clock, and the process's brief jobs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from account_intel.clock import Clock
from account_intel.settings import Settings
from account_intel.store.engine import Store
from account_intel.web.brief_jobs import BriefJobs
from account_intel.web.cache import PortfolioCache

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


@dataclass(frozen=True, slots=True)
class WebContext:
    """The app's shared state (one store and settings per process, as the CLI opens them)."""

    store: Store
    settings: Settings
    templates: Jinja2Templates
    clock: Clock
    portfolios: PortfolioCache
    briefs: BriefJobs = field(default_factory=BriefJobs)


def web_context(request: Request) -> WebContext:
    """The app's context."""
    ctx: WebContext = request.app.state.ctx
    return ctx


def db(request: Request) -> Iterator[Session]:
    """One transaction per request: it commits when the handler returns, and rolls back when it raises."""
    with web_context(request).store.transaction() as session:
        yield session
