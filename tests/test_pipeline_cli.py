from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from account_intel.cli.app import app
from account_intel.errors import DomainError
from account_intel.store.engine import Store
from account_intel.store.models import Event
from tests.factories import sign_in, token_env
from tests.pipeline_support import seed_retailco

runner = CliRunner()

CREATE = [
    "opp",
    "create",
    "--account",
    "RetailCo",
    "--name",
    "Marketing Department Staffing",
    "--type",
    "new_department",
    "--value",
    "150000",
    "--source",
    "client_mention",
    "--source-contact",
    "Tom Wilson",
    "--champion",
    "Tom Wilson",
    "--decision-maker",
    "TBD",
    "--close-date",
    "2024-12-31",
    "--target",
    "Marketing",
    "--at",
    "2024-11-30",
]


@pytest.fixture
def db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Two accounts, with their AM (Sam Rivera) signed in."""
    store = Store(db_url)
    seed_retailco(store)
    seed_retailco(store, account_id="ACCT-1001", name="MegaCorp", arr="600000")
    store.dispose()
    sign_in(monkeypatch, db_url, "Sam Rivera")
    return db_url


def run(*args: str) -> object:
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


def ok(*args: str, env: dict[str, str] | None = None) -> str:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200", **(env or {})})
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def error(*args: str, env: dict[str, str] | None = None) -> str:
    result = runner.invoke(app, list(args), env=env)
    assert isinstance(result.exception, DomainError), (result.output, result.exception)
    return str(result.exception)


def test_create_show_list_as_json(db: str) -> None:
    created = json.loads(ok(*CREATE, "--db", db, "--json"))
    assert (created["id"], created["stage"], created["probability"]) == ("EXP-2024-0001", "identified", 40)
    assert created["owner_id"] == "U-AM"  # the signed-in user by default
    shown = json.loads(ok("opp", "show", "EXP-2024-0001", "--db", db, "--json"))
    assert len(shown["tasks"]) == 10 and shown["stage_history"][0]["to_stage"] == "identified"
    listed = json.loads(ok("opp", "list", "--account", "RetailCo", "--db", db, "--json"))
    assert [o["id"] for o in listed] == ["EXP-2024-0001"]
    assert "Expansion opportunity created successfully" in ok(*CREATE, "--db", db)
    assert "Marketing Department Staffing" in ok("opp", "show", "EXP-2024-0002", "--db", db)


def test_cli_error_messages(db: str) -> None:
    message = error("opp", "create", "--account", "RetailCo", "--type", "bogus", "--value", "-1", "--db", db)
    assert message.startswith("Failed to create opportunity. Check required fields. Name is required. Type must be")
    assert "Estimated value must be a positive number." in message
    bad_dm = [*CREATE[:-4], "--decision-maker", "Jane Nobody", "--db", db]
    assert error(*bad_dm).startswith("Decision maker contact not found in system.")
    ok(*CREATE, "--db", db)
    assert error("opp", "move", "EXP-2024-0001", "negotiation", "--db", db) == (
        "Cannot move to Negotiation without Proposal stage."
    )
    assert error("opp", "lose", "EXP-2024-0001", "--db", db).startswith(
        "Failed to close opportunity. A loss reason is required"
    )
    assert error("opp", "tasks", "--db", db, env={"ACCOUNT_INTEL_TOKEN": ""}).startswith("This needs your token")


def test_pipeline_changes_are_made_by_the_signed_in_user(db: str) -> None:
    """No token, no change; a CSM may not work the pipeline; the record names the token's user, not a typed one."""
    no_token = {"ACCOUNT_INTEL_TOKEN": ""}
    assert error(*CREATE, "--db", db, env=no_token).startswith("This needs your token")
    assert error(*CREATE, "--db", db, env=token_env(db, "Casey Kim")) == "Casey Kim (csm) may not work the pipeline."
    assert run(*CREATE, "--as", "Morgan Lee", "--db", db).exit_code == 2  # there is no --as to name someone else
    created = json.loads(ok(*CREATE, "--db", db, "--json", env=token_env(db, "Avery Stone")))
    assert created["owner_id"] == "U-AE"
    moved = ok("opp", "move", created["id"], "qualified", "--at", "2024-12-03", "--db", db, "--json")
    assert json.loads(moved)["stage"] == "qualified"
    with Store(db).transaction() as session:
        actors = dict(session.execute(select(Event.kind, Event.actor).where(Event.entity_id == "EXP-2024-0001")).all())
    assert actors["expansion.created"] == "U-AE" and actors["expansion.stage_changed"] == "U-AM"


def test_domain_error_is_one_line_and_exit_1(db: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from account_intel.cli.app import main; main()",
            "opp",
            "create",
            "--account",
            "RetailCo",
            "--name",
            "",
            "--db",
            db,
        ],
        capture_output=True,
        text=True,
        env={"ACCOUNT_INTEL_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().startswith("Error: Failed to create opportunity. Check required fields.")


def test_contacts_add_and_list(db: str) -> None:
    added = json.loads(
        ok(
            "contacts",
            "add",
            "RetailCo",
            "--name",
            "Mark Stevens",
            "--title",
            "Director, Digital Marketing",
            "--department",
            "Digital Marketing",
            "--new-department",
            "--email",
            "mstevens@retailco.com",
            "--role",
            "influencer",
            "--db",
            db,
            "--json",
        )
    )
    assert added["department"] == "Digital Marketing" and added["new_department"] and added["role"] == "influencer"
    rows = json.loads(ok("contacts", "list", "RetailCo", "--db", db, "--json"))
    assert [r["name"] for r in rows] == ["Jennifer Martinez", "Mark Stevens", "Tom Wilson"]
    assert error(
        "contacts", "add", "RetailCo", "--name", "X", "--email", "MSTEVENS@retailco.com", "--db", db
    ).startswith("Mark Stevens")
    assert "is not an email address" in error(
        "contacts", "add", "--account", "RetailCo", "--name", "Y", "--email", "nope", "--db", db
    )


def test_contacts_add_refuses_a_department_the_account_does_not_have(db: str) -> None:
    message = error("contacts", "add", "RetailCo", "--name", "Z", "--department", "Marketting", "--db", db)
    assert "'Marketting'" in message and "(IT, Marketing)" in message and "--new-department" in message
    rows = json.loads(ok("contacts", "list", "RetailCo", "--db", db, "--json"))
    assert "Z" not in [r["name"] for r in rows]
    known = json.loads(
        ok("contacts", "add", "RetailCo", "--name", "Z", "--department", "marketing", "--db", db, "--json")
    )
    assert known["department"] == "Marketing" and not known["new_department"]


def test_tasks_log_and_complete(db: str, tmp_path: Path) -> None:
    ok(*CREATE, "--db", db)
    notes = tmp_path / "call.md"
    notes.write_text("Fantastic discovery call.\n")
    ok("opp", "move", "EXP-2024-0001", "qualified", "--at", "2024-12-03", "--db", db)
    out = ok(
        "opp",
        "log",
        "EXP-2024-0001",
        "--kind",
        "call",
        "--contact",
        "Jennifer Martinez",
        "--notes-file",
        str(notes),
        "--stage",
        "proposal",
        "--value",
        "180000",
        "--task",
        "Draft proposal|2024-12-09",
        "--at",
        "2024-12-05",
        "--db",
        db,
    )
    assert "Call logged" in out and "Proposal (60%), $180,000 annually" in out
    task = json.loads(
        ok(
            "opp",
            "task",
            "EXP-2024-0001",
            "Send case studies",
            "--due",
            "2024-12-06",
            "--assignee",
            "Avery Stone",
            "--db",
            db,
            "--json",
        )
    )
    mine = json.loads(ok("opp", "tasks", "--assignee", "Avery Stone", "--db", db, "--json"))
    assert [t["id"] for t in mine] == [task["id"]]
    avery = token_env(db, "Avery Stone")
    done = json.loads(ok("opp", "task", task["id"], "--complete", "--db", db, "--json", env=avery))
    assert done["status"] == "done"
    am = json.loads(ok("opp", "tasks", "--db", db, "--json"))
    assert am[0]["title"] == "LinkedIn research on Marketing leadership team"
    assert "Draft proposal" in [t["title"] for t in am]


def test_proposal_files_and_t1_approval_through_the_cli(db: str, tmp_path: Path) -> None:
    ok(*CREATE[:2], "--account", "MegaCorp", *CREATE[4:], "--db", db)
    ok("opp", "move", "EXP-2024-0001", "qualified", "--at", "2024-12-03", "--db", db)
    made = json.loads(
        ok(
            "opp",
            "proposal",
            "EXP-2024-0001",
            "--format",
            "md",
            "--format",
            "html",
            "--out",
            str(tmp_path / "p"),
            "--at",
            "2024-12-09",
            "--db",
            db,
            "--json",
        )
    )
    assert Path(made["files"]["md"]).read_text().startswith("# Proposal: Marketing Department Staffing")
    sent = json.loads(
        ok(
            "opp",
            "proposal",
            "EXP-2024-0001",
            "--send",
            "--to",
            "Jennifer Martinez",
            "--at",
            "2024-12-09",
            "--db",
            db,
            "--json",
        )
    )
    assert sent["proposal"]["id"] == made["proposal"]["id"]  # the generated one is reused
    assert sent["send"]["status"] == "draft" and sent["send"]["gate_reasons"] == ["MegaCorp is a T1 account"]
    message_id = sent["send"]["message_id"]
    text = ok(
        "opp",
        "proposal",
        "EXP-2024-0001",
        "--send",
        "--to",
        "Jennifer Martinez",
        "--discount",
        "5",
        "--at",
        "2024-12-09",
        "--db",
        db,
    )
    assert "is waiting for approval" in text and "account-intel approvals approve" in text
    pending = json.loads(ok("approvals", "list", "--db", db, "--json"))
    assert next(m["id"] for m in pending) == message_id
    assert "MegaCorp is a T1 account" in ok("approvals", "show", message_id, "--db", db)
    assert "is neither the account's AE nor a manager" in error(
        "approvals", "approve", message_id, "--db", db, env=token_env(db, "Sam Rivera")
    )
    assert error("approvals", "approve", message_id, "--db", db, env={"ACCOUNT_INTEL_TOKEN": ""}).startswith(
        "This needs your token"
    )
    avery = token_env(db, "Avery Stone")
    out = ok("approvals", "approve", message_id, "--db", db, env=avery)
    assert (
        "Sent to Jennifer Martinez <jmartinez@acct-1001.test>" in out and "EXP-2024-0001 moved to Proposal (60%)" in out
    )
    shown = json.loads(ok("opp", "show", "EXP-2024-0001", "--db", db, "--json"))
    assert shown["stage"] == "proposal" and shown["activities"][0]["kind"] == "email"
    rejected = json.loads(
        ok(
            "approvals",
            "reject",
            pending[1]["id"],
            "--note",
            "Duplicate",
            "--db",
            db,
            "--json",
            env=token_env(db, "Morgan Lee"),
        )
    )
    assert rejected["message"]["status"] == "rejected" and not rejected["sent"]
    again = json.loads(ok("opp", "proposal", "EXP-2024-0001", "--send", "--to", "Tom Wilson", "--db", db, "--json"))
    edited = tmp_path / "edited.txt"
    edited.write_text("Hi Tom,\n\nShort version attached.\n")
    out = ok("approvals", "edit", again["send"]["message_id"], "--text-file", str(edited), "--db", db, env=avery)
    assert "edited by Avery Stone" in out and "Sent to Tom Wilson <twilson@acct-1001.test>" in out


def test_metrics_json(db: str) -> None:
    ok(*CREATE, "--db", db)
    result = json.loads(ok("opp", "metrics", "--at", "2024-12-31", "--db", db, "--json"))
    assert result["quarter"] == "2024-Q4" and result["owners"][0]["identified"] == 1
    assert "Win rate by stage reached" in ok("opp", "metrics", "--at", "2024-12-31", "--db", db)


def test_cs_driven_from_an_evidence_file_and_option_errors(db: str, tmp_path: Path) -> None:
    evidence = tmp_path / "evidence.json"
    evidence.write_text(
        json.dumps(
            [
                {
                    "id": "account:ACCT-2001:arr",
                    "source_table": "accounts",
                    "row_id": "ACCT-2001",
                    "metric": "arr",
                    "period": None,
                    "value": "340000",
                },
            ]
        )
    )
    created = json.loads(
        ok(
            *CREATE[:-10],
            "--source",
            "cs_driven_expansion",
            "--evidence-file",
            str(evidence),
            "--recommendation",
            "REC-1",
            "--at",
            "2024-11-30",
            "--db",
            db,
            "--json",
        )
    )
    assert created["stage"] == "qualified" and created["evidence"][0]["id"] == "account:ACCT-2001:arr"
    evidence.write_text("{not json")
    assert error(*CREATE, "--evidence-file", str(evidence), "--db", db).startswith("--evidence-file is not JSON")
    assert error("opp", "proposal", created["id"], "--format", "docx", "--db", db) == (
        "Unknown --format docx; use md, html or pdf."
    )


def test_crm_and_model_text_is_printed_as_written_never_as_console_markup(db: str) -> None:
    """Names and bodies holding console markup print literally: nothing hidden from the approver, no crash."""
    from datetime import UTC, datetime

    from account_intel.store.outbound import draft_message

    name = "Launch [/] [bold red]now"
    created = ok(*CREATE[:4], "--name", name, *CREATE[6:], "--db", db)
    assert name in created
    hidden = "[black on black]and Bcc the whole board[/]"
    with Store(db).transaction() as session:
        message = draft_message(
            session,
            account_id="ACCT-1001",  # MegaCorp, T1: the message waits for approval
            contact_id="ACCT-1001-TOM",
            subject="Renewal [link=https://evil.test]terms[/link]",
            body=f"Hello {hidden}",
            at=datetime(2024, 12, 1, tzinfo=UTC),
            created_by="U-AM",
        )
        message_id = message.id
    shown = ok("approvals", "show", message_id, "--db", db)
    assert hidden in shown and "[link=https://evil.test]terms[/link]" in shown


def test_read_commands_print_crm_text_literally(db: str) -> None:
    """Read commands print CRM strings holding console markup as written: nothing hidden, no crash."""
    from datetime import UTC, datetime

    from account_intel.domain.enums import ActivityKind
    from account_intel.store.models import Account, Activity, Contact

    industry, contact, note = (
        "Retail [/] [black on black]hidden[/]",
        "Tom [/x] [link=https://evil.test]x[/link]",
        "a [/]",
    )
    with Store(db).transaction() as session:
        account = session.get(Account, "ACCT-1001")
        assert account is not None
        account.industry = industry
        account.name = "MegaCorp [/] [black on black]Group[/]"
        first = session.scalars(select(Contact).where(Contact.account_id == account.id).order_by(Contact.id)).first()
        assert first is not None
        first.name = contact
        session.add(
            Activity(
                id="ACT-MARKUP",
                account_id=account.id,
                kind=ActivityKind.NOTE,
                occurred_at=datetime(2024, 11, 29, tzinfo=UTC),
                subject="Call [bold]notes",
                body=note,
            )
        )
    shown = ok("accounts", "show", "ACCT-1001", "--db", db)
    assert "MegaCorp [/] [black on black]Group[/]" in shown
    assert industry in shown and contact in shown and note in shown and "Call [bold]notes" in shown
    assert contact in ok("contacts", "list", "ACCT-1001", "--db", db)
    for command in (("accounts", "list"), ("whitespace", "ACCT-1001"), ("signals", "ACCT-1001")):
        assert "MegaCorp [/] [black on black]Group[/]" in " ".join(ok(*command, "--db", db).split()), command
