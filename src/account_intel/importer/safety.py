"""Safety flags an import does not lift on its own.

A blank do-not-contact cell keeps the stored flag; it never means "false" (`sources.SAFETY_FLAGS`). Clearing a
contact's do-not-contact flag, or demoting a T1 account (an override below T1, or removing the override that made
it T1), needs the token of a person who may lift safety flags and a reason; each lift is then an event naming who
and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from account_intel.domain.enums import Tier
from account_intel.importer.history import Before
from account_intel.importer.issues import ImportIssue
from account_intel.importer.references import Located
from account_intel.store.events import record_event
from account_intel.store.models import Account, Contact


@dataclass(frozen=True)
class SafetyApproval:
    """Who lifts the flags (an authenticated user id) and why."""

    user_id: str
    reason: str


@dataclass(frozen=True)
class Lift:
    """One safety flag the import would lift."""

    kind: str  # contact.do_not_contact_cleared | account.t1_demoted
    entity_id: str
    account_id: str
    name: str
    file: str
    line: int
    column: str
    value: str

    def issue(self) -> ImportIssue:
        """The refusal of this lift, located in its file."""
        what = (
            f"clears the do-not-contact flag of {self.name}"
            if self.kind == "contact.do_not_contact_cleared"
            else f"demotes {self.name} from T1"
        )
        return ImportIssue(
            file=self.file,
            line=self.line,
            column=self.column,
            value=self.value,
            rule=f'{what}: run the import with --safety-reason "..." and the token of a manager or an admin',
        )


def lifts(session: Session, keyed: dict[str, dict[tuple[Any, ...], Located]], before: Before) -> list[Lift]:
    """Every do-not-contact flag the import clears and every T1 account it demotes, in file order."""
    found: list[Lift] = []
    for key, (source, record) in keyed.get("contacts", {}).items():
        known = before.get(("contact", key[0]))
        if known is None or known[1].get("do_not_contact") is not True:
            continue
        if record.values.get("do_not_contact") is False:
            contact = session.get(Contact, key[0])
            found.append(
                Lift(
                    "contact.do_not_contact_cleared", key[0], known[0], contact.name if contact else key[0],
                    source.label, record.line, source.column("do_not_contact"),
                    record.meta.get("written", {}).get("do_not_contact", "false"),
                )
            )  # fmt: skip
    accounts = keyed.get("accounts", {})
    ids = [key[0] for key in accounts if ("account", key[0]) in before]
    stmt = select(Account.id, Account.tier).where(Account.id.in_(ids))
    tiers = {account_id: tier for account_id, tier in session.execute(stmt)} if ids else {}
    for key, (source, record) in accounts.items():
        known = before.get(("account", key[0]))
        if known is None or tiers.get(key[0]) != Tier.T1 or "tier_override" not in record.values:
            continue
        old, new = known[1].get("tier_override"), record.values["tier_override"]
        if (new is not None and new != Tier.T1) or (new is None and old == Tier.T1):
            account = session.get(Account, key[0])
            found.append(
                Lift(
                    "account.t1_demoted", key[0], key[0], account.name if account else key[0], source.label,
                    record.line, source.column("tier_override"), str(new.value if new else ""),
                )
            )  # fmt: skip
    return found


def record_lifts(session: Session, found: list[Lift], approval: SafetyApproval, *, at: datetime) -> None:
    """One event per lifted flag: what, on whom, who and why."""
    for lift in found:
        record_event(
            session,
            kind=lift.kind,
            at=at,
            account_id=lift.account_id,
            entity_type="contact" if lift.kind.startswith("contact.") else "account",
            entity_id=lift.entity_id,
            actor=approval.user_id,
            payload={"reason": approval.reason, "source": f"{lift.file}:{lift.line}"},
        )
