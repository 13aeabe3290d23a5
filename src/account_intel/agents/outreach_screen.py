"""The last check on the outreach an agent proposes, whichever brain wrote it: drafts go only to contacts of the
run's own account, with an email address, within the per-run cap, with a subject and body the store accepts, and
never a purpose already drafted to the same contact within the cooldown (by any run, on any date, by either brain).

A draft that fails is dropped and the reason reported in the grounding record; the run goes on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from account_intel.agents.schemas import OutreachDraft
from account_intel.domain.wording import label
from account_intel.errors import ValidationFailed
from account_intel.store.draft_text import clean_body, clean_subject
from account_intel.store.models import Contact, Event, OutboundMessage


@dataclass(frozen=True)
class Cooldown:
    """No second draft of one purpose to one contact within `days` of `now`; the run's own thread does not count."""

    days: int
    now: datetime
    thread_id: str | None = None


def recent_purposes(
    session: Session, contact_ids: set[str], cooldown: Cooldown
) -> dict[tuple[str, str], OutboundMessage]:
    """(contact, purpose) -> the latest message drafted with that purpose within the cooldown, by another thread."""
    if not contact_ids or cooldown.days <= 0:
        return {}
    since = cooldown.now - timedelta(days=cooldown.days)
    stmt = (
        select(OutboundMessage, Event.payload)
        .join(Event, (Event.entity_id == OutboundMessage.id) & (Event.kind == "message.drafted"))
        .where(OutboundMessage.contact_id.in_(contact_ids), OutboundMessage.created_at >= since)
        .order_by(OutboundMessage.created_at, OutboundMessage.id)
    )
    found: dict[tuple[str, str], OutboundMessage] = {}
    for message, payload in session.execute(stmt):
        purpose = (payload or {}).get("purpose")
        if purpose and message.contact_id and message.thread_id != cooldown.thread_id:
            found[(message.contact_id, purpose)] = message
    return found


def screen_outreach(
    session: Session,
    drafts: Sequence[OutreachDraft],
    *,
    account_id: str,
    max_drafts: int,
    cooldown: Cooldown | None = None,
) -> tuple[list[OutreachDraft], list[str]]:
    """The drafts kept (cleaned) and, for each dropped one, `outreach[i]: why`."""
    ids = {d.contact_id for d in drafts}
    contacts = {c.id: c for c in session.scalars(select(Contact).where(Contact.id.in_(ids)))} if ids else {}
    recent = recent_purposes(session, ids, cooldown) if cooldown else {}
    kept: list[OutreachDraft] = []
    dropped: list[str] = []
    seen: set[tuple[str, str]] = set()
    for index, draft in enumerate(drafts):
        contact = contacts.get(draft.contact_id)
        why = None
        if contact is None:
            why = f"contact {draft.contact_id!r} does not exist"
        elif contact.account_id != account_id:
            why = f"contact {draft.contact_id!r} is not a contact of this account"
        elif not contact.email:
            why = f"{contact.name} has no email address"
        elif (draft.contact_id, draft.purpose) in seen:
            why = f"a second {draft.purpose} draft to {contact.name} in one run"
        elif (earlier := recent.get((draft.contact_id, draft.purpose))) is not None and cooldown is not None:
            why = (
                f"{contact.name} got the {label(draft.purpose).lower()} {earlier.id} on "
                f"{earlier.created_at:%Y-%m-%d}; not drafted again within {cooldown.days} days"
            )
        elif len(kept) >= max_drafts:
            why = f"more than {max_drafts} drafts for one account in one run"
        if why is None:
            try:
                draft = draft.model_copy(
                    update={"subject": clean_subject(draft.subject), "body": clean_body(draft.body)}
                )
            except ValidationFailed as exc:
                why = str(exc)
        if why is not None:
            dropped.append(f"outreach[{index}]: {why} (dropped)")
            continue
        seen.add((draft.contact_id, draft.purpose))
        kept.append(draft)
    return kept, dropped
