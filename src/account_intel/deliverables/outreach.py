"""Outreach drafts of a graph thread: put them in the store once, gate them by policy, deliver the released ones."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from account_intel.agents.schemas import OpportunityFindings, OutreachDraft
from account_intel.delivery import Delivery, deliver_message, sender_of
from account_intel.domain.enums import MessageStatus
from account_intel.errors import DeliveryError
from account_intel.graph.context import GraphContext
from account_intel.settings import Settings
from account_intel.store.engine import Store
from account_intel.store.models import OutboundMessage
from account_intel.store.outbound import AlreadySentError, draft_message, mark_sent, record_message_event
from account_intel.tools.policy import OutboundPolicy

ORIGIN = "agent"


def _gate(ctx: GraphContext, session: Any, message: OutboundMessage) -> list[str]:
    from account_intel.tools.policy import gate_reasons, load_policy

    return gate_reasons(session, message, load_policy(ctx.settings.content_dir))


def _view(message: OutboundMessage, reasons: list[str], draft: OutreachDraft | None) -> dict[str, Any]:
    return {
        "message_id": message.id,
        "contact_id": message.contact_id,
        "to": message.to_address,
        "subject": message.subject,
        "body": message.body,
        "status": message.status.value,
        "gated": bool(reasons),
        "reasons": reasons,
        "purpose": draft.purpose if draft else None,
        "evidence_ids": draft.evidence_ids if draft else [],
        "language": draft.language if draft else None,
        "note": draft.note if draft else None,
    }


def draft_key(thread_id: str, contact_id: str, purpose: str) -> str:
    """The unique key of an agent's draft: one per thread, contact and purpose."""
    return f"{thread_id}|{contact_id}|{purpose}"


def draft_outreach(ctx: GraphContext, state: dict[str, Any]) -> list[dict[str, Any]]:
    """Create the thread's drafts (once per thread, contact and purpose: a unique key) and say which are gated."""
    findings = OpportunityFindings.model_validate(state["findings"]) if state.get("findings") else None
    thread = state["thread_id"]
    at = ctx.clock.now()
    with ctx.store.transaction() as session:
        mine = list(session.scalars(select(OutboundMessage).where(OutboundMessage.thread_id == thread)))
        by_key = {m.draft_key: m for m in mine if m.draft_key}
        by_subject = {(m.contact_id, m.subject): m for m in mine}  # drafts made before drafts had a key
        drafted: dict[str, OutreachDraft] = {}
        for draft in findings.outreach if findings else []:
            key = draft_key(thread, draft.contact_id, draft.purpose)
            message = by_key.get(key) or by_subject.get((draft.contact_id, draft.subject))
            if message is None:
                message = draft_message(
                    session,
                    account_id=state["account_id"],
                    contact_id=draft.contact_id,
                    subject=draft.subject,
                    body=draft.body,
                    at=at,
                    created_by=ctx.actor,
                    origin=ORIGIN,
                    thread_id=thread,
                    purpose=draft.purpose,
                    draft_key=key,
                    evidence_ids=draft.evidence_ids,
                )
                by_key[key] = message
                mine.append(message)
            drafted[message.id] = draft
        views = []
        for message in sorted(mine, key=lambda m: m.id):
            views.append(_view(message, _gate(ctx, session, message), drafted.get(message.id)))
    return views


def refresh_drafts(ctx: GraphContext, drafts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Re-read each draft's status and text from the store (a person may have approved, edited or rejected it)."""
    out = []
    with ctx.store.sessions() as session:
        for draft in drafts:
            message = session.get(OutboundMessage, draft["message_id"])
            if message is None:
                continue
            out.append({**draft, "status": message.status.value, "body": message.body})
    return out


def deliver_drafts(ctx: GraphContext, drafts: list[dict[str, Any]]) -> list[str]:
    """Send the drafts a person approved, and ungated ones the policy's opt-in `auto_send` names; nothing else.

    Every other draft stays a draft until a person sends it (`approvals send`). The store refuses any gated message
    without a recorded approval, whoever calls it.

    Each message is marked sent and delivered in one transaction: when delivery fails, nothing is committed, the
    message keeps its status for a later retry, a `message.delivery_failed` event says why, and the rest go on.
    Returns the ids of the delivered messages.
    """
    from account_intel.tools.policy import load_policy

    policy = load_policy(ctx.settings.content_dir)
    delivered: list[str] = []
    for draft in refresh_drafts(ctx, drafts):
        if not _releasable(draft, policy):
            continue
        try:
            send_and_deliver(ctx.store, ctx.settings, draft["message_id"], at=ctx.clock.now(), actor=ctx.actor)
        except DeliveryError:  # recorded; the message waits for a retry
            continue
        except AlreadySentError:  # another run or a person sent it meanwhile: sent once, and not by us
            continue
        delivered.append(draft["message_id"])
    return delivered


def _releasable(draft: dict[str, Any], policy: OutboundPolicy) -> bool:
    if draft["status"] == MessageStatus.APPROVED.value:
        return True
    return draft["status"] == MessageStatus.DRAFT.value and policy.sends_unattended(
        purpose=draft.get("purpose"), gated=draft["gated"]
    )


def send_and_deliver(store: Store, settings: Settings, message_id: str, *, at: datetime, actor: str) -> Delivery:
    """Mark sent (the store's guard runs on flush), deliver, record the delivery; all or nothing. Returns where the
    message went, with any recipient the server refused (kept in the `message.delivered` event too). On a
    `DeliveryError` the message stays as it was, a `message.delivery_failed` event records why (in its own
    transaction), and the error is raised again."""
    try:
        with store.transaction() as session:
            message = session.get(OutboundMessage, message_id)
            assert message is not None
            mark_sent(session, message=message, at=at, actor=actor)
            delivery = deliver_message(settings, message, sender=sender_of(session, message, settings))
            refused = {"refused": delivery.refused} if delivery.refused else {}
            record_message_event(
                session, message, "message.delivered", at=at, actor=actor, to=delivery.where, **refused
            )
    except DeliveryError as exc:
        _record_failure(store, message_id, at=at, actor=actor, error=exc)
        raise
    return delivery


def _record_failure(store: Store, message_id: str, *, at: datetime, actor: str, error: DeliveryError) -> None:
    """The `message.delivery_failed` event, in its own transaction."""
    with store.transaction() as session:
        message = session.get(OutboundMessage, message_id)
        assert message is not None
        record_message_event(
            session, message, "message.delivery_failed", at=at, actor=actor, to=message.to_address, error=str(error)
        )
