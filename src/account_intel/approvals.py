"""Human decisions on outbound drafts (approve, edit, reject) and what follows an approval.

The store's `decide` records the decision and enforces who may decide (the account's AE or a manager).
After an approval, the message is handed to the handler of its origin: a proposal message is sent and its
post-send effects run. Other origins (agent-graph threads, later) register their handler in `AFTER_APPROVAL`;
a message whose origin has no handler stays approved until its origin sends it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from account_intel.domain.enums import ApprovalDecision, MessageStatus, RecipientKind, Tier
from account_intel.errors import NotFoundError
from account_intel.queries.names import contact_names, user_names
from account_intel.store.models import Account, MessageApproval, OutboundMessage, User
from account_intel.store.outbound import PROPOSAL_ORIGIN, decide, proposal_link
from account_intel.store.recipients import check_recipients, recorded_recipients
from account_intel.tools.policy import OutboundPolicy, gate_reasons, load_policy

AfterApproval = Callable[..., BaseModel]
"""(session, *, message, at, actor, home) -> an outcome model; runs after an approving decision."""


def _send_proposal(session: Session, **kwargs: Any) -> BaseModel:
    """Send an approved proposal message; the sending machinery (templates, mail, PDF) is loaded only then."""
    from account_intel.pipeline.sending import complete_send

    return complete_send(session, **kwargs)


AFTER_APPROVAL: dict[str, AfterApproval] = {PROPOSAL_ORIGIN: _send_proposal}


class DecisionView(BaseModel):
    """A recorded decision on a message."""

    approver_id: str
    approver_name: str | None = Field(default=None, description="The approver's name, shown instead of the id.")
    decision: ApprovalDecision
    decided_at: datetime
    edited: bool
    note: str | None = None
    content_hash: str | None = Field(default=None, description="sha256 of what the decision covers.")


class RecipientView(BaseModel):
    """One recipient of a message, with the contact it is when the address is a contact's."""

    kind: RecipientKind
    address: str
    name: str | None = Field(default=None, description="The contact's name, when the address is a contact's.")
    contact_id: str | None = None

    def label(self) -> str:
        """'Sofia Patel <spatel@example.com>', or the address alone."""
        return f"{self.name} <{self.address}>" if self.name else self.address


class MessageView(BaseModel):
    """An outbound message with every recipient, why it needs approval and the decisions so far."""

    id: str
    account_id: str
    account_name: str
    account_tier: Tier
    to: str
    to_name: str | None = Field(default=None, description="The contact's name, when the message is to a contact.")
    cc: str | None = None
    bcc: str | None = None
    recipients: list[RecipientView] = Field(
        default_factory=list, description="Every recipient (To, Cc, Bcc), as the gate judges them."
    )
    subject: str
    body: str
    status: MessageStatus
    origin: str
    opportunity_id: str | None = None
    proposal_id: str | None = None
    created_by: str | None = None
    created_at: datetime
    sent_at: datetime | None = None
    gate_reasons: list[str] = Field(default_factory=list)
    decisions: list[DecisionView] = Field(default_factory=list)


class ApprovalOutcome(BaseModel):
    """The decision taken and, after an approval, what the message's origin did with it."""

    message: MessageView
    decision: ApprovalDecision
    sent: bool
    result: dict[str, object] | None = Field(default=None, description="The origin handler's outcome.")


def get_message(session: Session, message_id: str) -> OutboundMessage:
    """A message by id."""
    message = session.get(OutboundMessage, message_id.strip()) or session.get(OutboundMessage, message_id.upper())
    if message is None:
        raise NotFoundError(f"Message '{message_id}' not found. `account-intel approvals list` shows pending ones.")
    return message


def recipient_views(session: Session, message: OutboundMessage) -> list[RecipientView]:
    """Every recipient of a message, named when the address is a contact's (the contact on record first)."""
    check = check_recipients(session, message)
    on_record = {row.address: row.contact_id for row in recorded_recipients(session, message.id)}
    views = []
    for recipient in check.recipients:
        matches = check.by_address.get(recipient.address, [])
        contact_id = on_record.get(recipient.address) or (matches[0].id if matches else None)
        views.append(RecipientView(kind=recipient.kind, address=recipient.address, contact_id=contact_id))
    names = contact_names(session, ids=[v.contact_id for v in views])
    for view in views:
        view.name = names.get(view.contact_id or "")
    return views


def message_view(session: Session, message: OutboundMessage, policy: OutboundPolicy | None = None) -> MessageView:
    """The view of one message."""
    account = session.get(Account, message.account_id)
    assert account is not None
    link = proposal_link(session, message.id)
    decisions = list(
        session.scalars(
            select(MessageApproval).where(MessageApproval.message_id == message.id).order_by(MessageApproval.id)
        )
    )
    approvers = user_names(session, ids=[d.approver_id for d in decisions])
    return MessageView(
        id=message.id,
        account_id=account.id,
        account_name=account.name,
        account_tier=account.tier,
        to=message.to_address,
        to_name=contact_names(session, ids=[message.contact_id]).get(message.contact_id or ""),
        cc=message.cc,
        bcc=message.bcc,
        recipients=recipient_views(session, message),
        subject=message.subject,
        body=message.body,
        status=message.status,
        origin=message.origin,
        opportunity_id=message.opportunity_id,
        proposal_id=link.proposal_id if link else None,
        created_by=message.created_by,
        created_at=message.created_at,
        sent_at=message.sent_at,
        gate_reasons=gate_reasons(session, message, policy or load_policy())
        if message.status != MessageStatus.SENT
        else [],
        decisions=[
            DecisionView(
                approver_id=d.approver_id,
                approver_name=approvers.get(d.approver_id),
                decision=d.decision,
                decided_at=d.decided_at,
                edited=d.text_before != d.final_text,
                note=d.note,
                content_hash=d.content_hash,
            )
            for d in decisions
        ],
    )


def list_pending(
    session: Session, *, account_id: str | None = None, policy: OutboundPolicy | None = None
) -> list[MessageView]:
    """Messages not yet sent or rejected (drafts and approved ones), oldest first."""
    stmt = select(OutboundMessage).where(OutboundMessage.status.in_([MessageStatus.DRAFT, MessageStatus.APPROVED]))
    if account_id is not None:
        stmt = stmt.where(OutboundMessage.account_id == account_id)
    rows = session.scalars(stmt.order_by(OutboundMessage.created_at, OutboundMessage.id))
    return [message_view(session, m, policy) for m in rows]


def _after(
    session: Session, message: OutboundMessage, *, at: datetime, actor: str, home: Path
) -> dict[str, object] | None:
    handler = AFTER_APPROVAL.get(message.origin)
    if handler is None:
        return None
    return handler(session, message=message, at=at, actor=actor, home=home).model_dump(mode="json")


def decide_message(
    session: Session,
    *,
    message_id: str,
    approver: User,
    decision: ApprovalDecision,
    at: datetime,
    home: Path,
    text: str | None = None,
    note: str | None = None,
    policy: OutboundPolicy | None = None,
    subject: str | None = None,
) -> ApprovalOutcome:
    """Approve, edit (approve a new text, and optionally a new subject) or reject a message as the authenticated
    `approver`, at the server's time `at`; an approval hands the message to its origin's handler."""
    message = get_message(session, message_id)
    user = approver
    decide(
        session,
        message=message,
        approver_id=user.id,
        decision=decision,
        at=at,
        final_text=text,
        note=note,
        final_subject=subject,
    )
    result = None
    if decision != ApprovalDecision.REJECTED:
        result = _after(session, message, at=at, actor=user.id, home=home)
    return ApprovalOutcome(
        message=message_view(session, message, policy),
        decision=decision,
        sent=message.status == MessageStatus.SENT,
        result=result,
    )
