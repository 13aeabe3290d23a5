"""The whole RetailCo story of seed 000 (UC-AM-004) through the CLI, on a demo store."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from account_intel.cli.app import app
from account_intel.store.engine import Store
from account_intel.store.events import list_events

runner = CliRunner()
STORY_START = datetime(2024, 11, 30, tzinfo=UTC)

CALL_NOTES = """Fantastic discovery call. Jennifer confirmed major pain points:

SITUATION: 10-15 contractors at any given time; 3-4 staffing vendors.
PAIN POINTS: invoicing nightmare, inconsistent quality, admin overhead.
BUDGET/TIMELINE: proposal needed by Dec 9 (budget finalization Dec 20); Q1 2025 start.
"""


def cli(*args: str) -> str:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result.output


def test_retailco_expansion_story_end_to_end(
    db_url: str, tmp_path: Path, _isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = ["--db", db_url]
    demo = cli("demo", "--accounts", "20", *db)
    token = re.search(r"export ACCOUNT_INTEL_TOKEN=(\S+)", demo)
    assert token is not None, demo  # with --db the demo hands its manager's token over once
    monkeypatch.setenv("ACCOUNT_INTEL_TOKEN", token.group(1))
    retailco = next(a for a in json.loads(cli("accounts", "list", "--json", *db)) if a["name"] == "RetailCo")
    account_id = retailco["id"]
    assert (retailco["arr"], retailco["tier"]) == ("340000.00", "T2")
    existing = json.loads(cli("opp", "list", "--account", "RetailCo", "--json", *db))
    assert [(o["name"], o["stage"], o["closed_value"]) for o in existing] == [
        ("Additional IT roles", "closed_won", "45000.00")
    ]

    # Step 1: identify (Nov 30)
    opp = json.loads(
        cli(
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
            "--decision-maker-note",
            "Likely VP Marketing or Procurement",
            "--close-date",
            "2024-12-31",
            "--target",
            "Marketing",
            "--target",
            "Digital Marketing",
            "--target",
            "Creative Services",
            "--notes",
            "Tom mentioned Marketing Dept is hiring a ton of contractors but using multiple vendors.",
            "--at",
            "2024-11-30",
            "--json",
            *db,
        )
    )
    exp = opp["id"]
    assert exp.startswith("EXP-2024-") and opp["stage"] == "identified" and opp["probability"] == 40
    # Steps 2-3: research, stakeholders, introduction
    for name, title, department, email, role in (
        ("Jennifer Martinez", "VP Marketing", "Marketing", "jmartinez@retailco.com", "decision_maker"),
        ("Mark Stevens", "TA Director", "Marketing", "mstevens@retailco.com", "influencer"),
        ("Lisa Chen", "Procurement Manager", "Procurement", "lchen@retailco.com", "economic_buyer"),
    ):
        cli(
            "contacts",
            "add",
            "RetailCo",
            "--name",
            name,
            "--title",
            title,
            "--department",
            department,
            *(["--new-department"] if department == "Procurement" else []),
            "--email",
            email,
            "--role",
            role,
            "--at",
            "2024-12-01",
            *db,
        )
    cli(
        "opp",
        "log",
        exp,
        "--kind",
        "email",
        "--contact",
        "Tom Wilson",
        "--subject",
        "Intro: InTime + RetailCo",
        "--notes",
        "Tom introduced us to Jennifer.",
        "--at",
        "2024-12-02",
        *db,
    )
    assert "Qualified (25%)" in cli("opp", "move", exp, "qualified", "--at", "2024-12-03", *db)
    # Step 4: discovery call, value refined
    notes = tmp_path / "call.md"
    notes.write_text(CALL_NOTES)
    cli(
        "opp",
        "log",
        exp,
        "--kind",
        "call",
        "--contact",
        "Jennifer Martinez",
        "--notes-file",
        str(notes),
        "--outcome",
        "Opportunity Qualified (strong fit)",
        "--sentiment",
        "very_positive",
        "--duration",
        "32",
        "--value",
        "180000",
        "--task",
        "Draft Marketing expansion proposal|2024-12-09",
        "--task",
        "Research case studies (multi-vendor consolidation)|2024-12-06",
        "--at",
        "2024-12-05",
        *db,
    )
    # Step 5: build the proposal
    made = json.loads(
        cli(
            "opp",
            "proposal",
            exp,
            "--line",
            "Graphic Designer|4-5|60000",
            "--line",
            "Digital Marketing Spec.|3-4|55000",
            "--line",
            "Content Writer|2-3|35000",
            "--line",
            "Social Media Manager|1-2|30000",
            "--format",
            "md",
            "--format",
            "html",
            "--out",
            str(tmp_path / "proposals"),
            "--at",
            "2024-12-09",
            "--json",
            *db,
        )
    )
    markdown = Path(made["files"]["md"]).read_text()
    assert "Prepared for **RetailCo**" in markdown and "| **Total** | | **$180,000** |" in markdown
    assert "Additional IT roles" in markdown  # track record: the earlier won expansion
    # Step 6: send it (RetailCo is T2 while the deal is open: no approval needed)
    sent = json.loads(
        cli(
            "opp",
            "proposal",
            exp,
            "--send",
            "--to",
            "Jennifer Martinez",
            "--cc",
            "Tom Wilson",
            "--at",
            "2024-12-09",
            "--json",
            *db,
        )
    )
    assert sent["proposal"]["id"] == made["proposal"]["id"]
    assert sent["send"]["status"] == "sent" and sent["send"]["stage_moves"] == [exp]
    assert Path(sent["send"]["eml_path"]).parent == _isolated_home / "outbox"
    # Steps 7-8: negotiation and verbal agreement
    assert "Negotiation (75%)" in cli("opp", "move", exp, "negotiation", "--at", "2024-12-12", *db)
    cli(
        "opp",
        "log",
        exp,
        "--kind",
        "meeting",
        "--contact",
        "Jennifer Martinez",
        "--contact",
        "Mark Stevens",
        "--contact",
        "Lisa Chen",
        "--subject",
        "Stakeholder review call",
        "--at",
        "2024-12-17",
        *db,
    )
    assert "Verbal Agreement (90%)" in cli("opp", "move", exp, "verbal_agreement", "--at", "2024-12-17", *db)
    # Step 9: closed won
    won = json.loads(cli("opp", "win", exp, "--value", "180000", "--date", "2024-12-22", "--json", *db))
    assert (won["old_arr"], won["new_arr"]) == ("340000.00", "520000.00")
    assert (won["old_tier"], won["new_tier"], won["nrr_contribution_pct"]) == ("T2", "T1", "153")
    assert won["days_to_close"] == 22 and won["amendment"]
    assert "Closed Won (100%)" in cli("opp", "show", exp, *db)
    profile = json.loads(cli("accounts", "show", "RetailCo", "--as-of", "2024-12-22", "--json", *db))
    assert (profile["arr"], profile["tier"]) == ("520000.00", "T1")
    tasks = json.loads(
        cli("opp", "tasks", "--assignee", won["opportunity"]["owner_id"], "--opportunity", exp, "--json", *db)
    )
    assert {"kickoff", "delivery_owner", "first_roles", "check_ins", "qbr"} <= {t["kind"] for t in tasks}

    store = Store(db_url)
    with store.transaction() as session:
        story = [
            e
            for e in list_events(session, account_id=account_id)
            if e.occurred_at >= STORY_START and e.kind.split(".")[0] in ("expansion", "activity", "message", "account")
        ]
        kinds = [e.kind for e in story]
        assert kinds.count("expansion.created") == 1
        assert kinds.count("expansion.stage_changed") == 5
        assert kinds.count("activity.created") >= 4 and "message.sent" in kinds
        assert kinds[-3:] == ["expansion.won", "account.arr_updated", "account.tier_changed"]
        stages = [
            (e.payload["old_stage"], e.payload["new_stage"], e.payload["probability"])
            for e in story
            if e.kind == "expansion.stage_changed"
        ]
        assert stages == [
            ("identified", "qualified", 25),
            ("qualified", "proposal", 60),
            ("proposal", "negotiation", 75),
            ("negotiation", "verbal_agreement", 90),
            ("verbal_agreement", "closed_won", 100),
        ]
        arr = story[-2].payload
        assert (arr["old_arr"], arr["new_arr"], arr["source"]) == ("340000.00", "520000.00", "expansion")
        tier = story[-1].payload
        assert (tier["old_tier"], tier["new_tier"], tier["trigger"]) == ("T2", "T1", "arr_threshold")
        assert Decimal(story[-3].payload["closed_value"]) == Decimal("180000")
    store.dispose()
