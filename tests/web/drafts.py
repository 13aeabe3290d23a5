"""Drafts for the approval tests, written the way a run or a person drafts them (`store.outbound.draft_message`),
and what the store holds about one, to show that a refused decision changed nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from account_intel.store.models import Contact, Event, MessageApproval, OutboundMessage
from account_intel.store.outbound import draft_message
from tests.web.support import Web

T1_ACCOUNT = "ACCT-1002"  # Cedarview Motors LLC: a T1 account of another AE than RetailCo's
T1_NAME = "Cedarview Motors LLC"
RETAILCO = "ACCT-2001"  # T2; its AE and CSM are the demo's web sign-ins


def draft(
    web: Web,
    account_id: str,
    *,
    subject: str = "A next step on your plan",
    body: str = "Hello,\n\nCould we talk next week?\n\nBest,\nZoe",
    cc: str | None = None,
    evidence_ids: list[str] | None = None,
) -> str:
    """A draft from an agent to the account's first contact; its id."""
    with web.store.transaction() as session:
        contact = session.scalars(
            select(Contact).where(Contact.account_id == account_id, Contact.email.is_not(None)).order_by(Contact.id)
        ).first()
        assert contact is not None
        message = draft_message(
            session,
            account_id=account_id,
            contact_id=contact.id,
            subject=subject,
            body=body,
            cc=cc,
            at=web.clock.now(),
            created_by="agent",
            origin="agent",
            evidence_ids=evidence_ids,
        )
        return message.id


def held(web: Web, message_id: str) -> tuple[str, str, str, int, int]:
    """The message's status, subject and body, its decision rows and its events."""
    with web.store.transaction() as session:
        message = session.get(OutboundMessage, message_id)
        assert message is not None
        decisions = session.scalar(
            select(func.count()).select_from(MessageApproval).where(MessageApproval.message_id == message_id)
        )
        events = session.scalar(select(func.count()).select_from(Event).where(Event.entity_id == message_id))
        return message.status.value, message.subject, message.body, int(decisions or 0), int(events or 0)
