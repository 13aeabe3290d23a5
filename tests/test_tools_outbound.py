"""Drafting outbound messages: drafts only, gated by the store's floor joined with the policy, never sent."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from langchain_core.tools import BaseTool
from pydantic import ValidationError
from sqlalchemy import select

from account_intel.content import ContentError, content_root
from account_intel.domain.enums import MessageStatus, Tier
from account_intel.store.engine import Store
from account_intel.store.models import Account, Contact, Event, OutboundMessage
from account_intel.store.outbound import gate_reasons as floor_reasons
from account_intel.tools.policy import OutboundPolicy, gate_reasons, load_policy, parse_policy
from account_intel.tools.registry import all_tools
from account_intel.tools.specs import POLICY_FILE
from tests.test_tools_support import call, demo_store, parsed, tool_context

PERMISSIVE = [
    "",
    "rules: []\n",
    "# nothing gated here\nrules:\n  - name: one-account\n    account_ids: [ACCT-9999]\n",
]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    s = demo_store(tmp_path_factory.mktemp("outbound"))
    yield s
    s.dispose()


@pytest.fixture(scope="module")
def draft() -> BaseTool:
    return next(t for t in all_tools() if t.name == "draft_outbound_message")


def _contact(store: Store, *, t1: bool, do_not_contact: bool) -> Contact:
    with store.sessions() as session:
        stmt = (
            select(Contact)
            .join(Account, Account.id == Contact.account_id)
            .where(
                (Account.tier == Tier.T1) if t1 else (Account.tier != Tier.T1),
                Contact.do_not_contact.is_(do_not_contact),
                Contact.email.is_not(None),
            )
            .order_by(Contact.id)
        )
        return session.scalars(stmt.limit(1)).one()


def _content(tmp_path: Path, policy_text: str | None = None) -> Path:
    shutil.copytree(content_root() / "tools", tmp_path / "tools")
    if policy_text is not None:
        (tmp_path / "tools" / POLICY_FILE).write_text(policy_text, encoding="utf-8")
    return tmp_path


def _message(store: Store, message_id: str) -> OutboundMessage:
    with store.sessions() as session:
        message = session.get(OutboundMessage, message_id)
        assert message is not None
        return message


def test_draft_to_the_champion_is_stored_as_an_agent_draft(store: Store, draft: BaseTool) -> None:
    context = tool_context(store)
    message = call(
        draft, context, contact="Priya Raman", subject="QBR agenda", body="Hi Priya", reason="QBR in 28 days"
    )
    assert message.status == "success", message.content
    data = parsed(message)
    assert (data["status"], data["to"], data["needs_approval"], data["gate_reasons"]) == (
        "draft",
        "Priya Raman",
        False,
        [],
    )
    stored = _message(store, data["draft_id"])
    assert (stored.status, stored.origin, stored.thread_id, stored.contact_id, stored.created_by) == (
        MessageStatus.DRAFT,
        "agent",
        "run-test",
        "ACCT-3421-CT-01",
        "agent",
    )
    assert stored.created_at.date() == context.as_of
    with store.sessions() as session:
        kinds = session.scalars(select(Event.kind).where(Event.entity_id == stored.id)).all()
    assert kinds == ["message.drafted"]


def test_draft_to_a_t1_contact_needs_approval(store: Store, draft: BaseTool) -> None:
    contact = _contact(store, t1=True, do_not_contact=False)
    data = parsed(call(draft, tool_context(store, None), contact=contact.id, subject="Hi", body="b", reason="r"))
    assert data["needs_approval"] is True
    assert any("is a T1 account" in reason for reason in data["gate_reasons"])
    assert _message(store, data["draft_id"]).status == MessageStatus.DRAFT


def test_draft_to_a_do_not_contact_contact_needs_approval(store: Store, draft: BaseTool) -> None:
    contact = _contact(store, t1=False, do_not_contact=True)
    data = parsed(call(draft, tool_context(store, None), contact=contact.id, subject="Hi", body="b", reason="r"))
    assert data["needs_approval"] is True
    assert data["gate_reasons"] == [f"{contact.name} is marked do-not-contact"]


@pytest.mark.parametrize("policy_text", PERMISSIVE)
def test_a_permissive_policy_cannot_ungate_the_floor(
    store: Store, draft: BaseTool, tmp_path: Path, policy_text: str
) -> None:
    root = _content(tmp_path, policy_text)
    for contact in (_contact(store, t1=True, do_not_contact=False), _contact(store, t1=False, do_not_contact=True)):
        context = tool_context(store, None, content_dir=root)
        data = parsed(call(draft, context, contact=contact.id, subject="Hi", body="b", reason="r"))
        assert data["needs_approval"] is True, (policy_text, contact.id)
        with store.sessions() as session:
            message = session.get(OutboundMessage, data["draft_id"])
            floor = floor_reasons(session, message)  # type: ignore[arg-type]
            assert floor and set(floor) <= set(
                gate_reasons(session, message, parse_policy(root / "tools" / POLICY_FILE))
            )  # type: ignore[arg-type]


def test_the_policy_can_add_gates(store: Store, draft: BaseTool, tmp_path: Path) -> None:
    root = _content(tmp_path, "rules:\n  - name: executives\n    executive: true\n")
    context = tool_context(store, content_dir=root)
    data = parsed(call(draft, context, contact="Sarah Kim", subject="Hi", body="b", reason="r"))
    assert data["needs_approval"] is True
    assert data["gate_reasons"] == ["Sarah Kim is an executive (policy rule 'executives')"]
    plain = parsed(call(draft, context, contact="Priya Raman", subject="Hi", body="b", reason="r"))
    assert plain["needs_approval"] is False


def test_the_default_policy_repeats_the_floor_without_doubling_reasons(store: Store) -> None:
    contact = _contact(store, t1=True, do_not_contact=False)
    with store.sessions() as session:
        message = OutboundMessage(account_id=contact.account_id, contact_id=contact.id, to_address=contact.email)
        assert gate_reasons(session, message, load_policy()) == floor_reasons(session, message)


def test_no_agent_draft_is_ever_sent(store: Store, draft: BaseTool) -> None:
    call(draft, tool_context(store), contact="ACCT-3421-CT-02", subject="Intro", body="b", reason="r")
    with store.sessions() as session:
        statuses = set(session.scalars(select(OutboundMessage.status).where(OutboundMessage.origin == "agent")))
    assert statuses == {MessageStatus.DRAFT}


def test_scope_and_contacts_are_checked(store: Store, draft: BaseTool) -> None:
    context = tool_context(store)
    other = _contact(store, t1=True, do_not_contact=False)
    wrong = call(draft, context, contact=other.id, subject="Hi", body="b", reason="r")
    assert wrong.status == "error" and "is not a contact of TechFlow Inc. (ACCT-3421)" in str(wrong.content)
    scoped = call(draft, context, contact="Priya Raman", subject="Hi", body="b", reason="r", account_id="ACCT-2001")
    assert scoped.status == "error" and "scoped to TechFlow Inc." in str(scoped.content)
    unknown = call(draft, context, contact="Nobody Here", subject="Hi", body="b", reason="r")
    assert unknown.status == "error" and "Priya Raman (ACCT-3421-CT-01)" in str(unknown.content)
    with pytest.raises(ValidationError, match="subject"):  # ToolNode turns this into an error ToolMessage
        call(draft, context, contact="Priya Raman", subject="", body="b", reason="r")


def test_cited_evidence_must_come_from_this_run(store: Store, draft: BaseTool) -> None:
    context = tool_context(store)
    args = {"contact": "Priya Raman", "subject": "Hi", "body": "b", "reason": "r"}
    refused = call(draft, context, **args, evidence_ids=["contact:ACCT-3421-CT-01"])
    assert refused.status == "error" and "not returned by a tool in this run" in str(refused.content)
    stakeholders = next(t for t in all_tools() if t.name == "get_stakeholder_map")
    call(stakeholders, context)
    accepted = call(draft, context, **args, evidence_ids=["contact:ACCT-3421-CT-01"])
    assert parsed(accepted)["evidence_ids"] == ["contact:ACCT-3421-CT-01"]


def test_policy_file_is_validated_naming_the_key(tmp_path: Path) -> None:
    def refused(text: str) -> str:
        path = tmp_path / POLICY_FILE
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ContentError, match=POLICY_FILE) as info:
            parse_policy(path)
        return str(info.value)

    assert "unknown key 'floor'" in refused("floor: false\nrules: []\n")
    assert "unknown key 'rules[0].tier'" in refused("rules:\n  - name: x\n    tier: T1\n")
    assert "has no condition" in refused("rules:\n  - name: x\n")
    assert "rules[0].do_not_contact" in refused("rules:\n  - name: x\n    do_not_contact: false\n")
    assert "repeated: ['x']" in refused("rules:\n  - {name: x, executive: true}\n  - {name: x, tier_in: [T2]}\n")
    assert "rules[0].tier_in[0]" in refused("rules:\n  - name: x\n    tier_in: [T9]\n")
    assert "unknown key 'auto_send.gated' (allowed: purposes)" in refused("auto_send:\n  gated: true\n")


@given(
    purposes=st.lists(st.sampled_from(["introduction", "qbr_invitation", "follow_up"]), max_size=3),
    purpose=st.one_of(st.none(), st.sampled_from(["introduction", "qbr_invitation", "follow_up", "other"])),
    gated=st.booleans(),
)
def test_auto_send_never_applies_to_a_gated_recipient_and_only_to_listed_purposes(
    purposes: list[str], purpose: str | None, gated: bool
) -> None:
    policy = OutboundPolicy.model_validate({"auto_send": {"purposes": purposes}})
    assert policy.sends_unattended(purpose=purpose, gated=gated) == (not gated and purpose in purposes)


def test_default_and_empty_policies(tmp_path: Path) -> None:
    names = [rule.name for rule in load_policy().rules]
    assert names == ["t1-accounts", "do-not-contact"]
    assert load_policy().auto_send.purposes == []  # runs only draft unless a user opts a purpose in
    assert parse_policy(_content(tmp_path, "") / "tools" / POLICY_FILE) == OutboundPolicy()
    (tmp_path / "tools" / POLICY_FILE).unlink()
    with pytest.raises(ContentError, match="is missing"):
        load_policy(tmp_path)
