"""Outbound messages: drafting, human decisions and sending, under the store's approval rule.

The rule is the floor, and it judges every recipient, To, Cc and Bcc alike: a message is gated when its account is
T1, or when any recipient is a contact of a T1 account, a do-not-contact contact, or an address that is no
contact's. A gated message is refused unless an approval (approver, time, final text equal to the body) is
recorded. An approval covers exactly what was decided: from the decision on, the sender, recipients, subject and
body cannot change, and the content hash recorded with the decision is checked again right before sending.
Database triggers hold the same rule for any writer; this module gives the same refusal as a clear domain error.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from account_intel.domain.email_address import InvalidEmailAddress, Recipient, address_line, checked_recipients
from account_intel.domain.enums import ApprovalDecision, MessageStatus, RecipientKind, Tier
from account_intel.errors import ApprovalRequiredError, InvalidStateError, NotFoundError, ValidationFailed
from account_intel.store.draft_text import clean_body, clean_subject
from account_intel.store.events import record_event
from account_intel.store.migrations.guards import SEND_REFUSED
from account_intel.store.models import Account, Contact, MessageApproval, OutboundMessage, ProposalMessage, User
from account_intel.store.recipients import check_recipients, content_hash, recipients_mismatch, write_recipients
from account_intel.store.sequences import next_value

MAX_LINE_CHARS = {RecipientKind.TO: 200, RecipientKind.CC: 400, RecipientKind.BCC: 400}  # the store's columns
PROPOSAL_ORIGIN = "proposal"
"""The origin of a message that sends a proposal (drafted by `account_intel.pipeline.sending`)."""


class AlreadySentError(InvalidStateError):
    """The message was sent already (by a person, or by another run): it is never sent twice."""


def record_message_event(
    session: Session, message: OutboundMessage, kind: str, *, at: datetime, actor: str | None, **payload: Any
) -> None:
    """A `message.*` event: about the message, on its account, its id first in the payload."""
    record_event(
        session,
        kind=kind,
        at=at,
        account_id=message.account_id,
        entity_type="message",
        entity_id=message.id,
        actor=actor,
        payload={"message_id": message.id, **payload},
    )


def gate_reasons(session: Session, message: OutboundMessage) -> list[str]:
    """Why this message needs a human approval under the store's floor rule (empty: it does not).

    Every recipient counts (To, Cc, Bcc, the rows and the address lines): a T1 account's contact, a do-not-contact
    contact, or an address that is no contact's gates the message, and so does a message with no recipient."""
    reasons: list[str] = []
    account = session.get(Account, message.account_id)
    if account is not None and account.tier == Tier.T1:
        reasons.append(f"{account.name} is a T1 account")
    check = check_recipients(session, message)
    if not check.recipients:
        reasons.append(f"message {message.id} has no recipient on record")
    for contact in check.contacts():
        if contact.do_not_contact:
            reasons.append(f"{contact.name} is marked do-not-contact")
        owner = session.get(Account, contact.account_id)
        if owner is not None and owner.tier == Tier.T1 and owner.id != message.account_id:
            reasons.append(f"{contact.name} is a contact of T1 account {owner.name}")
    for recipient in check.unknown():
        reasons.append(f"{recipient.address} ({recipient.kind.value}) is not the address of a known contact")
    return list(dict.fromkeys(reasons))


def recipient_floor_reasons(
    session: Session, message: OutboundMessage, recipient: Recipient, contacts: list[Contact]
) -> list[str]:
    """The floor's reasons that concern one recipient (whose address is each of `contacts`'), worded as
    `gate_reasons` words them: the message's account is T1, the contact is do-not-contact or of another T1 account,
    or the address is no contact's. A message is gated when any recipient is; this says which ones are, and why."""
    reasons: list[str] = []
    account = session.get(Account, message.account_id)
    if account is not None and account.tier == Tier.T1:
        reasons.append(f"{account.name} is a T1 account")
    for contact in contacts:
        if contact.do_not_contact:
            reasons.append(f"{contact.name} is marked do-not-contact")
        owner = session.get(Account, contact.account_id)
        if owner is not None and owner.tier == Tier.T1 and owner.id != message.account_id:
            reasons.append(f"{contact.name} is a contact of T1 account {owner.name}")
    if not contacts:
        reasons.append(f"{recipient.address} ({recipient.kind.value}) is not the address of a known contact")
    return list(dict.fromkeys(reasons))


def approval_for(session: Session, message: OutboundMessage) -> MessageApproval | None:
    """The latest approving decision whose final text is the message body, if any."""
    stmt = (
        select(MessageApproval)
        .where(
            MessageApproval.message_id == message.id,
            MessageApproval.decision.in_([ApprovalDecision.APPROVED, ApprovalDecision.EDITED]),
            MessageApproval.final_text == message.body,
        )
        .order_by(MessageApproval.id.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def _recipients(contact: Contact | None, to_address: str | None, cc: str | None, bcc: str | None) -> list[Recipient]:
    """The draft's recipients, parsed and normalised; refused when one is not a valid address."""
    to_line = to_address if to_address and to_address.strip() else (contact.email if contact else None)
    if not to_line or not to_line.strip():
        raise ValidationFailed("A message needs a recipient: a contact with an email address, or --to ADDRESS.")
    try:
        recipients = checked_recipients(to_line, cc, bcc)
    except InvalidEmailAddress as exc:
        if contact is not None and not (to_address and to_address.strip()) and exc.field == "to":
            raise InvalidEmailAddress(
                f"The email of contact {contact.name} ({contact.id})", exc.value, exc.problem + " (correct the contact)"
            ) from None
        raise
    if not any(r.kind == RecipientKind.TO for r in recipients):
        raise ValidationFailed("A message needs a To recipient.")
    for kind, limit in MAX_LINE_CHARS.items():
        line = address_line(recipients, kind) or ""
        if len(line) > limit:
            raise ValidationFailed(f"{kind.value}: {len(line)} characters of addresses; at most {limit}. Send fewer.")
    return recipients


def draft_message(
    session: Session,
    *,
    account_id: str,
    subject: str,
    body: str,
    at: datetime,
    created_by: str | None,
    contact_id: str | None = None,
    to_address: str | None = None,
    cc: str | None = None,
    bcc: str | None = None,
    origin: str = "manual",
    opportunity_id: str | None = None,
    thread_id: str | None = None,
    purpose: str | None = None,
    draft_key: str | None = None,
    evidence_ids: list[str] | None = None,
) -> OutboundMessage:
    """Create a draft to a contact (or addresses) of an account; nothing is sent. An agent's draft records its
    purpose (intro_request, qbr_invitation, ...) in the `message.drafted` event, for the outreach cooldown, and the
    evidence ids it cites, for the person who decides on it.

    To, Cc and Bcc are parsed (display names, lists and angle brackets are understood), each address is checked
    and stored normalised, once, in the address lines and as a recipient row, in this transaction."""
    contact = session.get(Contact, contact_id) if contact_id else None
    if contact_id and contact is None:
        raise NotFoundError(f"Contact '{contact_id}' not found.")
    if contact is not None and contact.account_id != account_id:
        raise ValidationFailed(
            f"Contact '{contact.id}' belongs to another account; a message is filed under its recipient's account."
        )
    recipients = _recipients(contact, to_address, cc, bcc)
    subject, body = clean_subject(subject), clean_body(body)
    number = next_value(session, f"message:{at.year}")
    message = OutboundMessage(
        id=f"MSG-{at.year}-{number:06d}",
        account_id=account_id,
        contact_id=contact.id if contact else None,
        to_address=address_line(recipients, RecipientKind.TO),
        cc=address_line(recipients, RecipientKind.CC),
        bcc=address_line(recipients, RecipientKind.BCC),
        subject=subject,
        body=body,
        status=MessageStatus.DRAFT,
        origin=origin,
        opportunity_id=opportunity_id,
        thread_id=thread_id,
        draft_key=draft_key,
        created_by=created_by,
        created_at=at,
    )
    session.add(message)
    session.flush()
    write_recipients(session, message, recipients, contact=contact)
    extra: dict[str, Any] = {"purpose": purpose} if purpose else {}
    if evidence_ids:
        extra["evidence_ids"] = list(dict.fromkeys(evidence_ids))
    record_message_event(
        session,
        message,
        "message.drafted",
        at=at,
        actor=created_by,
        to=message.to_address,
        origin=origin,
        recipients=[{"kind": r.kind.value, "address": r.address} for r in recipients],
        **extra,
    )
    return message


def can_approve(session: Session, *, user: User, account: Account) -> bool:
    """Only an active user who is the account's AE, or a manager, may decide on outreach (the permission table)."""
    from account_intel.auth.permissions import Action, may

    return may(user, Action.DECIDE, account)


def decision_refusal(session: Session, *, user: User, message: OutboundMessage) -> str | None:
    """Why this user may not decide on this message (None: they may): only an active manager, or an active AE of
    the message's account and of every account a recipient is a contact of."""
    account = session.get(Account, message.account_id)
    if account is None or not can_approve(session, user=user, account=account):
        why = "is deactivated" if not user.active else "is neither the account's AE nor a manager"
        return f"{user.name} may not decide on message {message.id}: {why}."
    for other in _recipient_accounts(session, message):  # the approver is every recipient account's AE
        if not can_approve(session, user=user, account=other):
            return (
                f"{user.name} may not decide on message {message.id}: a recipient is a contact of {other.name}, "
                "and only its AE or a manager may decide on mail to it."
            )
    return None


def _recipient_accounts(session: Session, message: OutboundMessage) -> list[Account]:
    """The other accounts whose contacts the message reaches (by address or by the contact it names)."""
    ids = {c.account_id for c in check_recipients(session, message).contacts()} - {message.account_id}
    return list(session.scalars(select(Account).where(Account.id.in_(sorted(ids))).order_by(Account.id)))


def _already_decided(session: Session, message: OutboundMessage) -> InvalidStateError:
    """The refusal of a second decision, naming the first (or saying the message is sent)."""
    if message.status == MessageStatus.SENT:
        return InvalidStateError(f"Message {message.id} was already sent.")
    first = session.scalars(
        select(MessageApproval).where(MessageApproval.message_id == message.id).order_by(MessageApproval.id).limit(1)
    ).first()
    who = ""
    if first is not None:
        user = session.get(User, first.approver_id)
        who = f" by {user.name if user else first.approver_id} on {first.decided_at:%Y-%m-%d %H:%M} UTC"
    verb = "rejected" if message.status == MessageStatus.REJECTED else message.status.value
    final = " A rejection is final: draft a new message." if message.status == MessageStatus.REJECTED else ""
    return InvalidStateError(f"Message {message.id} was already {verb}{who}.{final}")


def decide(
    session: Session,
    *,
    message: OutboundMessage,
    approver_id: str,
    decision: ApprovalDecision,
    at: datetime,
    final_text: str | None = None,
    note: str | None = None,
    final_subject: str | None = None,
) -> MessageApproval:
    """Record a human decision: approve as is, approve with an edited text (and, optionally, subject), or reject
    with a reason.

    One decision per message, and a rejection is final: the message moves out of `draft` by a conditional update,
    so of two concurrent decisions exactly one wins and the other is refused, naming the winner. An edited subject
    is written by the same update and recorded in the `message.approved` event (the decision row keeps the body)."""
    if message.status != MessageStatus.DRAFT:
        raise _already_decided(session, message)
    user = session.get(User, approver_id)
    if user is None:
        raise NotFoundError(f"User '{approver_id}' not found.")
    refusal = decision_refusal(session, user=user, message=message)
    if refusal is not None:
        raise ApprovalRequiredError(refusal)
    if decision == ApprovalDecision.REJECTED and not (note and note.strip()):
        raise ValidationFailed("A rejection needs a reason (--note).")
    if decision == ApprovalDecision.EDITED and not (final_text and final_text.strip()):
        raise ValidationFailed("An edit needs the new text.")
    edited = decision == ApprovalDecision.EDITED
    before, subject_before = message.body, message.subject
    after = clean_body(final_text) if edited and final_text else before
    subject = clean_subject(final_subject) if edited and final_subject is not None else subject_before
    status = MessageStatus.REJECTED if decision == ApprovalDecision.REJECTED else MessageStatus.APPROVED
    won = session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == message.id, OutboundMessage.status == MessageStatus.DRAFT)
        .values(status=status, body=after, subject=subject)
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(message)
        raise _already_decided(session, message)
    session.refresh(message)
    approval = MessageApproval(
        message_id=message.id,
        approver_id=user.id,
        decision=decision,
        decided_at=at,
        text_before=before,
        final_text=after,
        note=note,
        content_hash=content_hash(session, message),  # what this decision covers, checked again before sending
    )
    session.add(approval)
    session.flush()
    kind = "message.rejected" if decision == ApprovalDecision.REJECTED else "message.approved"
    record_message_event(
        session,
        message,
        kind,
        at=at,
        actor=user.id,
        decision=decision,
        edited=before != after,
        text_before=before,
        final_text=after,
        note=note,
        **({"subject_before": subject_before, "final_subject": subject} if subject != subject_before else {}),
    )
    return approval


def _decision(session: Session, message: OutboundMessage) -> MessageApproval | None:
    """The message's decision, if it has one (the latest, should a store hold several)."""
    stmt = select(MessageApproval).where(MessageApproval.message_id == message.id).order_by(MessageApproval.id.desc())
    return session.scalars(stmt.limit(1)).first()


def _check_covered(session: Session, message: OutboundMessage, decision: MessageApproval) -> None:
    """Refuse to send when what would go out is not what the decision covered."""
    user = session.get(User, decision.approver_id)
    who, when = user.name if user else decision.approver_id, f"{decision.decided_at:%Y-%m-%d %H:%M} UTC"
    if decision.content_hash is None:
        raise ApprovalRequiredError(
            f"Message {message.id} was decided by {who} on {when}, before decisions recorded what they cover; it was "
            "not sent. Draft it again and have the new draft approved."
        )
    if decision.content_hash != content_hash(session, message):
        raise ApprovalRequiredError(
            f"Message {message.id} is not what {who} approved on {when}: its sender, recipients, subject, body or "
            "attachments changed since. It was not sent; draft a new message and have it approved."
        )


def mark_sent(session: Session, *, message: OutboundMessage, at: datetime, actor: str | None) -> OutboundMessage:
    """Mark a message sent; refused for a gated recipient without a recorded approval of this exact text, for
    recipients that differ from the ones on record, and for content that differs from what was approved."""
    if message.status == MessageStatus.SENT:
        raise AlreadySentError(f"Message {message.id} was already sent.")
    if message.status == MessageStatus.REJECTED:
        raise InvalidStateError(f"Message {message.id} was rejected; draft a new one.")
    if problem := recipients_mismatch(session, message):
        raise InvalidStateError(f"Message {message.id} was not sent: {problem}. Draft it again.")
    reasons = gate_reasons(session, message)
    if reasons and approval_for(session, message) is None:
        recipients = ", ".join(f"{r.kind.value} {r.address}" for r in check_recipients(session, message).recipients)
        raise ApprovalRequiredError(
            f"Message {message.id} to {recipients} needs a recorded human approval before it is sent: "
            + "; ".join(reasons)
            + f". The account's AE or a manager approves it with `account-intel approvals approve {message.id}`."
        )
    decision = _decision(session, message)
    if decision is not None:
        _check_covered(session, message, decision)
    try:  # conditional: of two concurrent senders exactly one moves the message to sent
        won = session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id == message.id, OutboundMessage.status == message.status)
            .values(status=MessageStatus.SENT, sent_at=at)
            .execution_options(synchronize_session=False)
        )
    except DBAPIError as exc:  # the database guard is the floor under this check
        if SEND_REFUSED in str(exc.orig):
            session.rollback()
            raise ApprovalRequiredError(f"Message {message.id}: {SEND_REFUSED}.") from exc
        raise
    session.refresh(message)
    if won.rowcount != 1:  # type: ignore[attr-defined]
        raise AlreadySentError(f"Message {message.id} was already sent.")
    record_message_event(
        session, message, "message.sent", at=at, actor=actor, to=message.to_address, gated=bool(reasons)
    )
    return message


def proposal_link(session: Session, message_id: str) -> ProposalMessage | None:
    """The proposal a message sends, if it sends one."""
    return session.get(ProposalMessage, message_id)
