"""The FastAPI app: pages for people (sign-in, portfolio, account) and JSON for programs (`/api/v1`).

Route handlers only read the request, call the use cases the CLI calls, and render; the rules live below them.
Every response carries a strict Content-Security-Policy (scripts and styles from this site only, no inline
script), so text from CRM data or a model is inert even if a template forgot to escape it (they all escape).
"""

from __future__ import annotations

import asyncio
import mimetypes
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from account_intel.clock import Clock, SystemClock
from account_intel.errors import DomainError
from account_intel.settings import Settings, load_settings
from account_intel.store.engine import Store
from account_intel.store.probe import Intent
from account_intel.web import filters
from account_intel.web.cache import PortfolioCache
from account_intel.web.context import STATIC, TEMPLATES, WebContext
from account_intel.web.errors import status_of
from account_intel.web.routes import api, api_approvals, api_pipeline, approvals, briefs, pages, pipeline, sign_in
from account_intel.web.security import SignInRequired

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


async def _security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Answer, then add the headers every answer carries."""
    response = await call_next(request)
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    if request.url.path.startswith(("/api/", "/sign-in")) or "text/html" in response.headers.get("content-type", ""):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def create_app(settings: Settings | None = None, *, store: Store | None = None, clock: Clock | None = None) -> FastAPI:
    """The app over the store the settings name (an existing, current one, as the CLI opens it)."""
    settings = settings or load_settings()
    if store is None:
        store = Store.open(settings.resolved_db_url, Intent.USE, busy_timeout=settings.db_busy_timeout_seconds)
    templates = Jinja2Templates(directory=str(TEMPLATES))
    filters.install(templates)
    # nosniff makes a browser refuse a script served under another type, whatever the host's MIME table says
    mimetypes.add_type("text/javascript", ".js")
    mimetypes.add_type("text/css", ".css")
    ctx = WebContext(
        store=store, settings=settings, templates=templates, clock=clock or SystemClock(), portfolios=PortfolioCache()
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await asyncio.to_thread(ctx.briefs.close)  # running briefs finish before the store closes

    app = FastAPI(
        title="account-intel",
        summary="Account intelligence: health, whitespace, expansion pipeline and gated outreach.",
        version="1",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    app.middleware("http")(_security_headers)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    app.include_router(sign_in.router)
    app.include_router(pages.router)
    app.include_router(approvals.router)
    app.include_router(briefs.router)
    app.include_router(api.router)
    app.include_router(api_approvals.router)
    app.include_router(pipeline.router)
    app.include_router(api_pipeline.router)

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(sign_in.sign_in_url(exc.next_path), status_code=303)

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        code = status_of(exc)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": str(exc)}, status_code=code)
        return templates.TemplateResponse(
            request, "error.html", {"status": code, "message": str(exc)}, status_code=code
        )

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith("/api/") or request.url.path.startswith("/static/"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return templates.TemplateResponse(
            request, "error.html", {"status": exc.status_code, "message": str(exc.detail)}, status_code=exc.status_code
        )

    return app
