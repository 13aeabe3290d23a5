"""The approval inbox: what waits for a decision, one message with its recipients, gate and evidence, and the
approve, edit and reject forms. A decision is `approvals approve|edit|reject`'s flow (`approval_flow`): recorded at
the server's time, then the paused run that drafted the message resumes. Sending stays `approvals send`."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from account_intel import approval_inbox
from account_intel.auth.permissions import Action, authorize
from account_intel.domain.enums import ApprovalDecision
from account_intel.tools.policy import load_policy
from account_intel.web import views
from account_intel.web.context import web_context
from account_intel.web.deciding import decide_as
from account_intel.web.security import DbSession, PageViewer, Viewer

router = APIRouter(include_in_schema=False)
NoteField = Annotated[str, Form(max_length=2000)]
Done = Annotated[ApprovalDecision | None, Query(description="The decision just taken, to say so on the page.")]


@router.get("/approvals")
def inbox_page(request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """What waits for my decision, what waits for someone else, approved messages not sent yet, and decisions."""
    authorize(viewer.user, Action.READ)
    ctx = web_context(request)
    day, source = views.day_of(session, None, ctx.clock.now().date())
    found = approval_inbox.inbox(session, viewer.user, load_policy(ctx.settings.content_dir))
    return ctx.templates.TemplateResponse(
        request, "approvals.html", {"viewer": viewer, "inbox": found, "day": day, "day_source": source}
    )


def _message_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    message_id: str,
    *,
    done: ApprovalDecision | None = None,
    error: str | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    authorize(viewer.user, Action.READ)
    ctx = web_context(request)
    day, source = views.day_of(session, None, ctx.clock.now().date())
    detail = approval_inbox.message_detail(session, message_id, viewer.user, load_policy(ctx.settings.content_dir))
    return ctx.templates.TemplateResponse(
        request,
        "approval.html",
        {
            "viewer": viewer,
            "detail": detail,
            "m": detail.message,
            "done": done,
            "error": error,
            "typed": typed or {},
            "day": day,
            "day_source": source,
        },
        status_code=status_code,
    )


@router.get("/approvals/{message_id}")
def message_page(
    request: Request, message_id: str, session: DbSession, viewer: PageViewer, done: Done = None
) -> Response:
    """One message: every recipient and why it is gated, the evidence it cites, its history, and the decision forms
    for a user who may decide on it."""
    return _message_page(request, session, viewer, message_id, done=done)


def _decide(
    request: Request,
    session: Session,
    viewer: Viewer,
    message_id: str,
    decision: ApprovalDecision,
    *,
    text: str | None = None,
    subject: str | None = None,
    note: str | None = None,
) -> Response:
    """Take the decision as the CLI does, and go back to the message page saying what was done."""
    done = decide_as(request, session, viewer.user, message_id, decision, text=text, subject=subject, note=note)
    target = f"/approvals/{quote(done.outcome.message.id, safe='')}?done={done.outcome.decision.value}"
    return RedirectResponse(target, status_code=303)


@router.post("/approvals/{message_id}/approve")
def approve(
    request: Request, message_id: str, session: DbSession, viewer: PageViewer, note: NoteField = ""
) -> Response:
    """Approve the draft as it is."""
    return _decide(request, session, viewer, message_id, ApprovalDecision.APPROVED, note=note.strip() or None)


@router.post("/approvals/{message_id}/edit")
def edit(
    request: Request,
    message_id: str,
    session: DbSession,
    viewer: PageViewer,
    body: Annotated[str, Form(max_length=20000)] = "",
    subject: Annotated[str, Form(max_length=1000)] = "",
    note: NoteField = "",
) -> Response:
    """Approve the draft with a new body (and subject); the page then shows what changed."""
    if not body.strip() or not subject.strip():
        field = "body" if not body.strip() else "subject"
        approval_inbox.ensure_may_decide(session, viewer.user, message_id)
        return _message_page(
            request,
            session,
            viewer,
            message_id,
            error=f"{field}: an edited message needs a {field}; nothing was decided.",
            typed={"body": body, "subject": subject, "note": note},
            status_code=422,
        )
    return _decide(
        request,
        session,
        viewer,
        message_id,
        ApprovalDecision.EDITED,
        text=body,
        subject=subject,
        note=note.strip() or None,
    )


@router.post("/approvals/{message_id}/reject")
def reject(
    request: Request, message_id: str, session: DbSession, viewer: PageViewer, reason: NoteField = ""
) -> Response:
    """Reject the draft with a reason; it is never sent."""
    if not reason.strip():
        approval_inbox.ensure_may_decide(session, viewer.user, message_id)
        return _message_page(
            request,
            session,
            viewer,
            message_id,
            error="reason: a rejection needs a reason, kept with the decision; nothing was decided.",
            status_code=422,
        )
    return _decide(request, session, viewer, message_id, ApprovalDecision.REJECTED, note=reason.strip())
