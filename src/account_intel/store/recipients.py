"""A message's recipients in the store: the normalised rows written with the draft, who each one is, and the
content an approval covers.

The gate reads every recipient a message names: the `message_recipients` rows and, should they ever disagree,
the addresses of its To, Cc and Bcc columns too, so a recipient the rows miss is still judged. Before a message
is sent the two must agree (`recipients_mismatch`), and an approval's `content_hash` must equal the hash of what
is about to go out (`content_hash`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from account_intel.domain.email_address import Recipient, parse_recipients
from account_intel.store.models import Contact, MessageRecipient, OutboundMessage, Proposal, ProposalMessage


def recorded_recipients(session: Session, message_id: str) -> list[MessageRecipient]:
    """The message's recipient rows, in order."""
    stmt = select(MessageRecipient).where(MessageRecipient.message_id == message_id).order_by(MessageRecipient.position)
    return list(session.scalars(stmt))


def contacts_by_address(session: Session, addresses: list[str]) -> dict[str, list[Contact]]:
    """Every contact whose email is each (normalised) address, active ones first."""
    found: dict[str, list[Contact]] = {address: [] for address in addresses}
    if not addresses:
        return found
    stmt = (
        select(Contact)
        .where(func.lower(Contact.email).in_(sorted(set(addresses))))
        .order_by(Contact.active.desc(), Contact.id)
    )
    for contact in session.scalars(stmt):
        key = (contact.email or "").lower()
        if key in found:
            found[key].append(contact)
    return found


def write_recipients(
    session: Session, message: OutboundMessage, recipients: list[Recipient], *, contact: Contact | None
) -> list[MessageRecipient]:
    """One row per recipient, naming the contact it is: the message's own contact when the address is theirs, else
    a contact of the message's account, else any contact with that address."""
    known = contacts_by_address(session, [r.address for r in recipients])
    rows = []
    for position, recipient in enumerate(recipients, start=1):
        matches = known.get(recipient.address, [])
        if contact is not None and contact in matches:
            who: Contact | None = contact
        else:
            who = next((c for c in matches if c.account_id == message.account_id), matches[0] if matches else None)
        row = MessageRecipient(
            message_id=message.id,
            position=position,
            kind=recipient.kind,
            address=recipient.address,
            contact_id=who.id if who else None,
        )
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


@dataclass
class RecipientCheck:
    """Everyone a message names, and the contacts behind each address."""

    recipients: list[Recipient]
    by_address: dict[str, list[Contact]]
    named: list[Contact] = field(default_factory=list)  # the message's contact and the rows' contacts

    def contacts(self) -> list[Contact]:
        """Every contact the message reaches or names, once each, in recipient order."""
        seen: dict[str, Contact] = {}
        for recipient in self.recipients:
            for contact in self.by_address.get(recipient.address, []):
                seen.setdefault(contact.id, contact)
        for contact in self.named:
            seen.setdefault(contact.id, contact)
        return list(seen.values())

    def unknown(self) -> list[Recipient]:
        """Recipients whose address is no contact's."""
        return [r for r in self.recipients if not self.by_address.get(r.address)]


def check_recipients(session: Session, message: OutboundMessage) -> RecipientCheck:
    """The recipients of the rows and of the columns (union), with the contacts each address belongs to."""
    rows = recorded_recipients(session, message.id) if message.id else []
    recipients = [Recipient(row.kind, row.address) for row in rows]
    listed = {r.address for r in recipients}
    for recipient in parse_recipients(message.to_address, message.cc, message.bcc):
        if recipient.address not in listed:
            listed.add(recipient.address)
            recipients.append(recipient)
    ids = {row.contact_id for row in rows if row.contact_id} | ({message.contact_id} if message.contact_id else set())
    named = list(session.scalars(select(Contact).where(Contact.id.in_(sorted(ids))).order_by(Contact.id)))
    return RecipientCheck(recipients, contacts_by_address(session, sorted(listed)), named)


def recipients_mismatch(session: Session, message: OutboundMessage) -> str | None:
    """Why the recipient rows and the To/Cc/Bcc columns disagree (None when they name the same recipients)."""
    rows = {(row.kind.value, row.address) for row in recorded_recipients(session, message.id)}
    columns = {(r.kind.value, r.address) for r in parse_recipients(message.to_address, message.cc, message.bcc)}
    if not rows:
        return "it has no recipient on record"
    if rows == columns:
        return None
    missing = sorted(f"{kind} {address}" for kind, address in columns - rows)
    extra = sorted(f"{kind} {address}" for kind, address in rows - columns)
    parts = [f"not on record: {', '.join(missing)}"] if missing else []
    parts += [f"on record but not in its address lines: {', '.join(extra)}"] if extra else []
    return "its recipients changed after it was drafted (" + "; ".join(parts) + ")"


def _attachments(session: Session, message: OutboundMessage) -> list[dict[str, str]]:
    """What a message attaches: a proposal message carries its proposal's Markdown and HTML (the PDF is made from
    the Markdown)."""
    link = session.get(ProposalMessage, message.id)
    proposal = session.get(Proposal, link.proposal_id) if link else None
    if proposal is None:
        return []
    digest = {
        "proposal": proposal.id,
        "md": hashlib.sha256(proposal.content_md.encode("utf-8")).hexdigest(),
        "html": hashlib.sha256(proposal.content_html.encode("utf-8")).hexdigest(),
    }
    return [digest]


def content_hash(session: Session, message: OutboundMessage) -> str:
    """sha256 of what the message sends: sender, recipients (sorted, normalised), subject, body, attachments."""
    recipients = sorted([row.kind.value, row.address] for row in recorded_recipients(session, message.id))
    payload = {
        "sender": message.created_by or "",
        "recipients": recipients,
        "subject": message.subject,
        "body": message.body,
        "attachments": _attachments(session, message),
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
