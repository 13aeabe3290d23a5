"""Delivery over SMTP against a real (loopback) aiosmtpd server: envelope, headers, failures and retries."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from typer.testing import CliRunner

from account_intel.cli.app import app
from account_intel.clock import FixedClock
from account_intel.deliverables.outreach import deliver_drafts
from account_intel.delivery import deliver_message, envelope_recipients
from account_intel.domain.enums import ApprovalDecision, MessageStatus
from account_intel.errors import (
    ApprovalRequiredError,
    AuthenticationError,
    DeliveryError,
    InvalidStateError,
)
from account_intel.graph.context import GraphContext
from account_intel.settings import Settings
from account_intel.store.engine import Store
from account_intel.store.models import Event, OutboundMessage
from account_intel.store.outbound import decide, draft_message
from account_intel.tools.context import ToolContext
from tests.factories import AS_OF, T0, add_account, add_contact, add_user, content_with_policy, token_env

HOST = "127.0.0.1"
SENT_AT = datetime(2024, 11, 30, 9, 30, tzinfo=UTC)


@dataclass
class Received:
    """One message as the server took it."""

    mail_from: str
    rcpt_tos: list[str]
    email: EmailMessage
    tls: bool


@dataclass
class Collector:
    """An aiosmtpd handler that keeps what it receives and refuses on demand."""

    received: list[Received] = field(default_factory=list)
    refuse_rcpt: set[str] = field(default_factory=set)
    refuse_all_rcpt: str | None = None
    refuse_data: str | None = None

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if self.refuse_all_rcpt:
            return self.refuse_all_rcpt
        if address in self.refuse_rcpt:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse_data:
            return self.refuse_data
        email = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(email, EmailMessage)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), email, session.ssl is not None))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Collector, int]]:
    """A plain SMTP server on loopback (no STARTTLS, no AUTH) and its port."""
    handler = Collector()
    port = _free_port()
    controller = Controller(handler, hostname=HOST, port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def _settings(home: Path, port: int, **overrides: Any) -> Settings:
    fields: dict[str, Any] = {
        "home": home,
        "smtp_host": HOST,
        "smtp_port": port,
        "smtp_username": None,
        "smtp_password": None,
        "smtp_starttls": False,
        "smtp_timeout_seconds": 5,
        "mail_from": "Account Intel <intel@vendor.test>",
    }
    return Settings(**{**fields, **overrides})


def _message(**fields: Any) -> OutboundMessage:
    values: dict[str, Any] = {
        "id": "MSG-2024-000042",
        "account_id": "ACCT-1",
        "to_address": "jane@cust.test",
        "cc": "Bob Stone <bob@cust.test>, carol@cust.test",
        "subject": "Seat expansion for Q1",
        "body": "Hi Jane,\n\nShall we talk about the 40 extra seats?\n",
        "status": MessageStatus.SENT,
        "created_at": T0,
        "sent_at": SENT_AT,
    }
    return OutboundMessage(**{**values, **fields})


# --- deliver_message -----------------------------------------------------------------------------------------------


def test_smtp_delivery_reaches_the_server_with_to_and_cc_in_the_envelope(
    smtp_server: tuple[Collector, int], tmp_path: Path
) -> None:
    handler, port = smtp_server
    delivery = deliver_message(_settings(tmp_path / "home", port), _message())
    assert delivery.where == f"smtp://{HOST}:{port}/MSG-2024-000042" and delivery.refused == {}
    (got,) = handler.received
    assert got.mail_from == "intel@vendor.test"
    assert got.rcpt_tos == ["jane@cust.test", "bob@cust.test", "carol@cust.test"]
    email = got.email
    assert email["Subject"] == "Seat expansion for Q1"
    assert email["To"] == "jane@cust.test" and email["Cc"] == "Bob Stone <bob@cust.test>, carol@cust.test"
    assert email["From"] == "Account Intel <intel@vendor.test>"
    assert email["Message-ID"] == "<MSG-2024-000042@account-intel>"
    assert email["X-Account-Intel-Message"] == "MSG-2024-000042"
    assert email["Date"].datetime == SENT_AT
    body = email.get_body(preferencelist=("plain",))
    assert body is not None  # SMTP carries CRLF line ends
    assert body.get_content().replace("\r\n", "\n") == "Hi Jane,\n\nShall we talk about the 40 extra seats?\n"
    assert not (tmp_path / "home" / "outbox").exists()  # SMTP configured: no .eml fallback


def test_a_partly_refused_delivery_names_the_refused_recipients(
    smtp_server: tuple[Collector, int], tmp_path: Path
) -> None:
    handler, port = smtp_server
    handler.refuse_rcpt = {"bob@cust.test"}
    delivery = deliver_message(_settings(tmp_path, port), _message())
    assert delivery.refused == {"bob@cust.test": "550 5.1.1 No such user here"}
    (got,) = handler.received
    assert got.rcpt_tos == ["jane@cust.test", "carol@cust.test"]


def test_envelope_lists_each_address_once() -> None:
    assert envelope_recipients("Jane <jane@cust.test>", None) == ["jane@cust.test"]
    assert envelope_recipients("jane@cust.test", "JANE@cust.test, bob@cust.test") == [
        "jane@cust.test",
        "bob@cust.test",
    ]


def test_starttls_is_only_used_when_the_server_offers_it(smtp_server: tuple[Collector, int], tmp_path: Path) -> None:
    handler, port = smtp_server
    deliver_message(_settings(tmp_path, port, smtp_starttls=True), _message())
    (got,) = handler.received
    assert not got.tls and got.rcpt_tos[0] == "jane@cust.test"


@pytest.mark.parametrize(
    ("refusal", "said"),
    [
        ({"refuse_all_rcpt": "550 5.7.1 Relaying denied"}, "550 5.7.1 Relaying denied"),
        ({"refuse_data": "554 5.6.0 Message rejected as spam"}, "554 5.6.0 Message rejected as spam"),
    ],
)
def test_a_refusing_server_gives_a_delivery_error(
    smtp_server: tuple[Collector, int], tmp_path: Path, refusal: dict[str, str], said: str
) -> None:
    handler, port = smtp_server
    for name, reply in refusal.items():
        setattr(handler, name, reply)
    with pytest.raises(DeliveryError) as caught:
        deliver_message(_settings(tmp_path, port), _message())
    text = str(caught.value)
    assert f"{HOST}:{port}" in text and "MSG-2024-000042" in text and said in text
    assert "ACCOUNT_INTEL_SMTP_HOST" in text and "ACCOUNT_INTEL_SMTP_PORT" in text
    assert handler.received == []


def test_nothing_listening_gives_a_delivery_error_naming_host_and_port(tmp_path: Path) -> None:
    port = _free_port()
    with pytest.raises(DeliveryError, match=rf"SMTP server {HOST}:{port}: connection refused\.") as caught:
        deliver_message(_settings(tmp_path, port), _message())
    assert "MSG-2024-000042" in str(caught.value) and "ACCOUNT_INTEL_SMTP_PORT" in str(caught.value)


def test_a_silent_server_times_out_into_a_delivery_error(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        silent.bind((HOST, 0))
        silent.listen(1)  # the connection is accepted by the kernel, but no greeting ever comes
        port = int(silent.getsockname()[1])
        with pytest.raises(DeliveryError, match=rf"{HOST}:{port}: no answer before the timeout"):
            deliver_message(_settings(tmp_path, port, smtp_timeout_seconds=0.3), _message())


def test_an_unwritable_outbox_gives_a_delivery_error(tmp_path: Path) -> None:
    home = tmp_path / "home-is-a-file"
    home.write_text("not a folder")
    settings = Settings(home=home, smtp_host=None)
    with pytest.raises(DeliveryError, match=r"MSG-2024-000042 could not be written to the outbox"):
        deliver_message(settings, _message())


# --- deliver_drafts: mark sent and deliver in one transaction ------------------------------------------------------


def _seed(store: Store) -> None:
    with store.transaction() as session:
        add_user(session, "U-AE")
        session.flush()
        add_account(session, "ACCT-1", arr=Decimal("600000"), ae_id="U-AE")  # T1: every message is gated
        add_contact(session, "C-1", "ACCT-1")
        add_contact(session, "C-2", "ACCT-1")
        add_account(session, "ACCT-3", arr=Decimal("40000"), ae_id="U-AE")  # T3: not gated by the store
        add_contact(session, "C-3", "ACCT-3")


def _draft(store: Store, contact_id: str, *, account_id: str = "ACCT-1", cc: str | None = None) -> str:
    with store.transaction() as session:
        message = draft_message(
            session,
            account_id=account_id,
            contact_id=contact_id,
            cc=cc,
            subject=f"Expansion for {contact_id}",
            body=f"Hello {contact_id}",
            at=T0,
            created_by="agent",
            origin="agent",
            thread_id="thread-1",
        )
        return message.id


def _approved_draft(store: Store, contact_id: str, *, cc: str | None = None) -> dict[str, Any]:
    message_id = _draft(store, contact_id, cc=cc)
    with store.transaction() as session:
        message = session.get(OutboundMessage, message_id)
        assert message is not None
        decide(session, message=message, approver_id="U-AE", decision=ApprovalDecision.APPROVED, at=T0)
    return {"message_id": message_id, "gated": True, "status": MessageStatus.DRAFT.value}


AUTO_SEND = "auto_send:\n  purposes: [introduction]\n"


def _auto_send(settings: Settings, tmp_path: Path) -> Settings:
    """The same settings with a content copy whose policy opts introductions into unattended sending."""
    content = content_with_policy(tmp_path / "content", AUTO_SEND)
    return settings.model_copy(update={"content_dir": content})


def _context(store: Store, settings: Settings, clock: FixedClock, tmp_path: Path) -> GraphContext:
    tools = ToolContext(sessions=store.sessions, settings=settings, as_of=AS_OF, account_id="ACCT-1")
    return GraphContext(store=store, settings=settings, runner=None, tools=tools, out_dir=tmp_path / "out", clock=clock)


def _smtp_env(monkeypatch: pytest.MonkeyPatch, port: int) -> None:
    """Point the CLI's settings at the loopback server (plain SMTP, no STARTTLS)."""
    for name, value in (("SMTP_HOST", HOST), ("SMTP_PORT", str(port)), ("SMTP_STARTTLS", "false")):
        monkeypatch.setenv(f"ACCOUNT_INTEL_{name}", value)


def _kinds(store: Store, message_id: str) -> list[str]:
    with store.sessions() as session:
        stmt = select(Event.kind).where(Event.entity_id == message_id).order_by(Event.id)
        return list(session.scalars(stmt))


def _state(store: Store, message_id: str) -> tuple[MessageStatus, datetime | None]:
    with store.sessions() as session:
        message = session.get(OutboundMessage, message_id)
        assert message is not None
        return message.status, message.sent_at


def test_approved_gated_message_is_sent_and_delivered_over_smtp(
    store: Store, smtp_server: tuple[Collector, int], tmp_path: Path, clock: FixedClock
) -> None:
    handler, port = smtp_server
    _seed(store)
    draft = _approved_draft(store, "C-1", cc="boss@cust.test")
    ctx = _context(store, _settings(tmp_path / "home", port), clock, tmp_path)
    message_id = draft["message_id"]
    assert deliver_drafts(ctx, [draft]) == [message_id]
    assert _state(store, message_id) == (MessageStatus.SENT, clock.now())
    assert _kinds(store, message_id) == ["message.drafted", "message.approved", "message.sent", "message.delivered"]
    (got,) = handler.received
    assert got.rcpt_tos == ["c-1@cust.test", "boss@cust.test"]
    assert got.email["Message-ID"] == f"<{message_id}@account-intel>"
    with store.sessions() as session:
        delivered = session.scalars(select(Event).where(Event.kind == "message.delivered")).one()
        assert delivered.payload == {"message_id": message_id, "to": f"smtp://{HOST}:{port}/{message_id}"}


def test_refused_delivery_leaves_the_message_approved_and_a_retry_delivers_it(
    store: Store, smtp_server: tuple[Collector, int], tmp_path: Path, clock: FixedClock
) -> None:
    handler, port = smtp_server
    _seed(store)
    draft = _approved_draft(store, "C-1")
    message_id = draft["message_id"]
    ctx = _context(store, _settings(tmp_path / "home", port), clock, tmp_path)
    handler.refuse_all_rcpt = "550 5.7.1 Relaying denied"

    assert deliver_drafts(ctx, [draft]) == []
    assert _state(store, message_id) == (MessageStatus.APPROVED, None)
    assert _kinds(store, message_id) == ["message.drafted", "message.approved", "message.delivery_failed"]
    with store.sessions() as session:
        failed = session.scalars(select(Event).where(Event.kind == "message.delivery_failed")).one()
        assert failed.account_id == "ACCT-1" and failed.actor == "agent"
        assert failed.payload["message_id"] == message_id and failed.payload["to"] == "c-1@cust.test"
        assert f"{HOST}:{port}" in failed.payload["error"] and "550 5.7.1 Relaying denied" in failed.payload["error"]
    assert handler.received == []

    handler.refuse_all_rcpt = None
    clock.advance(minutes=10)
    assert deliver_drafts(ctx, [draft]) == [message_id]
    assert _state(store, message_id) == (MessageStatus.SENT, clock.now())
    assert _kinds(store, message_id)[-2:] == ["message.sent", "message.delivered"]
    assert [r.rcpt_tos for r in handler.received] == [["c-1@cust.test"]]
    assert deliver_drafts(ctx, [draft]) == []  # sent now: nothing goes out twice
    assert len(handler.received) == 1


def test_one_failed_delivery_does_not_stop_the_others(
    store: Store, smtp_server: tuple[Collector, int], tmp_path: Path, clock: FixedClock
) -> None:
    handler, port = smtp_server
    _seed(store)
    refused, accepted = _approved_draft(store, "C-1"), _approved_draft(store, "C-2")
    handler.refuse_rcpt = {"c-1@cust.test"}
    ctx = _context(store, _settings(tmp_path / "home", port), clock, tmp_path)
    assert deliver_drafts(ctx, [refused, accepted]) == [accepted["message_id"]]
    assert _state(store, refused["message_id"])[0] == MessageStatus.APPROVED
    assert _state(store, accepted["message_id"])[0] == MessageStatus.SENT
    assert _kinds(store, refused["message_id"])[-1] == "message.delivery_failed"
    assert [r.rcpt_tos for r in handler.received] == [["c-2@cust.test"]]


def test_a_partly_refused_delivery_is_sent_and_its_event_keeps_the_refused_address(
    store: Store, smtp_server: tuple[Collector, int], tmp_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler, port = smtp_server
    _seed(store)
    draft = _approved_draft(store, "C-1", cc="gone@cust.test")
    message_id = draft["message_id"]
    handler.refuse_rcpt = {"gone@cust.test"}
    _smtp_env(monkeypatch, port)
    args = ["approvals", "send", message_id, "--db", store.url]
    ae = token_env(store.url, "U-AE")
    sent = CliRunner().invoke(app, [*args, "--json"], env=ae)
    assert sent.exit_code == 0, sent.output
    assert json.loads(sent.output)["refused"] == {"gone@cust.test": "550 5.1.1 No such user here"}
    assert _state(store, message_id)[0] == MessageStatus.SENT  # the contact got it: it is sent, once
    assert [r.rcpt_tos for r in handler.received] == [["c-1@cust.test"]]
    with store.sessions() as session:
        delivered = session.scalars(select(Event).where(Event.kind == "message.delivered")).one()
        assert delivered.payload["refused"] == {"gone@cust.test": "550 5.1.1 No such user here"}
    other = _approved_draft(store, "C-2", cc="gone@cust.test")["message_id"]
    told = CliRunner().invoke(app, ["approvals", "send", other, *args[3:]], env=ae)
    assert told.exit_code == 0 and "refused gone@cust.test (550 5.1.1" in " ".join(told.output.split())


def test_nothing_listening_fails_the_delivery_without_sending(store: Store, tmp_path: Path, clock: FixedClock) -> None:
    _seed(store)
    draft = _approved_draft(store, "C-1")
    port = _free_port()
    ctx = _context(store, _settings(tmp_path / "home", port), clock, tmp_path)
    assert deliver_drafts(ctx, [draft]) == []
    assert _state(store, draft["message_id"]) == (MessageStatus.APPROVED, None)
    assert "message.sent" not in _kinds(store, draft["message_id"])
    with store.sessions() as session:
        failed = session.scalars(select(Event).where(Event.kind == "message.delivery_failed")).one()
        assert "connection refused" in failed.payload["error"] and f"{HOST}:{port}" in failed.payload["error"]


def test_failed_ungated_draft_stays_a_draft_until_the_server_takes_it(
    store: Store, smtp_server: tuple[Collector, int], tmp_path: Path, clock: FixedClock
) -> None:
    handler, port = smtp_server
    _seed(store)
    message_id = _draft(store, "C-3", account_id="ACCT-3")
    draft = {"message_id": message_id, "gated": False, "status": MessageStatus.DRAFT.value, "purpose": "introduction"}
    ctx = _context(store, _auto_send(_settings(tmp_path / "home", port), tmp_path), clock, tmp_path)
    handler.refuse_data = "451 4.3.0 Try again later"
    assert deliver_drafts(ctx, [draft]) == []
    assert _state(store, message_id) == (MessageStatus.DRAFT, None)
    assert _kinds(store, message_id) == ["message.drafted", "message.delivery_failed"]
    handler.refuse_data = None
    assert deliver_drafts(ctx, [draft]) == [message_id]
    assert _state(store, message_id)[0] == MessageStatus.SENT
    assert [r.rcpt_tos for r in handler.received] == [["c-3@cust.test"]]


def test_the_store_refuses_an_unapproved_gated_message_before_anything_is_delivered(
    store: Store, smtp_server: tuple[Collector, int], tmp_path: Path, clock: FixedClock
) -> None:
    handler, port = smtp_server
    _seed(store)
    message_id = _draft(store, "C-1")  # T1, no approval; the draft view wrongly says it is not gated
    draft = {"message_id": message_id, "gated": False, "status": MessageStatus.DRAFT.value, "purpose": "introduction"}
    ctx = _context(store, _auto_send(_settings(tmp_path / "home", port), tmp_path), clock, tmp_path)
    with pytest.raises(ApprovalRequiredError):
        deliver_drafts(ctx, [draft])
    assert handler.received == []
    assert _state(store, message_id) == (MessageStatus.DRAFT, None)
    assert _kinds(store, message_id) == ["message.drafted"]


def test_a_run_never_sends_an_ungated_draft_on_its_own(
    store: Store, smtp_server: tuple[Collector, int], tmp_path: Path, clock: FixedClock
) -> None:
    handler, port = smtp_server
    _seed(store)
    message_id = _draft(store, "C-3", account_id="ACCT-3")  # an ungated recipient
    draft = {"message_id": message_id, "gated": False, "status": MessageStatus.DRAFT.value, "purpose": "introduction"}
    ctx = _context(store, _settings(tmp_path / "home", port), clock, tmp_path)  # the packaged policy: no auto-send
    assert deliver_drafts(ctx, [draft]) == []
    assert handler.received == [] and not (tmp_path / "home" / "outbox").exists()
    assert _state(store, message_id) == (MessageStatus.DRAFT, None)
    other = {**draft, "purpose": "qbr_invitation"}  # opted-in policy, but not for this purpose
    assert deliver_drafts(_context(store, _auto_send(ctx.settings, tmp_path), clock, tmp_path), [other]) == []
    assert handler.received == []


def test_a_person_sends_an_ungated_draft_with_approvals_send(
    store: Store, smtp_server: tuple[Collector, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    handler, port = smtp_server
    _seed(store)
    message_id = _draft(store, "C-3", account_id="ACCT-3")
    _smtp_env(monkeypatch, port)
    sent = CliRunner().invoke(
        app, ["approvals", "send", message_id, "--db", store.url], env=token_env(store.url, "U-AE")
    )
    assert sent.exit_code == 0, sent.output
    assert _state(store, message_id)[0] == MessageStatus.SENT
    assert [r.rcpt_tos for r in handler.received] == [["c-3@cust.test"]]


# --- `account-intel approvals send`: the operator's retry ---------------------------------------------------------


def test_approvals_send_retries_a_failed_delivery_from_the_cli(
    store: Store,
    smtp_server: tuple[Collector, int],
    tmp_path: Path,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    handler, port = smtp_server
    _seed(store)
    draft = _approved_draft(store, "C-1")
    message_id = draft["message_id"]
    ctx = _context(store, _settings(tmp_path / "home", port), clock, tmp_path)
    handler.refuse_all_rcpt = "451 4.3.0 Try again later"
    assert deliver_drafts(ctx, [draft]) == []
    _smtp_env(monkeypatch, port)
    runner = CliRunner()
    base = ["approvals", "send", message_id, "--db", store.url]
    ae = token_env(store.url, "U-AE")

    no_user = runner.invoke(app, base)
    assert isinstance(no_user.exception, AuthenticationError) and "ACCOUNT_INTEL_TOKEN" in str(no_user.exception)
    still_down = runner.invoke(app, base, env=ae)
    assert isinstance(still_down.exception, DeliveryError) and "451 4.3.0" in str(still_down.exception)
    assert _state(store, message_id)[0] == MessageStatus.APPROVED
    assert _kinds(store, message_id).count("message.delivery_failed") == 2

    handler.refuse_all_rcpt = None
    sent = runner.invoke(app, base, env=ae)
    assert sent.exit_code == 0, sent.output
    assert f"smtp://{HOST}:{port}/{message_id}" in sent.output
    assert _state(store, message_id)[0] == MessageStatus.SENT
    assert [r.rcpt_tos for r in handler.received] == [["c-1@cust.test"]]
    again = runner.invoke(app, base, env=ae)
    assert isinstance(again.exception, InvalidStateError) and "is sent" in str(again.exception)
    assert len(handler.received) == 1

    unapproved = _draft(store, "C-2")
    refused = runner.invoke(app, ["approvals", "send", unapproved, "--db", store.url], env=ae)
    assert isinstance(refused.exception, InvalidStateError) and "approvals approve" in str(refused.exception)


def test_a_password_is_never_sent_to_a_server_without_starttls(
    smtp_server: tuple[Collector, int], tmp_path: Path
) -> None:
    handler, port = smtp_server
    settings = _settings(tmp_path / "home", port, smtp_starttls=True, smtp_username="intel", smtp_password="secret")
    with pytest.raises(DeliveryError, match="does not offer STARTTLS") as caught:
        deliver_message(settings, _message())
    assert "secret" not in str(caught.value)
    assert handler.received == []
