"""Sending a proposal: an outbound draft to a contact, under the store's approval rule.

A T1 account's contact (tier read at the time of sending), a do-not-contact contact or an address that is no
contact's, on the To, Cc or Bcc line, needs a recorded approval: the draft waits, and `approvals.approve`
completes the send later. Once sent, the message is written to the outbox and the post-send effects run once: the
email is logged as an activity, earlier opportunities move to Proposal, and a follow-up reminder is set (3 days by
default).
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from account_intel.content import content_root
from account_intel.content.letters import money_in, write_letter
from account_intel.delivery import from_address
from account_intel.domain.enums import ActivityKind, MessageStatus, OpportunityStage
from account_intel.domain.language import DEFAULT_LANGUAGE
from account_intel.errors import InvalidStateError, ValidationFailed
from account_intel.outbox import Attachment, build_email, deliver
from account_intel.pipeline.activities import record_activity
from account_intel.pipeline.config import PipelineSettings
from account_intel.pipeline.errors import InvalidTransition, PdfUnavailable
from account_intel.pipeline.pdf import markdown_to_pdf
from account_intel.pipeline.people import find_contact
from account_intel.pipeline.proposals import get_proposal
from account_intel.pipeline.service import actor_id, change_stage
from account_intel.pipeline.stages import CLOSED_STAGES, STAGE_NAME
from account_intel.pipeline.tasks import add_task
from account_intel.store.events import record_event
from account_intel.store.models import (
    Account,
    Contact,
    Opportunity,
    OutboundMessage,
    Proposal,
    ProposalMessage,
    ProposalOpportunity,
    User,
)
from account_intel.store.models.pipeline import ProposalStatus
from account_intel.store.outbound import PROPOSAL_ORIGIN, approval_for, draft_message, mark_sent, proposal_link
from account_intel.tools.policy import gate_reasons, load_policy

ORIGIN = PROPOSAL_ORIGIN


class SendOutcome(BaseModel):
    """What happened to a proposal message: sent, or waiting for a human approval."""

    message_id: str
    proposal_id: str
    to: str
    cc: str | None = None
    bcc: str | None = None
    status: MessageStatus
    gate_reasons: list[str] = Field(default_factory=list)
    eml_path: str | None = None
    stage_moves: list[str] = Field(default_factory=list, description="Opportunities moved to Proposal.")
    follow_up_task_id: str | None = None
    approve_hint: str | None = None


def _covered(session: Session, proposal: Proposal) -> list[Opportunity]:
    stmt = (
        select(Opportunity)
        .join(ProposalOpportunity, ProposalOpportunity.opportunity_id == Opportunity.id)
        .where(ProposalOpportunity.proposal_id == proposal.id)
        .order_by(ProposalOpportunity.position)
    )
    return list(session.scalars(stmt))


def _first_name(name: str) -> str:
    return name.split()[0] if name.split() else name


def send_proposal(
    session: Session,
    *,
    proposal_id: str,
    to: str,
    at: datetime,
    actor: str | None,
    home: Path,
    cc: list[str] | None = None,
    bcc: list[str] | None = None,
    subject: str | None = None,
    content_dir: Path | None = None,
    settings: PipelineSettings | None = None,
    default_language: str = DEFAULT_LANGUAGE,
) -> SendOutcome:
    """Draft the proposal email, in the customer's language, to a contact of the account (copies to others: Cc,
    Bcc) and send it unless a recipient is gated; every recipient is judged."""
    proposal = get_proposal(session, proposal_id)
    user = actor_id(session, actor)
    for opportunity in _covered(session, proposal):
        if opportunity.stage in CLOSED_STAGES:
            raise InvalidStateError(f"Opportunity {opportunity.id} is {STAGE_NAME[opportunity.stage]}; not sending.")
        if opportunity.stage == OpportunityStage.IDENTIFIED:
            raise InvalidTransition(
                f"Cannot move to Proposal without Qualified stage. Move {opportunity.id} to Qualified first."
            )
    recipient = find_contact(session, proposal.account_id, to, role="Recipient")
    copies = [find_contact(session, proposal.account_id, ref, role="CC") for ref in cc or []]
    blind = [find_contact(session, proposal.account_id, ref, role="BCC") for ref in bcc or []]
    for role, contact in [("Recipient", recipient)] + [("CC", c) for c in copies] + [("BCC", c) for c in blind]:
        if not (contact.email and contact.email.strip()):
            raise ValidationFailed(f"{role} {contact.name} ({contact.id}) has no email address; add one first.")
    account = session.get(Account, proposal.account_id)
    sender = session.get(User, user) if user else None
    assert account is not None
    language = account.language or default_language
    letter = write_letter(
        "proposal_email",
        language=language,
        default_language=default_language,
        root=content_root(content_dir),
        recipient={"name": recipient.name, "first_name": _first_name(recipient.name)},
        proposal={"id": proposal.id, "title": proposal.title, "net_value_fmt": money_in(proposal.net_value, language)},
        account={"name": account.name},
        sender={"name": sender.name if sender else "", "email": sender.email if sender else ""},
    )
    message = draft_message(
        session,
        account_id=proposal.account_id,
        subject=subject or letter.subject,
        body=letter.body,
        at=at,
        created_by=user,
        contact_id=recipient.id,
        cc=", ".join(c.email for c in copies if c.email) or None,
        bcc=", ".join(c.email for c in blind if c.email) or None,
        origin=ORIGIN,
        opportunity_id=proposal.opportunity_id,
    )
    session.add(
        ProposalMessage(
            message_id=message.id,
            proposal_id=proposal.id,
            opportunity_id=proposal.opportunity_id,
            requested_by=user,
            created_at=at,
        )
    )
    session.flush()
    reasons = gate_reasons(session, message, load_policy(content_dir))  # the store's floor and the policy's rules
    if reasons and approval_for(session, message) is None:
        return SendOutcome(
            message_id=message.id,
            proposal_id=proposal.id,
            to=message.to_address,
            cc=message.cc,
            bcc=message.bcc,
            status=message.status,
            gate_reasons=reasons,
            approve_hint=f"the account's AE or a manager runs `account-intel approvals approve {message.id}`",
        )
    return complete_send(session, message=message, at=at, actor=user, home=home, settings=settings)


def _attachments(proposal: Proposal) -> list[Attachment]:
    files = [
        Attachment(f"{proposal.id}.md", proposal.content_md.encode("utf-8"), "text/markdown"),
        Attachment(f"{proposal.id}.html", proposal.content_html.encode("utf-8"), "text/html"),
    ]
    with suppress(PdfUnavailable):  # without fpdf2, Markdown and HTML still go out
        pdf = markdown_to_pdf(proposal.content_md, title=proposal.title)
        files.append(Attachment(f"{proposal.id}.pdf", pdf, "application/pdf"))
    return files


def complete_send(
    session: Session,
    *,
    message: OutboundMessage,
    at: datetime,
    actor: str | None,
    home: Path,
    settings: PipelineSettings | None = None,
) -> SendOutcome:
    """Send an (approved or ungated) proposal message: mark it sent, write the .eml, run the post-send effects."""
    link = proposal_link(session, message.id)
    if link is None:
        raise InvalidStateError(f"Message {message.id} does not send a proposal.")
    proposal = get_proposal(session, link.proposal_id)
    mark_sent(session, message=message, at=at, actor=actor)
    sender = session.get(User, message.created_by) if message.created_by else None
    path = deliver(
        build_email(
            message_id=message.id,
            sender=from_address(sender, "account-intel@localhost"),
            to=message.to_address,
            cc=message.cc,
            bcc=message.bcc,
            subject=message.subject,
            body=message.body,
            sent_at=at,
            attachments=_attachments(proposal),
        ),
        home,
    )
    moved, task_id = _post_send_effects(
        session, link=link, message=message, proposal=proposal, at=at, settings=settings or PipelineSettings()
    )
    return SendOutcome(
        message_id=message.id,
        proposal_id=proposal.id,
        to=message.to_address,
        cc=message.cc,
        bcc=message.bcc,
        status=message.status,
        eml_path=str(path),
        stage_moves=moved,
        follow_up_task_id=task_id,
    )


def _post_send_effects(
    session: Session,
    *,
    link: ProposalMessage,
    message: OutboundMessage,
    proposal: Proposal,
    at: datetime,
    settings: PipelineSettings,
) -> tuple[list[str], str | None]:
    if link.effects_applied_at is not None:
        return [], None
    user = link.requested_by or message.created_by
    contact = session.get(Contact, message.contact_id) if message.contact_id else None
    opportunities = _covered(session, proposal)
    moved: list[str] = []
    for opportunity in opportunities:
        record_activity(
            session,
            opportunity=opportunity,
            kind=ActivityKind.EMAIL,
            at=at,
            user=user,
            contacts=[contact] if contact else [],
            subject=message.subject,
            body=message.body,
            outcome=f"Proposal {proposal.id} sent ({message.id})",
        )
        if opportunity.stage == OpportunityStage.QUALIFIED:
            change_stage(
                session,
                opportunity=opportunity,
                target=OpportunityStage.PROPOSAL,
                at=at,
                actor=user,
                note=f"proposal {proposal.id} sent",
            )
            moved.append(opportunity.id)
    primary = opportunities[0]
    who = contact.name if contact else message.to_address
    task = add_task(
        session,
        opportunity=primary,
        title=f"Follow up with {who} on proposal {proposal.id} if no response",
        at=at,
        due_date=at.date() + timedelta(days=settings.proposal_follow_up_days),
        kind="follow_up",
    )
    proposal.status, proposal.sent_at = ProposalStatus.SENT, at
    link.effects_applied_at = at
    session.flush()
    record_event(
        session,
        kind="proposal.sent",
        at=at,
        account_id=proposal.account_id,
        entity_type="proposal",
        entity_id=proposal.id,
        actor=user,
        payload={
            "proposal_id": proposal.id,
            "message_id": message.id,
            "opportunity_ids": [o.id for o in opportunities],
            "to": message.to_address,
            "user_id": user,
        },
    )
    return moved, task.id
