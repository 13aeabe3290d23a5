"""The same purpose is not drafted twice to the same contact within the cooldown: across runs, dates and threads."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from account_intel.cli.app import app
from account_intel.store.engine import Store
from account_intel.store.models import Event, OutboundMessage

runner = CliRunner()
DATES = ("2024-11-30", "2024-11-20", "2024-11-10")


@pytest.fixture
def demo_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    built = runner.invoke(app, ["demo", "--accounts", "30", "--db", url, "--json"])
    assert built.exit_code == 0, built.output
    return url


def _briefs(url: str, env: dict[str, str] | None = None) -> list[dict]:  # type: ignore[type-arg]
    out = []
    for day in DATES:
        result = runner.invoke(app, ["brief", "TechFlow", "--as-of", day, "--db", url, "--json"], env=env)
        assert result.exit_code == 0, result.output
        out.append(json.loads(result.stdout))
    return out


def _drafts_by_contact_and_purpose(url: str) -> Counter[tuple[str, str]]:
    store = Store(url)
    try:
        with store.sessions() as session:
            rows = session.execute(
                select(OutboundMessage.contact_id, Event.payload).join(
                    Event, (Event.entity_id == OutboundMessage.id) & (Event.kind == "message.drafted")
                )
            ).all()
    finally:
        store.dispose()
    return Counter((contact or "", (payload or {}).get("purpose", "")) for contact, payload in rows)


def test_three_dates_draft_one_introduction(demo_url: str) -> None:
    briefs = _briefs(demo_url)
    counts = _drafts_by_contact_and_purpose(demo_url)
    assert counts and max(counts.values()) == 1, counts
    first = {d["message_id"] for d in briefs[0]["drafts"]}
    assert first and not {d["message_id"] for b in briefs[1:] for d in b["drafts"]} & first
    said = " ".join(x for b in briefs[1:] for x in b["grounding"]["dropped"])
    assert "not drafted again within 30 days" in said and next(iter(first)) in said


def test_a_zero_cooldown_drafts_again(demo_url: str) -> None:
    _briefs(demo_url, env={"ACCOUNT_INTEL_OUTREACH_COOLDOWN_DAYS": "0"})
    counts = _drafts_by_contact_and_purpose(demo_url)
    assert max(counts.values()) == len(DATES), counts
