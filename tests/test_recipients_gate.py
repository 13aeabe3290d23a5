"""Red team of the recipient gate: every way a message once reached a gated person, through the CLI, the Python
API and raw SQL, is refused now, and nothing reaches that person (the store and the outbox say so).

RetailCo (T2) has Aisha Dalton and Kemal Patel (do-not-contact); MegaCorp (T1) has Sofia Patel. The property test
at the end draws random recipient lists over a small contacts table with random T1 and do-not-contact flags, and
checks that the gate in code and the database's send guard agree with a verdict read straight from that table.
"""

from __future__ import annotations

import json
import os
import shutil
from decimal import Decimal
from email import message_from_bytes
from email import policy as email_policy
from email.utils import getaddresses
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from account_intel.cli.app import app
from account_intel.domain.enums import ApprovalDecision, MessageStatus, RecipientKind
from account_intel.errors import ApprovalRequiredError, InvalidStateError, ValidationFailed
from account_intel.pipeline import proposals, sending
from account_intel.pipeline.contacts import add_contact as add_contact_service
from account_intel.pipeline.schemas import ProposalRequest
from account_intel.store.engine import Store
from account_intel.store.migrations.guards import SEND_REFUSED
from account_intel.store.migrations.recipient_guards import DECIDED_FROZEN, RECIPIENTS_FROZEN
from account_intel.store.models import Account, Contact, MessageApproval, MessageRecipient, OutboundMessage
from account_intel.store.outbound import decide, draft_message, mark_sent
from account_intel.store.outbound import gate_reasons as floor_reasons
from account_intel.tools.policy import gate_reasons, load_policy
from account_intel.tools.registry import all_tools
from tests.factories import T0, add_account, add_contact, add_user, sign_in
from tests.pipeline_support import create, day, move, seed_retailco
from tests.test_import import CANONICAL, _import
from tests.test_tools_support import call, tool_context

runner = CliRunner()

AISHA = "adalton@retailco.test"
KEMAL = "kpatel@retailco.test"  # do-not-contact
SOFIA = "spatel@cedarview-motors.com"  # a contact of MegaCorp, a T1 account
STRANGER = "someone@elsewhere.test"  # no contact's address


def _seed(store: Store) -> None:
    seed_retailco(store)  # RetailCo, T2: Tom Wilson, Jennifer Martinez
    seed_retailco(store, account_id="ACCT-1001", name="MegaCorp", arr="600000")  # T1
    with store.transaction() as session:
        aisha = add_contact(session, "ACCT-2001-AISHA", "ACCT-2001")
        aisha.name, aisha.email = "Aisha Dalton", AISHA
        kemal = add_contact(session, "ACCT-2001-KEMAL", "ACCT-2001", dnc=True)
        kemal.name, kemal.email = "Kemal Patel", KEMAL
        sofia = add_contact(session, "ACCT-1001-SOFIA", "ACCT-1001")
        sofia.name, sofia.email = "Sofia Patel", SOFIA


@pytest.fixture
def seeded(store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    """RetailCo and MegaCorp with their contacts, and their AM signed in for the CLI."""
    _seed(store)
    sign_in(monkeypatch, store.url, "Sam Rivera")
    return store


def _home() -> Path:
    return Path(os.environ["ACCOUNT_INTEL_HOME"])


def _outbox_reached(home: Path) -> set[str]:
    """Every address any written email names (To, Cc, Bcc), normalised."""
    reached: set[str] = set()
    for path in (home / "outbox").glob("*.eml") if (home / "outbox").is_dir() else []:
        email = message_from_bytes(path.read_bytes(), policy=email_policy.default)
        lines = [str(email[h]) for h in ("To", "Cc", "Bcc") if email[h]]
        reached |= {address.lower() for _, address in getaddresses(lines)}
    return reached


def _sent_to(store: Store, address: str) -> int:
    """Messages marked sent that name `address` on any line or recipient row."""
    with store.sessions() as session:
        rows = session.scalar(
            select(func.count())
            .select_from(MessageRecipient)
            .join(OutboundMessage, OutboundMessage.id == MessageRecipient.message_id)
            .where(MessageRecipient.address == address, OutboundMessage.status == MessageStatus.SENT)
        )
        sent = session.scalars(select(OutboundMessage).where(OutboundMessage.status == MessageStatus.SENT)).all()
        lines = sum(address in " ".join(filter(None, (m.to_address, m.cc, m.bcc))).lower() for m in sent)
    return int(rows or 0) + lines


def _nothing_reached(store: Store, home: Path, *addresses: str) -> None:
    for address in addresses:
        assert address not in _outbox_reached(home), address
        assert _sent_to(store, address) == 0, address


def _qualified_opportunity(store: Store) -> str:
    opp = create(store)
    move(store, opp.id, "qualified", day(12, 3))
    return opp.id


def _proposal(store: Store, opp_id: str) -> str:
    with store.transaction() as session:
        doc = proposals.generate_proposal(
            session, request=ProposalRequest(opportunity_id=opp_id), at=day(12, 9), actor="U-AM"
        )
    return doc.summary.id


def _cli(*args: str, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(app, list(args), env={"COLUMNS": "200", **(env or {})})


def _draft(store: Store, **fields: Any) -> str:
    values: dict[str, Any] = {
        "account_id": "ACCT-2001",
        "subject": "Hello",
        "body": "Hi there",
        "at": T0,
        "created_by": "U-AM",
    }
    with store.transaction() as session:
        return draft_message(session, **{**values, **fields}).id


def _mark_sent(store: Store, message_id: str) -> None:
    with store.transaction() as session:
        message = session.get(OutboundMessage, message_id)
        assert message is not None
        mark_sent(session, message=message, at=T0, actor="U-AM")


def _status(store: Store, message_id: str) -> MessageStatus:
    with store.sessions() as session:
        message = session.get(OutboundMessage, message_id)
        assert message is not None
        return message.status


def _raw(store: Store, statement: str, **params: Any) -> None:
    with store.engine.begin() as conn:
        conn.execute(text(statement), params)


# --- 1. `opp proposal --send --to ... --cc <do-not-contact>` ---------------------------------------------------------


def test_cli_proposal_with_a_do_not_contact_cc_waits_for_approval_and_approvals_show_the_cc(seeded: Store) -> None:
    db = seeded.url
    opp_id = _qualified_opportunity(seeded)
    args = ["opp", "proposal", opp_id, "--send", "--to", "Aisha Dalton", "--cc", "Kemal Patel", "--db", db, "--json"]
    result = _cli(*args)
    assert result.exit_code == 0, result.output
    send = json.loads(result.output)["send"]
    assert send["status"] == "draft" and send["eml_path"] is None
    assert send["gate_reasons"] == ["Kemal Patel is marked do-not-contact"]
    assert (send["to"], send["cc"]) == (AISHA, KEMAL)
    _nothing_reached(seeded, _home(), KEMAL, AISHA)
    listed = _cli("approvals", "list", "--db", db)
    assert listed.exit_code == 0, listed.output
    assert "Cc: Kemal Patel <kpatel@retailco.test>" in listed.output and "To: Aisha Dalton" in listed.output
    shown = _cli("approvals", "show", send["message_id"], "--db", db)
    assert "To: Aisha Dalton <adalton@retailco.test>" in shown.output
    assert "Cc: Kemal Patel <kpatel@retailco.test>" in shown.output
    assert "Kemal Patel is marked do-not-contact" in shown.output
    as_json = json.loads(_cli("approvals", "show", send["message_id"], "--db", db, "--json").output)
    assert [(r["kind"], r["address"], r["name"]) for r in as_json["recipients"]] == [
        ("to", AISHA, "Aisha Dalton"),
        ("cc", KEMAL, "Kemal Patel"),
    ]


def test_cli_proposal_with_a_t1_contact_on_bcc_waits_too(seeded: Store) -> None:
    seeded_db = seeded.url
    with seeded.transaction() as session:  # Sofia's address entered once more, as a contact of RetailCo
        sofia_at_retailco = add_contact(session, "ACCT-2001-SOFIA", "ACCT-2001")
        sofia_at_retailco.name, sofia_at_retailco.email = "Sofia P.", SOFIA
    opp_id = _qualified_opportunity(seeded)
    args = ["opp", "proposal", opp_id, "--send", "--to", "Aisha Dalton", "--bcc", "Sofia P.", "--db", seeded_db]
    result = _cli(*args, "--json")
    assert result.exit_code == 0, result.output
    send = json.loads(result.output)["send"]
    assert send["status"] == "draft" and send["bcc"] == SOFIA
    assert "Sofia Patel is a contact of T1 account MegaCorp" in send["gate_reasons"]
    _nothing_reached(seeded, _home(), SOFIA, AISHA)
    shown = _cli("approvals", "show", send["message_id"], "--db", seeded_db)
    assert "Bcc: Sofia P. <spatel@cedarview-motors.com>" in shown.output


# --- 2. a contact email that is an alias of someone else's ------------------------------------------------------------

BAD_EMAILS = [
    f"<{SOFIA}>",
    f'"Kemal"<{KEMAL}>',
    f"Kemal Patel <{KEMAL}>",
    f"{AISHA}, {KEMAL}",
    f"{AISHA};{KEMAL}",
    "spatel @cedarview-motors.com",
    "spatel.cedarview-motors.com",
    "spatel@",
    "spatel@cedarview-motors",
]


@pytest.mark.parametrize("email", BAD_EMAILS)
def test_cli_contacts_add_refuses_anything_but_one_bare_address(seeded: Store, email: str) -> None:
    result = _cli("contacts", "add", "RetailCo", "--name", "Alias", "--email", email, "--db", seeded.url)
    assert result.exit_code != 0 and isinstance(result.exception, ValidationFailed), result.output
    message = str(result.exception)
    assert f"Email '{email}' is not an email address" in message and "name@company.com" in message
    with seeded.sessions() as session:
        assert session.scalars(select(Contact).where(Contact.name == "Alias")).all() == []


def test_contacts_add_keeps_a_valid_address_and_trims_it(seeded: Store) -> None:
    with seeded.transaction() as session:
        view = add_contact_service(
            session, account="RetailCo", name="Ok", email=" ok.person@retailco.test ", at=T0, actor=None
        )
    assert view.email == "ok.person@retailco.test"


def _legacy_alias(store: Store, email: str) -> str:
    """A contact whose email was stored before addresses were checked (raw SQL, as an old store may hold)."""
    _raw(
        store,
        "INSERT INTO contacts (id, account_id, name, email, is_executive, active, do_not_contact) "
        "VALUES ('ACCT-2001-ALIAS', 'ACCT-2001', 'Sofia Alias', :email, false, true, false)",
        email=email,
    )
    return "ACCT-2001-ALIAS"


@pytest.mark.parametrize("email", [f"<{SOFIA}>", f'"Sofia"<{SOFIA.upper()}>'])
def test_a_proposal_to_a_legacy_alias_is_gated_as_the_person_behind_it(
    seeded: Store, tmp_path: Path, email: str
) -> None:
    _legacy_alias(seeded, email)
    proposal_id = _proposal(seeded, _qualified_opportunity(seeded))
    home = tmp_path / "home"
    with seeded.transaction() as session:
        outcome = sending.send_proposal(
            session, proposal_id=proposal_id, to="Sofia Alias", at=day(12, 9), actor="U-AM", home=home
        )
    assert outcome.status == MessageStatus.DRAFT and outcome.to == SOFIA
    assert "Sofia Patel is a contact of T1 account MegaCorp" in outcome.gate_reasons
    with pytest.raises(ApprovalRequiredError, match="MegaCorp"):
        _mark_sent(seeded, outcome.message_id)
    _nothing_reached(seeded, home, SOFIA)


def test_the_agents_draft_tool_refuses_a_contact_whose_email_is_an_alias(seeded: Store) -> None:
    alias = _legacy_alias(seeded, f"<{SOFIA}>")
    draft = next(t for t in all_tools() if t.name == "draft_outbound_message")
    answer = call(draft, tool_context(seeded, "ACCT-2001"), contact=alias, subject="Hi", body="b", reason="r")
    assert answer.status == "error"
    assert "is not one bare email address" in str(answer.content) and "No draft was stored" in str(answer.content)
    with seeded.sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboundMessage)) == 0


def test_an_api_draft_to_a_legacy_alias_is_gated(seeded: Store) -> None:
    alias = _legacy_alias(seeded, f"<{SOFIA}>")
    message_id = _draft(seeded, contact_id=alias)
    with seeded.sessions() as session:
        message = session.get(OutboundMessage, message_id)
        assert message is not None and message.to_address == SOFIA
        assert "Sofia Patel is a contact of T1 account MegaCorp" in floor_reasons(session, message)
    with pytest.raises(ApprovalRequiredError):
        _mark_sent(seeded, message_id)
    with pytest.raises(DBAPIError, match=SEND_REFUSED):
        _raw(seeded, "UPDATE outbound_messages SET status = 'sent' WHERE id = :id", id=message_id)
    _nothing_reached(seeded, _home(), SOFIA)


@pytest.mark.parametrize("cell", ['"Eli <eli@acme.test>"', "<eli@acme.test>", '"eli@acme.test, dana@acme.test"'])
def test_import_refuses_a_bad_contact_email_naming_file_line_column_and_value(
    store: Store, tmp_path: Path, cell: str
) -> None:
    folder = tmp_path / "canonical"
    shutil.copytree(CANONICAL, folder)
    contacts = folder / "contacts.csv"
    contacts.write_text(contacts.read_text().replace("eli@acme.test", cell, 1))
    report = _import(store, folder)
    assert not report.ok and not report.written
    (issue,) = [e for e in report.errors if e.column == "email"]
    value = cell.strip('"')
    assert (issue.file, issue.line, issue.value) == ("contacts.csv", 3, value)
    assert issue.message.startswith(f"contacts.csv line 3, column email, value '{value}': must be one bare email")
    assert "name@company.com" in issue.rule
    with store.sessions() as session:  # nothing is half-written
        assert session.scalar(select(func.count()).select_from(Contact)) == 0
        assert session.scalar(select(func.count()).select_from(Account)) == 0


# --- 3. the Python API: lists, stray whitespace, display names, Cc and Bcc --------------------------------------------

API_ATTACKS = {
    "a list in to_address": {"to_address": f"{AISHA}, {KEMAL}"},
    "a semicolon list": {"to_address": f"{AISHA}; {KEMAL}"},
    "a trailing space": {"to_address": f"{KEMAL} "},
    "upper case": {"to_address": KEMAL.upper()},
    "a display name": {"to_address": f'"Kemal" <{KEMAL}>'},
    "a display name naming someone else": {"to_address": f'"{AISHA}" <{KEMAL}>'},
    "angle brackets": {"to_address": f"<{KEMAL}>"},
    "cc": {"to_address": AISHA, "cc": KEMAL},
    "cc with a display name": {"to_address": AISHA, "cc": f"Kemal Patel <{KEMAL.upper()}>"},
    "bcc": {"to_address": AISHA, "bcc": f" {KEMAL}"},
    "a T1 contact on cc": {"to_address": AISHA, "cc": SOFIA},
    "an unknown address": {"to_address": AISHA, "cc": STRANGER},
    "the contact's own message with a cc": {"contact_id": "ACCT-2001-AISHA", "cc": KEMAL},
}


@pytest.mark.parametrize("case", list(API_ATTACKS))
def test_api_drafts_are_gated_by_every_recipient(seeded: Store, case: str) -> None:
    message_id = _draft(seeded, **API_ATTACKS[case])
    with seeded.sessions() as session:
        message = session.get(OutboundMessage, message_id)
        assert message is not None
        reasons = gate_reasons(session, message, load_policy())
        assert reasons, case
        rows = session.scalars(select(MessageRecipient.address).where(MessageRecipient.message_id == message_id))
        assert all(address == address.strip().lower() for address in rows)
    with pytest.raises(ApprovalRequiredError):
        _mark_sent(seeded, message_id)
    with pytest.raises(DBAPIError, match=SEND_REFUSED):
        _raw(seeded, "UPDATE outbound_messages SET status = 'sent' WHERE id = :id", id=message_id)
    assert _status(seeded, message_id) == MessageStatus.DRAFT
    _nothing_reached(seeded, _home(), KEMAL, SOFIA, STRANGER)


def test_a_recipient_that_is_not_an_address_is_refused_at_drafting(seeded: Store) -> None:
    for fields in ({"to_address": "Kemal"}, {"to_address": AISHA, "cc": "kpatel@"}, {"to_address": ", ;"}):
        with pytest.raises(ValidationFailed, match="is not an email address"):
            _draft(seeded, **fields)


def test_send_proposal_in_python_with_cc_or_bcc_waits(seeded: Store, tmp_path: Path) -> None:
    home = tmp_path / "home"
    opp_id = _qualified_opportunity(seeded)
    for copies in ({"cc": ["Kemal Patel"]}, {"bcc": ["Kemal Patel"]}, {"cc": ["Tom Wilson"], "bcc": ["Kemal Patel"]}):
        proposal_id = _proposal(seeded, opp_id)
        with seeded.transaction() as session:
            outcome = sending.send_proposal(
                session, proposal_id=proposal_id, to="Aisha Dalton", at=day(12, 9), actor="U-AM", home=home, **copies
            )
        assert outcome.status == MessageStatus.DRAFT and outcome.eml_path is None, copies
        assert "Kemal Patel is marked do-not-contact" in outcome.gate_reasons
    _nothing_reached(seeded, home, KEMAL, AISHA)


def test_an_ungated_proposal_goes_out_with_its_cc_and_bcc_exactly(seeded: Store, tmp_path: Path) -> None:
    home = tmp_path / "home"
    proposal_id = _proposal(seeded, _qualified_opportunity(seeded))
    with seeded.transaction() as session:
        outcome = sending.send_proposal(
            session,
            proposal_id=proposal_id,
            to="Aisha Dalton",
            cc=["Tom Wilson"],
            bcc=["Jennifer Martinez"],
            at=day(12, 9),
            actor="U-AM",
            home=home,
        )
    assert outcome.status == MessageStatus.SENT and outcome.gate_reasons == []
    email = message_from_bytes(Path(outcome.eml_path or "").read_bytes(), policy=email_policy.default)
    assert (email["To"], email["Cc"], email["Bcc"]) == (AISHA, "twilson@acct-2001.test", "jmartinez@acct-2001.test")


# --- 4. retargeting after the approval, and raw SQL ------------------------------------------------------------------


def _approved(store: Store, **fields: Any) -> str:
    message_id = _draft(store, **({"to_address": AISHA} | fields))
    with store.transaction() as session:
        message = session.get(OutboundMessage, message_id)
        assert message is not None
        decide(session, message=message, approver_id="U-AE", decision=ApprovalDecision.APPROVED, at=T0)
    return message_id


RETARGETS = [
    "UPDATE outbound_messages SET to_address = :kemal WHERE id = :id",
    "UPDATE outbound_messages SET cc = :kemal WHERE id = :id",
    "UPDATE outbound_messages SET bcc = :kemal WHERE id = :id",
    "UPDATE outbound_messages SET subject = 'Other' WHERE id = :id",
    "UPDATE outbound_messages SET body = 'Other' WHERE id = :id",
    "UPDATE outbound_messages SET created_by = 'U-MGR' WHERE id = :id",
    "UPDATE outbound_messages SET contact_id = 'ACCT-2001-KEMAL' WHERE id = :id",
]


@pytest.mark.parametrize("statement", RETARGETS)
def test_raw_sql_cannot_retarget_or_rewrite_an_approved_message(seeded: Store, statement: str) -> None:
    message_id = _approved(seeded)
    with pytest.raises(DBAPIError, match=DECIDED_FROZEN):
        _raw(seeded, statement, id=message_id, kemal=KEMAL)
    _mark_sent(seeded, message_id)  # what was approved is what goes out
    with seeded.sessions() as session:
        message = session.get(OutboundMessage, message_id)
        assert message is not None and (message.to_address, message.cc, message.bcc) == (AISHA, None, None)
    assert _sent_to(seeded, KEMAL) == 0


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO message_recipients (message_id, position, kind, address) VALUES (:id, 2, 'cc', :kemal)",
        "UPDATE message_recipients SET address = :kemal WHERE message_id = :id",
        "UPDATE message_recipients SET kind = 'bcc' WHERE message_id = :id",
        "DELETE FROM message_recipients WHERE message_id = :id",
    ],
)
def test_raw_sql_cannot_change_the_recipients_of_a_decided_message(seeded: Store, statement: str) -> None:
    message_id = _approved(seeded)
    with pytest.raises(DBAPIError, match=RECIPIENTS_FROZEN):
        _raw(seeded, statement, id=message_id, kemal=KEMAL)
    rejected = _draft(seeded, to_address=AISHA)
    with seeded.transaction() as session:
        message = session.get(OutboundMessage, rejected)
        decide(session, message=message, approver_id="U-AE", decision=ApprovalDecision.REJECTED, at=T0, note="no")
    with pytest.raises(DBAPIError, match=RECIPIENTS_FROZEN):
        _raw(seeded, statement, id=rejected, kemal=KEMAL)


def test_the_orm_cannot_retarget_an_approved_message_either(seeded: Store) -> None:
    message_id = _approved(seeded)
    with pytest.raises(DBAPIError, match=DECIDED_FROZEN), seeded.transaction() as session:
        session.execute(update(OutboundMessage).where(OutboundMessage.id == message_id).values(cc=KEMAL))
    with pytest.raises(DBAPIError, match=RECIPIENTS_FROZEN), seeded.transaction() as session:
        session.add(MessageRecipient(message_id=message_id, position=2, kind=RecipientKind.CC, address=KEMAL))
        session.flush()


def _drop_freeze(store: Store) -> None:
    """A store without its freeze (a bug or a hostile writer): the check in Python must still refuse."""
    if store.dialect == "postgresql":
        drops = [
            "DROP TRIGGER message_recipients_guard ON message_recipients",
            "DROP TRIGGER outbound_send_guard ON outbound_messages",
        ]
    else:
        drops = ["DROP TRIGGER outbound_decided_frozen", "DROP TRIGGER recipients_frozen_insert"]
    with store.engine.begin() as conn:
        for statement in drops:
            conn.execute(text(statement))


def test_a_message_retargeted_after_approval_is_refused_by_the_content_hash(seeded: Store) -> None:
    message_id = _approved(seeded)
    _drop_freeze(seeded)
    _raw(seeded, "UPDATE outbound_messages SET cc = :kemal WHERE id = :id", id=message_id, kemal=KEMAL)
    _raw(
        seeded,
        "INSERT INTO message_recipients (message_id, position, kind, address, contact_id) "
        "VALUES (:id, 2, 'cc', :kemal, 'ACCT-2001-KEMAL')",
        id=message_id,
        kemal=KEMAL,
    )
    with pytest.raises(ApprovalRequiredError, match=r"is not what Avery Stone approved"):
        _mark_sent(seeded, message_id)
    assert _status(seeded, message_id) == MessageStatus.APPROVED
    _nothing_reached(seeded, _home(), KEMAL)


def test_address_lines_edited_behind_the_rows_are_refused_in_python_and_in_the_database(seeded: Store) -> None:
    message_id = _draft(seeded, to_address=AISHA)
    _raw(seeded, "UPDATE outbound_messages SET cc = :kemal WHERE id = :id", id=message_id, kemal=f"Kemal <{KEMAL}>")
    with seeded.sessions() as session:
        message = session.get(OutboundMessage, message_id)
        assert message is not None and "Kemal Patel is marked do-not-contact" in floor_reasons(session, message)
    with pytest.raises(InvalidStateError, match=r"not on record: cc kpatel@retailco.test"):
        _mark_sent(seeded, message_id)
    with pytest.raises(DBAPIError, match=SEND_REFUSED):
        _raw(seeded, "UPDATE outbound_messages SET status = 'sent' WHERE id = :id", id=message_id)
    _nothing_reached(seeded, _home(), KEMAL)


def test_raw_insert_of_a_sent_message_is_refused(seeded: Store) -> None:
    insert = (
        "INSERT INTO outbound_messages (id, account_id, to_address, cc, subject, body, status, origin, created_at) "
        "VALUES (:id, 'ACCT-2001', :to, :cc, 's', 'b', 'sent', 'raw', :at)"
    )
    at = T0.replace(tzinfo=None)
    with pytest.raises(DBAPIError, match=SEND_REFUSED):
        _raw(seeded, insert, id="RAW-1", to=AISHA, cc=KEMAL, at=at)  # a do-not-contact Cc
    with pytest.raises(DBAPIError, match=SEND_REFUSED):
        _raw(seeded, insert, id="RAW-2", to=AISHA, cc=None, at=at)  # no recipient row: gated too
    with seeded.sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboundMessage)) == 0


def test_an_ungated_message_still_goes_out_and_its_approval_records_the_content_hash(seeded: Store) -> None:
    free = _draft(seeded, to_address=f"Aisha Dalton <{AISHA.upper()}>", cc="twilson@acct-2001.test")
    _mark_sent(seeded, free)
    assert _status(seeded, free) == MessageStatus.SENT
    approved = _approved(seeded, cc="Tom Wilson <twilson@acct-2001.test>")
    with seeded.sessions() as session:
        decision = session.scalars(select(MessageApproval).where(MessageApproval.message_id == approved)).one()
        assert decision.content_hash is not None and len(decision.content_hash) == 64


# --- the migration -----------------------------------------------------------------------------------------------


def test_revision_0008_backfills_recipients_and_downgrades_to_the_old_send_guard(seeded: Store) -> None:
    from alembic import command

    from account_intel.store.engine import alembic_config

    cfg = alembic_config(seeded.engine)
    command.downgrade(cfg, "0007")
    _raw(
        seeded,
        "INSERT INTO outbound_messages (id, account_id, contact_id, to_address, cc, subject, body, status, origin,"
        " created_at) VALUES ('OLD-1', 'ACCT-2001', 'ACCT-2001-AISHA', :to, :cc, 's', 'b', 'draft', 'raw', :at)",
        to=f"Aisha <{AISHA.upper()}>",
        cc=f"{KEMAL}, {STRANGER}",
        at=T0.replace(tzinfo=None),
    )
    command.upgrade(cfg, "head")
    with seeded.sessions() as session:
        rows = session.scalars(select(MessageRecipient).where(MessageRecipient.message_id == "OLD-1")).all()
        assert [(r.kind, r.address, r.contact_id) for r in rows] == [
            (RecipientKind.TO, AISHA, "ACCT-2001-AISHA"),
            (RecipientKind.CC, KEMAL, "ACCT-2001-KEMAL"),
            (RecipientKind.CC, STRANGER, None),
        ]
    with pytest.raises(DBAPIError, match=SEND_REFUSED):
        _raw(seeded, "UPDATE outbound_messages SET status = 'sent' WHERE id = 'OLD-1'")
    command.downgrade(cfg, "0007")
    with pytest.raises(DBAPIError, match=SEND_REFUSED):  # revision 0001's guard is back: the T1 account is gated
        _raw(
            seeded,
            "INSERT INTO outbound_messages (id, account_id, to_address, subject, body, status, origin, created_at)"
            " VALUES ('OLD-2', 'ACCT-1001', :to, 's', 'b', 'sent', 'raw', :at)",
            to=SOFIA,
            at=T0.replace(tzinfo=None),
        )
    command.upgrade(cfg, "head")


# --- the property: the gate's verdict is the contacts table's --------------------------------------------------------

ACCOUNTS = ("ACCT-P1", "ACCT-P2", "ACCT-P3")
# (contact id, account, email); P3-SAME shares P1-A's address, so one address can be two people
CONTACTS = (
    ("P1-A", "ACCT-P1", "ann@p1.test"),
    ("P1-B", "ACCT-P1", "bo.b@p1.test"),
    ("P2-A", "ACCT-P2", "cy@p2.test"),
    ("P2-B", "ACCT-P2", "dee+sales@p2.test"),
    ("P3-SAME", "ACCT-P3", "ann@p1.test"),
)
UNKNOWN = ("joann@p1.test", "ann@p1.example")  # near misses of a contact's address


def _property_store(store: Store) -> Store:
    with store.transaction() as session:
        add_user(session, "U-AE")
        session.flush()
        for account_id in ACCOUNTS:
            add_account(session, account_id, arr=Decimal("40000"), ae_id="U-AE")
        for contact_id, account_id, email in CONTACTS:
            add_contact(session, contact_id, account_id).email = email
    return store


def _dressed(address: str, style: int, case: int, pad: int) -> str:
    shown = (address, address.upper(), address.title())[case]
    dressed = (shown, f"<{shown}>", f"Some One <{shown}>", f'"Last, First" <{shown}>', f'"{address}" <{shown}>')[style]
    return " " * pad + dressed + " " * pad


# mostly contacts' addresses and mostly clear flags, so that ungated messages are drawn often too
ADDRESSES = st.sampled_from([email for _, _, email in CONTACTS] * 3 + list(UNKNOWN))
FLAG = st.sampled_from([False, False, False, True])
ENTRY = st.tuples(ADDRESSES, st.integers(0, 4), st.integers(0, 2), st.integers(0, 2))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    t1=st.lists(FLAG, min_size=3, max_size=3),
    dnc=st.lists(FLAG, min_size=5, max_size=5),
    account=st.sampled_from(ACCOUNTS),
    to=st.lists(ENTRY, min_size=1, max_size=2),
    cc=st.lists(ENTRY, max_size=2),
    bcc=st.lists(ENTRY, max_size=2),
    separator=st.sampled_from([", ", ",", "; "]),
)
def test_the_gate_agrees_with_the_contacts_table(
    store: Store,
    t1: list[bool],
    dnc: list[bool],
    account: str,
    to: list[tuple[str, int, int, int]],
    cc: list[tuple[str, int, int, int]],
    bcc: list[tuple[str, int, int, int]],
    separator: str,
) -> None:
    if not getattr(store, "_property_seeded", False):
        _property_store(store)
        store._property_seeded = True  # type: ignore[attr-defined]
    lines = [separator.join(_dressed(*entry) for entry in entries) or None for entries in (to, cc, bcc)]
    with store.engine.connect() as conn:
        outer = conn.begin()
        try:
            session = Session(bind=conn)
            for account_id, is_t1 in zip(ACCOUNTS, t1, strict=True):
                session.execute(
                    text("UPDATE accounts SET tier = :t WHERE id = :id"),
                    {"t": "T1" if is_t1 else "T3", "id": account_id},
                )
            for (contact_id, _, _), flag in zip(CONTACTS, dnc, strict=True):
                session.execute(update(Contact).where(Contact.id == contact_id).values(do_not_contact=flag))
            # the reference: read straight from the two tables, with the addresses as drawn
            table = session.execute(
                text(
                    "SELECT lower(c.email), c.do_not_contact, a.tier"
                    " FROM contacts c JOIN accounts a ON a.id = c.account_id"
                )
            ).all()
            account_t1 = (
                session.execute(text("SELECT tier FROM accounts WHERE id = :id"), {"id": account}).scalar() == "T1"
            )
            drawn = {entry[0] for entries in (to, cc, bcc) for entry in entries}
            expected = account_t1 or any(
                not any(email == address for email, _, _ in table)
                or any(email == address and (bool(flag) or tier == "T1") for email, flag, tier in table)
                for address in drawn
            )

            event(f"gated: {expected}")
            message = draft_message(
                session,
                account_id=account,
                to_address=lines[0],
                cc=lines[1],
                bcc=lines[2],
                subject="s",
                body="b",
                at=T0,
                created_by="U-AE",
            )
            assert {
                r.address
                for r in session.scalars(select(MessageRecipient).where(MessageRecipient.message_id == message.id))
            } == drawn
            assert bool(gate_reasons(session, message, load_policy())) == expected, (lines, t1, dnc, account)
            assert bool(floor_reasons(session, message)) == expected
            try:
                session.execute(text("UPDATE outbound_messages SET status = 'sent' WHERE id = :id"), {"id": message.id})
                refused = False
            except DBAPIError as exc:
                assert SEND_REFUSED in str(exc.orig)
                refused = True
            assert refused == expected, (lines, t1, dnc, account)
            session.close()
        finally:
            outer.rollback()
