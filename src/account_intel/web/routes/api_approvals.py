"""The approval actions in the JSON API (/api/v1/approvals): what waits for the token's user, one message, and
approve, edit and reject, through the CLI's decision flow and permission table. Sending is not here: delivery stays
`account-intel approvals send` (a run that drafted the message delivers it when it resumes)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field, StringConstraints

from account_intel import approval_inbox
from account_intel.approval_flow import Decided
from account_intel.approval_inbox import MessageDetail
from account_intel.approvals import MessageView
from account_intel.auth.permissions import Action, authorize
from account_intel.domain.enums import ApprovalDecision
from account_intel.tools.policy import load_policy
from account_intel.web.context import web_context
from account_intel.web.deciding import decide_as
from account_intel.web.security import ApiUser, DbSession

router = APIRouter(prefix="/api/v1", tags=["approvals"])

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class ApprovalPage(BaseModel):
    """One page of the drafts waiting for this user's decision, oldest first."""

    items: list[MessageView]
    total: int
    offset: int
    limit: int
    next_offset: int | None = Field(description="Pass as ?offset= for the next page; null on the last page.")


class ApproveIn(BaseModel):
    """Approve the draft as it is."""

    note: Note | None = Field(default=None, description="Why, kept with the decision.")


class EditIn(BaseModel):
    """Approve the draft with a new body and, optionally, a new subject."""

    body: Text = Field(description="The new body: what is sent.")
    subject: Line | None = Field(default=None, description="The new subject; the draft's own when left out.")
    note: Note | None = None


class RejectIn(BaseModel):
    """Reject the draft; a reason is required and kept with the decision."""

    reason: Reason = Field(description="Why it must not be sent.")


@router.get("/approvals", response_model=ApprovalPage)
def pending(
    request: Request,
    session: DbSession,
    user: ApiUser,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> ApprovalPage:
    """The drafts the token's user may decide on (as `approvals list` selects pending messages), a page at a time."""
    authorize(user, Action.READ)
    rows = approval_inbox.waiting_for(session, user, load_policy(web_context(request).settings.content_dir))
    following = offset + limit if offset + limit < len(rows) else None
    return ApprovalPage(
        items=rows[offset : offset + limit], total=len(rows), offset=offset, limit=limit, next_offset=following
    )


@router.get("/approvals/{message_id}", response_model=MessageDetail)
def message(request: Request, message_id: str, session: DbSession, user: ApiUser) -> MessageDetail:
    """One message: recipients and why each is gated, the gate's reasons, cited evidence, events, the edit's diff,
    and whether the token's user may decide on it."""
    authorize(user, Action.READ)
    policy = load_policy(web_context(request).settings.content_dir)
    return approval_inbox.message_detail(session, message_id, user, policy)


@router.post("/approvals/{message_id}/approve", response_model=Decided)
def approve(
    request: Request, message_id: str, session: DbSession, user: ApiUser, data: ApproveIn | None = None
) -> Decided:
    """Approve the draft as it is; a run that drafted it resumes and delivers it."""
    note = data.note if data and data.note else None
    return decide_as(request, session, user, message_id, ApprovalDecision.APPROVED, note=note)


@router.post("/approvals/{message_id}/edit", response_model=Decided)
def edit(request: Request, message_id: str, session: DbSession, user: ApiUser, data: EditIn) -> Decided:
    """Approve the draft with a new body (and subject); the edited text is what is sent."""
    return decide_as(
        request,
        session,
        user,
        message_id,
        ApprovalDecision.EDITED,
        text=data.body,
        subject=data.subject,
        note=data.note or None,
    )


@router.post("/approvals/{message_id}/reject", response_model=Decided)
def reject(request: Request, message_id: str, session: DbSession, user: ApiUser, data: RejectIn) -> Decided:
    """Reject the draft with a reason; it is never sent."""
    return decide_as(request, session, user, message_id, ApprovalDecision.REJECTED, note=data.reason)
