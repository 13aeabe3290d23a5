"""A person's decision on an outbound draft and what follows it: one flow for the CLI and the web app.

The decision is recorded in its own transaction (the store says who may decide, and the database triggers are the
last line). Once it is committed, a draft written by an agent run resumes the run's paused graph thread, which
re-reads the decision from the store and delivers what was approved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from account_intel.approvals import ApprovalOutcome, decide_message, get_message
from account_intel.clock import Clock
from account_intel.domain.enums import ApprovalDecision
from account_intel.store.models import User

if TYPE_CHECKING:
    from account_intel.settings import Settings
    from account_intel.store.engine import Store


class Decided(BaseModel):
    """A recorded decision, who took it, and the paused run it resumed (when the draft came from one)."""

    outcome: ApprovalOutcome
    approver_name: str
    thread: dict[str, object] | None = Field(
        default=None, description="The resumed run: thread_id, status, delivered (message ids) and as_of."
    )


def resume_paused_thread(
    store: Store, settings: Settings, message_id: str, *, clock: Clock
) -> dict[str, object] | None:
    """A draft written by an agent run belongs to a paused graph thread: resume it now that a person decided."""
    from account_intel.deliverables.outreach import ORIGIN as AGENT_ORIGIN
    from account_intel.runs.resume import resume_after_decision

    with store.sessions() as session:
        message = get_message(session, message_id)
        thread_id = message.thread_id if message.origin == AGENT_ORIGIN else None
    if not thread_id:
        return None
    return resume_after_decision(store=store, settings=settings, thread_id=thread_id, clock=clock)


def take_decision(
    store: Store,
    settings: Settings,
    *,
    message_id: str,
    decision: ApprovalDecision,
    approver: Callable[[Session], User],
    clock: Clock,
    text: str | None = None,
    subject: str | None = None,
    note: str | None = None,
) -> Decided:
    """Approve, edit or reject a message as the user `approver` finds in the decision's transaction, at the clock's
    time (never backdated); commit; then resume the run the draft came from, if any."""
    from account_intel.tools.policy import load_policy

    with store.transaction() as session:
        user = approver(session)
        outcome = decide_message(
            session,
            message_id=message_id,
            approver=user,
            decision=decision,
            at=clock.now(),
            home=settings.home.expanduser(),
            text=text,
            subject=subject,
            note=note,
            policy=load_policy(settings.content_dir),
        )
        approver_name = user.name
    thread = resume_paused_thread(store, settings, message_id, clock=clock)
    return Decided(outcome=outcome, approver_name=approver_name, thread=thread)
