"""The outbound approval policy (`tools/outbound-policy.yaml`): which recipients need a person's approval.

The store's rule is the floor: a contact of a T1 account, or a contact marked do-not-contact, always needs an
approval (`store.outbound.gate_reasons`, held by database triggers too). The policy can only add gates: its rules
are joined to the floor, never subtracted from it, and the file has no key that could switch the floor off.

A rule gates a message when all of its conditions hold for the message's account and any one recipient's contact
(To, Cc and Bcc alike):
`all_recipients: true`, `tier_in`, `segment_in`, `account_ids`, `do_not_contact: true`, `executive: true`,
`meddicc_role_in`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy.orm import Session

from account_intel.content import ContentError
from account_intel.content.filecache import by_file_text
from account_intel.domain.enums import MeddiccRole, Segment, Tier
from account_intel.domain.wording import label
from account_intel.store.models import Account, Contact, OutboundMessage
from account_intel.store.outbound import gate_reasons as floor_reasons
from account_intel.store.outbound import recipient_floor_reasons
from account_intel.store.recipients import check_recipients
from account_intel.tools.specs import POLICY_FILE, tools_folder

CONDITIONS = (
    "all_recipients",
    "tier_in",
    "segment_in",
    "account_ids",
    "do_not_contact",
    "executive",
    "meddicc_role_in",
)


class GateRule(BaseModel):
    """One rule: a named set of conditions that must all hold for the recipient to be gated."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, description="Short name shown in the gate reason.")
    all_recipients: Literal[True] | None = Field(default=None, description="Gate every recipient.")
    tier_in: list[Tier] | None = Field(default=None, description="The account's tier is one of these.")
    segment_in: list[Segment] | None = Field(default=None, description="The account's segment is one of these.")
    account_ids: list[str] | None = Field(default=None, description="The account is one of these.")
    do_not_contact: Literal[True] | None = Field(default=None, description="The contact is marked do-not-contact.")
    executive: Literal[True] | None = Field(default=None, description="The contact is an executive.")
    meddicc_role_in: list[MeddiccRole] | None = Field(default=None, description="The contact has one of these roles.")

    @model_validator(mode="after")
    def _has_condition(self) -> GateRule:
        if all(getattr(self, name) is None for name in CONDITIONS):
            raise ValueError(f"rule '{self.name}' has no condition; use one of: {', '.join(CONDITIONS)}")
        return self


class AutoSend(BaseModel):
    """Opt-in sending without a person, for chosen purposes and ungated recipients only; off unless listed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    purposes: list[str] = Field(
        default_factory=list,
        description="Draft purposes (for example qbr_invitation) that a run may send to an ungated recipient.",
    )


class OutboundPolicy(BaseModel):
    """The policy file: gate rules added on top of the store's floor, and the opt-in auto-send list."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: list[GateRule] = Field(default_factory=list)
    auto_send: AutoSend = Field(default_factory=AutoSend)

    def sends_unattended(self, *, purpose: str | None, gated: bool) -> bool:
        """Whether a run may send this draft without a person: never when gated, else only a listed purpose."""
        return not gated and purpose is not None and purpose in self.auto_send.purposes

    @model_validator(mode="after")
    def _unique_names(self) -> OutboundPolicy:
        names = [rule.name for rule in self.rules]
        if duplicates := sorted({n for n in names if names.count(n) > 1}):
            raise ValueError(f"rule names must be unique; repeated: {duplicates}")
        return self


def _problem(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in item["loc"]).lstrip(".") or "file"
        if item["type"] == "extra_forbidden":
            allowed = (
                "rules, auto_send"
                if len(item["loc"]) == 1
                else "purposes"
                if item["loc"][0] == "auto_send"
                else ", ".join(("name", *CONDITIONS))
            )
            parts.append(f"unknown key '{where}' (allowed: {allowed})")
        else:
            parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


@by_file_text
def parse_policy(path: Path) -> OutboundPolicy:
    """Read and validate a policy file; an empty file is a policy with no rules (the floor alone)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ContentError(f"{path}: not valid YAML: {exc}") from exc
    if data is None:
        return OutboundPolicy()
    if not isinstance(data, dict):
        raise ContentError(f"{path}: the policy is a mapping with a 'rules' list.")
    try:
        return OutboundPolicy.model_validate(data)
    except ValidationError as exc:
        raise ContentError(f"{path}: {_problem(exc)}") from exc


def load_policy(root: Path | None = None) -> OutboundPolicy:
    """The policy under `<content root>/tools/` (the setting's copy, the package data or the source tree)."""
    path = tools_folder(root) / POLICY_FILE
    if not path.is_file():
        raise ContentError(f"{path} is missing: restore the outbound policy (an empty file keeps the store's floor).")
    return parse_policy(path)


def _holds(rule: GateRule, account: Account, contact: Contact | None) -> list[str] | None:
    """Why the rule gates this (account, contact) pair, condition by condition; None when it does not."""
    why: list[str] = []
    if rule.all_recipients:
        why.append("every recipient needs approval")
    if rule.tier_in is not None:
        if account.tier not in rule.tier_in:
            return None
        why.append(f"{account.name} is a {account.tier.value} account")
    if rule.segment_in is not None:
        if account.segment not in rule.segment_in:
            return None
        why.append(f"{account.name} is in the {account.segment.value} segment")
    if rule.account_ids is not None:
        if account.id not in rule.account_ids:
            return None
        why.append(f"{account.name} is on the policy's account list")
    if rule.do_not_contact:
        if contact is None or not contact.do_not_contact:
            return None
        why.append(f"{contact.name} is marked do-not-contact")
    if rule.executive:
        if contact is None or not contact.is_executive:
            return None
        why.append(f"{contact.name} is an executive")
    if rule.meddicc_role_in is not None:
        if contact is None or contact.meddicc_role not in rule.meddicc_role_in:
            return None
        why.append(f"{contact.name} is the {label(contact.meddicc_role.value).lower()}")  # type: ignore[union-attr]
    return why


def _rule_reasons(policy: OutboundPolicy, pairs: list[tuple[Account, Contact | None]], floor: list[str]) -> list[str]:
    """What each policy rule adds for these (account, contact) pairs, labelled with the rule; the floor's own
    reasons are not repeated."""
    reasons = list(floor)
    for rule in policy.rules:
        for owner, recipient in pairs:
            why = _holds(rule, owner, recipient)
            if why is None:
                continue
            text = " and ".join(why)
            if text in reasons:  # the floor already says it (a T1 account, a do-not-contact contact)
                continue
            labelled = f"{text} (policy rule '{rule.name}')"
            if labelled not in reasons:
                reasons.append(labelled)
    return reasons


def recipient_gate_reasons(session: Session, message: OutboundMessage, policy: OutboundPolicy) -> dict[str, list[str]]:
    """Why each recipient (by address) is gated: the floor's reasons and the policy rules that concern it, worded
    as `gate_reasons` words them (an empty list: this recipient gates nothing, though another one may)."""
    account = session.get(Account, message.account_id)
    check = check_recipients(session, message)
    out: dict[str, list[str]] = {}
    for recipient in check.recipients:
        contacts = check.by_address.get(recipient.address, [])
        floor = recipient_floor_reasons(session, message, recipient, contacts)
        if account is None:
            out[recipient.address] = floor
            continue
        pairs: list[tuple[Account, Contact | None]] = [(account, c) for c in contacts] or [(account, None)]
        for contact in contacts:
            owner = session.get(Account, contact.account_id)
            if owner is not None and owner.id != account.id:
                pairs.append((owner, contact))
        out[recipient.address] = _rule_reasons(policy, pairs, floor)
    return out


def gate_reasons(session: Session, message: OutboundMessage, policy: OutboundPolicy) -> list[str]:
    """Why this message needs a human approval: the store's floor, then every policy rule that matches any of its
    recipients (To, Cc and Bcc alike; an address that is no contact's is judged with the message's account)."""
    reasons = list(floor_reasons(session, message))
    account = session.get(Account, message.account_id)
    if account is None:
        return reasons
    check = check_recipients(session, message)
    contacts = check.contacts()
    pairs: list[tuple[Account, Contact | None]] = [(account, c) for c in contacts]
    if not contacts or check.unknown():
        pairs.append((account, None))
    for contact in contacts:
        owner = session.get(Account, contact.account_id)
        if owner is not None and owner.id != account.id:
            pairs.append((owner, contact))
    return _rule_reasons(policy, pairs, reasons)
