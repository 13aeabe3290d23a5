"""The approval inbox: what waits for a person's decision, what was decided, and one message as its approver sees it.

The pending messages are `approvals list`'s (drafts and approved messages not yet sent), split by who may decide:
the store's own rule (`store.outbound.decision_refusal`, the permission table plus every recipient's account) says
whether this user may. A message's page adds what the approver needs: every recipient with its account and why it
is gated, the evidence the draft cites, its events, and, after an edit, the change line by line.
"""

from __future__ import annotations

import difflib
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from account_intel.analytics.evidence import evidence_names, resolves
from account_intel.approvals import MessageView, get_message, list_pending, message_view, recipient_views
from account_intel.auth.permissions import ALLOWED, Action, authorize
from account_intel.domain.enums import ApprovalDecision, MessageStatus, RecipientKind
from account_intel.errors import PermissionDenied
from account_intel.queries.names import account_names, user_names
from account_intel.store.models import (
    Account,
    AgentRun,
    Contact,
    Event,
    MessageApproval,
    Opportunity,
    OutboundMessage,
    User,
)
from account_intel.store.outbound import decision_refusal
from account_intel.tools.policy import OutboundPolicy, recipient_gate_reasons

HISTORY_LIMIT = 50


class RecipientGate(BaseModel):
    """One recipient: who it is, which account it belongs to, and whether (and why) it needs a person's approval."""

    kind: RecipientKind
    address: str
    name: str | None = Field(default=None, description="The contact's name, when the address is a contact's.")
    contact_id: str | None = None
    account_id: str | None = Field(default=None, description="The contact's account.")
    account_name: str | None = None
    gated: bool
    reasons: list[str] = Field(default_factory=list, description="Why this recipient needs approval.")


class CitedEvidence(BaseModel):
    """An evidence id the draft cites: what it names, and whether the store still has the row it points to."""

    id: str
    names: str | None = Field(default=None, description="What the id names, where it names something with a name.")
    found: bool


class MessageEventView(BaseModel):
    """One event of a message's history, in words."""

    kind: str
    at: datetime
    actor: str | None = Field(default=None, description="The person's name, else the actor as recorded.")
    summary: str


class DiffLine(BaseModel):
    """One line of a before/after comparison."""

    change: Literal["added", "removed", "same"]
    text: str


class TextChange(BaseModel):
    """A part of the message an edit changed, before and after, line by line."""

    part: Literal["subject", "body"]
    before: str
    after: str
    lines: list[DiffLine]


class MessageDetail(BaseModel):
    """One message as its approver sees it, and whether this user may decide on it."""

    message: MessageView
    recipients: list[RecipientGate]
    evidence: list[CitedEvidence]
    events: list[MessageEventView]
    changes: list[TextChange] = Field(default_factory=list, description="What an edit changed (empty otherwise).")
    open: bool = Field(description="True while the message is a draft that takes a decision.")
    may_decide: bool = Field(description="True when it is open and this user may approve, edit or reject it.")
    why_not: str | None = Field(default=None, description="Why this user may not decide on it, when they may not.")
    run_status: str | None = Field(default=None, description="The status of the run that drafted it, if any.")


class DecisionRow(BaseModel):
    """One recorded decision: who decided what about which message, when, and why."""

    message_id: str
    account_id: str
    account_name: str
    subject: str
    decision: ApprovalDecision
    approver_id: str
    approver_name: str | None = None
    decided_at: datetime
    edited: bool
    note: str | None = None


class Inbox(BaseModel):
    """What waits for this user's decision, what waits for someone else, and the latest decisions."""

    decides: bool = Field(description="Whether the user's role decides on outreach at all.")
    waiting_for_you: list[MessageView]
    waiting_for_others: list[MessageView] = Field(description="Drafts only another person may decide on.")
    approved_unsent: list[MessageView] = Field(description="Approved messages not sent yet.")
    history: list[DecisionRow]


def role_decides(user: User) -> bool:
    """Whether the user's role approves, edits and rejects outreach at all (the AE on their own accounts)."""
    return user.active and Action.DECIDE in ALLOWED.get(user.role, frozenset())


def decision_history(session: Session, *, limit: int = HISTORY_LIMIT) -> list[DecisionRow]:
    """The latest decisions, newest first."""
    stmt = (
        select(MessageApproval, OutboundMessage)
        .join(OutboundMessage, OutboundMessage.id == MessageApproval.message_id)
        .order_by(MessageApproval.decided_at.desc(), MessageApproval.id.desc())
        .limit(limit)
    )
    rows = session.execute(stmt).all()
    approvers = user_names(session, ids=[d.approver_id for d, _ in rows])
    accounts = account_names(session, ids=[m.account_id for _, m in rows])
    return [
        DecisionRow(
            message_id=m.id,
            account_id=m.account_id,
            account_name=accounts.get(m.account_id, m.account_id),
            subject=m.subject,
            decision=d.decision,
            approver_id=d.approver_id,
            approver_name=approvers.get(d.approver_id),
            decided_at=d.decided_at,
            edited=d.text_before != d.final_text or d.decision == ApprovalDecision.EDITED,
            note=d.note,
        )
        for d, m in rows
    ]


def _decides(session: Session, user: User, view: MessageView) -> bool:
    """A draft this user may decide on (the store's rule, every recipient's account included)."""
    if view.status != MessageStatus.DRAFT:
        return False
    return decision_refusal(session, user=user, message=get_message(session, view.id)) is None


def inbox(session: Session, user: User, policy: OutboundPolicy, *, history_limit: int = HISTORY_LIMIT) -> Inbox:
    """`approvals list`'s messages, split by whether this user may decide on them, and the latest decisions."""
    pending = list_pending(session, policy=policy)
    mine = [view for view in pending if _decides(session, user, view)]
    chosen = {view.id for view in mine}
    return Inbox(
        decides=role_decides(user),
        waiting_for_you=mine,
        waiting_for_others=[v for v in pending if v.status == MessageStatus.DRAFT and v.id not in chosen],
        approved_unsent=[v for v in pending if v.status != MessageStatus.DRAFT],
        history=decision_history(session, limit=history_limit),
    )


def waiting_for(session: Session, user: User, policy: OutboundPolicy) -> list[MessageView]:
    """The drafts this user may decide on, oldest first (the first part of the inbox)."""
    return [view for view in list_pending(session, policy=policy) if _decides(session, user, view)]


def ensure_may_decide(session: Session, user: User, message_id: str) -> None:
    """Refuse (PermissionDenied) unless this user may decide on the message: the permission table first, then the
    store's rule for every recipient's account. The store and the database check again when the decision is
    written."""
    message = get_message(session, message_id)
    authorize(user, Action.DECIDE, session.get(Account, message.account_id))
    refusal = decision_refusal(session, user=user, message=message)
    if refusal is not None:
        raise PermissionDenied(refusal)


def text_diff(before: str, after: str) -> list[DiffLine]:
    """The lines of `before` and `after`, each marked same, removed or added (difflib's matching)."""
    old, new = before.splitlines(), after.splitlines()
    lines: list[DiffLine] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op == "equal":
            lines += [DiffLine(change="same", text=t) for t in old[i1:i2]]
            continue
        lines += [DiffLine(change="removed", text=t) for t in old[i1:i2]]
        lines += [DiffLine(change="added", text=t) for t in new[j1:j2]]
    return lines


def _recipients(session: Session, message: OutboundMessage, policy: OutboundPolicy) -> list[RecipientGate]:
    reasons = recipient_gate_reasons(session, message, policy)
    views = recipient_views(session, message)
    owners = dict(
        session.execute(
            select(Contact.id, Contact.account_id).where(Contact.id.in_([v.contact_id for v in views if v.contact_id]))
        ).all()
    )
    names = account_names(session, ids=owners.values())
    out = []
    for view in views:
        account_id = owners.get(view.contact_id or "")
        why = reasons.get(view.address, [])
        out.append(
            RecipientGate(
                kind=view.kind,
                address=view.address,
                name=view.name,
                contact_id=view.contact_id,
                account_id=account_id,
                account_name=names.get(account_id or ""),
                gated=bool(why),
                reasons=why,
            )
        )
    return out


def _events(session: Session, message: OutboundMessage) -> list[Event]:
    stmt = select(Event).where(Event.entity_type == "message", Event.entity_id == message.id).order_by(Event.id)
    return list(session.scalars(stmt))


def _cited(session: Session, message: OutboundMessage, events: list[Event]) -> list[CitedEvidence]:
    """The evidence ids the draft recorded when it was written, and its opportunity's evidence."""
    ids: list[str] = []
    for event in events:
        if event.kind == "message.drafted":
            ids += [str(i) for i in event.payload.get("evidence_ids") or []]
    opportunity = session.get(Opportunity, message.opportunity_id) if message.opportunity_id else None
    if opportunity is not None:
        ids += [str(e.get("id")) for e in opportunity.evidence or [] if isinstance(e, dict) and e.get("id")]
    ids = list(dict.fromkeys(ids))
    names = evidence_names(session, ids)
    return [CitedEvidence(id=i, names=names.get(i), found=resolves(session, i)) for i in ids]


def _summary(event: Event) -> str:
    payload = event.payload or {}
    note = f": {payload['note']}" if payload.get("note") else ""
    if event.kind == "message.drafted":
        purpose = f" ({str(payload['purpose']).replace('_', ' ')})" if payload.get("purpose") else ""
        return f"drafted{purpose}, to {payload.get('to') or 'no recipient'}"
    if event.kind == "message.approved":
        return ("approved with edits" if payload.get("edited") or payload.get("final_subject") else "approved") + note
    if event.kind == "message.rejected":
        return "rejected" + note
    if event.kind == "message.sent":
        return f"sent to {payload.get('to')}"
    if event.kind == "message.delivered":
        return f"delivered to {payload.get('to')}"
    if event.kind == "message.delivery_failed":
        return f"delivery failed: {payload.get('error')}"
    return event.kind.removeprefix("message.").replace("_", " ")


def _changes(session: Session, message: OutboundMessage, events: list[Event]) -> list[TextChange]:
    """What the edit changed: the subject (from the decision's event) and the body (from the decision)."""
    decision = session.scalars(
        select(MessageApproval).where(MessageApproval.message_id == message.id).order_by(MessageApproval.id).limit(1)
    ).first()
    if decision is None or decision.decision != ApprovalDecision.EDITED:
        return []
    changes = []
    approved = next((e for e in events if e.kind == "message.approved"), None)
    payload = approved.payload if approved is not None else {}
    if payload.get("final_subject") is not None and payload.get("subject_before") is not None:
        before, after = str(payload["subject_before"]), str(payload["final_subject"])
        changes.append(TextChange(part="subject", before=before, after=after, lines=text_diff(before, after)))
    if decision.text_before != decision.final_text:
        changes.append(
            TextChange(
                part="body",
                before=decision.text_before,
                after=decision.final_text,
                lines=text_diff(decision.text_before, decision.final_text),
            )
        )
    return changes


def message_detail(session: Session, message_id: str, user: User, policy: OutboundPolicy) -> MessageDetail:
    """One message as its approver sees it: recipients, gate, evidence, history, the edit's change, and whether
    this user may decide on it."""
    message = get_message(session, message_id)
    view = message_view(session, message, policy)
    events = _events(session, message)
    actors = user_names(session, ids=[e.actor for e in events])
    is_open = message.status == MessageStatus.DRAFT
    why_not = decision_refusal(session, user=user, message=message) if is_open else None
    run = session.get(AgentRun, message.thread_id) if message.thread_id else None
    return MessageDetail(
        message=view,
        recipients=_recipients(session, message, policy),
        evidence=_cited(session, message, events),
        events=[
            MessageEventView(
                kind=e.kind, at=e.occurred_at, actor=actors.get(e.actor or "", e.actor), summary=_summary(e)
            )
            for e in events
        ],
        changes=_changes(session, message, events),
        open=is_open,
        may_decide=is_open and why_not is None,
        why_not=why_not,
        run_status=run.status if run is not None else None,
    )
