"""Briefs from the account page: start one, follow its progress (server-sent events), read and download it.

`POST /accounts/{ref}/brief` starts `account-intel brief ACCOUNT --brain auto` on a worker thread and answers at
once with the job's page; `GET /briefs/{id}/events` streams the graph's nodes as they finish, then a final `done`
(or `failed`) event with the links; `GET /briefs/{id}` shows the brief (its Markdown as escaped text) and
`GET /briefs/{id}/brief.md` downloads it. Jobs are kept in this process's memory (`web.brief_jobs`).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Header, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from account_intel.auth.permissions import Action, authorize
from account_intel.errors import NotFoundError
from account_intel.runs.brief import BriefResult
from account_intel.runs.engine import resolve_brain
from account_intel.store.accounts import find_account
from account_intel.web import views
from account_intel.web.brief_jobs import BriefJob, BriefJobs, new_job_id
from account_intel.web.context import web_context
from account_intel.web.security import DbSession, PageViewer

router = APIRouter(include_in_schema=False)
POLL_SECONDS = 0.25
KEEP_ALIVE_POLLS = 60  # a comment line after 15 s without an event, so proxies keep the stream open
RETRY_MS = 3000


def _jobs(request: Request) -> BriefJobs:
    return web_context(request).briefs


@router.post("/accounts/{ref}/brief")
def start_brief(
    request: Request,
    ref: str,
    session: DbSession,
    viewer: PageViewer,
    as_of: Annotated[date | None, Form(description="The day to brief for (YYYY-MM-DD); the page's day else.")] = None,
) -> Response:
    """Start the account's brief (drafting: any role that may draft) and go to its page."""
    ctx = web_context(request)
    account = find_account(session, ref)
    authorize(viewer.user, Action.DRAFT, account)
    day, source = views.day_of(session, as_of, ctx.clock.now().date())
    job = BriefJob(
        id=new_job_id(),
        account_id=account.id,
        account_name=account.name,
        as_of=day,
        as_of_source=source,
        brain=resolve_brain("auto", ctx.settings),
        started_by=viewer.user.name,
        started_at=ctx.clock.now(),
    )

    def run(on_node: Callable[[str], None]) -> BriefResult:
        return views.brief(
            store=ctx.store, settings=ctx.settings, clock=ctx.clock, account_id=job.account_id, day=day,
            on_node=on_node,
        )  # fmt: skip

    started = _jobs(request).start(job, run)
    return RedirectResponse(started.url, status_code=303)


@router.get("/briefs/{job_id}")
def brief_page(request: Request, job_id: str, viewer: PageViewer) -> Response:
    """The brief: its progress while it runs, then its Markdown (escaped), when it was computed and the download."""
    authorize(viewer.user, Action.READ)
    job = _jobs(request).get(job_id)
    ctx = web_context(request)
    return ctx.templates.TemplateResponse(
        request,
        "brief.html",
        {"viewer": viewer, "job": job, "result": job.result, "day": job.as_of, "day_source": job.as_of_source},
    )


async def _stream(jobs: BriefJobs, job: BriefJob, after: int) -> AsyncIterator[str]:
    yield f"retry: {RETRY_MS}\n\n"
    quiet = 0
    while True:
        events = jobs.events_after(job, after)
        for event in events:
            yield event.sse()
            after = event.id
        if job.finished and not jobs.events_after(job, after):
            return
        quiet = 0 if events else quiet + 1
        if quiet >= KEEP_ALIVE_POLLS:
            quiet = 0
            yield ": still working\n\n"
        await asyncio.sleep(POLL_SECONDS)


@router.get("/briefs/{job_id}/events")
def brief_events(
    request: Request,
    job_id: str,
    viewer: PageViewer,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> Response:
    """The job's events as text/event-stream, from the start or after `Last-Event-ID` (a reconnecting browser);
    the stream ends after the final event."""
    authorize(viewer.user, Action.READ)
    jobs = _jobs(request)
    job = jobs.get(job_id)
    after = int(last_event_id) if last_event_id and last_event_id.strip().isdigit() else 0
    return StreamingResponse(
        _stream(jobs, job, after),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get("/briefs/{job_id}/brief.md")
def brief_markdown(request: Request, job_id: str, viewer: PageViewer) -> Response:
    """The brief's Markdown, as a download."""
    authorize(viewer.user, Action.READ)
    job = _jobs(request).get(job_id)
    if job.result is None or not job.result.markdown:
        raise NotFoundError(f"The brief of {job.account_name} has no Markdown yet: wait for it on {job.url}.")
    name = re.sub(r"[^A-Za-z0-9._-]", "_", f"brief_{job.account_id}_{job.as_of.isoformat()}.md")
    return Response(
        job.result.markdown,
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
