"""A decision taken from a page or the API: who may decide is checked in the request, then the CLI's flow runs."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from account_intel.approval_flow import Decided, take_decision
from account_intel.approval_inbox import ensure_may_decide
from account_intel.domain.enums import ApprovalDecision
from account_intel.errors import NotFoundError
from account_intel.store.models import User
from account_intel.web.context import web_context


def decide_as(
    request: Request,
    session: Session,
    user: User,
    message_id: str,
    decision: ApprovalDecision,
    *,
    text: str | None = None,
    subject: str | None = None,
    note: str | None = None,
) -> Decided:
    """Refuse (403) a user who may not decide on the message; else end the request's own transaction and take the
    decision as `approvals approve|edit|reject` does: at the app's clock, then resuming the paused run, if any."""
    ensure_may_decide(session, user, message_id)
    user_id = user.id
    session.commit()  # the decision and the resumed run write in transactions of their own

    def approver(decision_session: Session) -> User:
        found = decision_session.get(User, user_id)
        if found is None:
            raise NotFoundError(f"User '{user_id}' not found.")
        return found

    ctx = web_context(request)
    return take_decision(
        ctx.store,
        ctx.settings,
        message_id=message_id,
        decision=decision,
        approver=approver,
        clock=ctx.clock,
        text=text,
        subject=subject,
        note=note,
    )
