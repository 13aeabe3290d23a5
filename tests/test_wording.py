"""Counts, articles and labels read as English in every deliverable."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from account_intel.deliverables.timing import by_start_day
from account_intel.deliverables.whitespace_text import wrap_cell
from account_intel.domain.wording import article, count, label, plural, without_prefix

NOUNS = st.sampled_from(["peer", "feature", "day", "month", "source", "contact", "company", "activity", "match"])


@given(NOUNS, st.integers(min_value=2, max_value=10_000))
def test_more_than_one_takes_the_plural_and_one_never_does(noun: str, n: int) -> None:
    assert count(1, noun) == f"1 {noun}"
    many = count(n, noun)
    assert many.startswith(f"{n:,} ") and many != f"{n:,} {noun}"
    assert not many.endswith("(s)")


def test_irregular_and_zero_counts() -> None:
    assert count(12, "similar company") == "12 similar companies"
    assert count(0, "active contact") == "no active contacts"
    assert count(3, "person") == "3 people"
    assert plural("box") == "boxes" and plural("day") == "days"


def test_articles_follow_the_sound() -> None:
    assert [article(w) for w in ("email", "meeting", "hour", "user", "SMS", "QBR", "one-pager", "upgrade")] == [
        "an",
        "a",
        "an",
        "a",
        "an",
        "a",
        "a",
        "an",
    ]


def test_codes_read_as_labels() -> None:
    assert label("intro_request") == "Introduction request"
    assert label("seat_expansion") == "Seat expansion"


@given(st.text(alphabet="abc ", max_size=30))
def test_a_title_never_doubles_its_prefix(rest: str) -> None:
    title = without_prefix("Proposal: Proposal: " + rest, "Proposal:")
    assert not title.lower().startswith("proposal:")


def test_timing_windows_run_by_start_day() -> None:
    assert by_start_day(["30-45 days", "60-90 days", "45-60 days", "30-60 days", "90+ days"]) == [
        "30-45 days",
        "30-60 days",
        "45-60 days",
        "60-90 days",
        "90+ days",
    ]


@given(st.lists(st.sampled_from(["MED:", "London,", "(+$8.4K)", "adjacent", "use", "case", "x" * 50]), max_size=12))
def test_wrapped_cells_keep_every_word_and_fit(words: list[str]) -> None:
    lines = wrap_cell(" ".join(words), 20)
    assert all(len(line) <= 20 for line in lines)
    assert "".join(lines).replace(" ", "") == "".join(words)


def test_an_agent_draft_claims_nothing_and_comes_from_the_accounts_ae(tmp_path: Path) -> None:
    """The introduction request names the customer's department, never a play; the AE signs and sends it."""
    import json as _json
    from email import message_from_bytes, policy

    from typer.testing import CliRunner

    from account_intel.cli.app import app
    from tests.factories import token_env

    runner = CliRunner()
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert runner.invoke(app, ["demo", "--accounts", "20", "--db", url, "--json"]).exit_code == 0
    brief = _json.loads(runner.invoke(app, ["brief", "TechFlow", "--db", url, "--json"]).stdout)
    (draft,) = brief["drafts"]
    body = draft["body"]
    assert draft["subject"] == "Introduction to your Marketing team"
    for untrue in ("You mentioned", "When we spoke", "Seat expansion", "Tier upgrade", "Your account team"):
        assert untrue not in body
    assert body.rstrip().endswith("Zoe Weber")  # TechFlow's AE
    assert all(len(line) < 400 for line in body.splitlines())  # one line per paragraph, no hard wraps
    sent = runner.invoke(app, ["approvals", "send", draft["message_id"], "--db", url], env=token_env(url, "Zoe Weber"))
    assert sent.exit_code == 0, sent.output
    home = Path(os.environ["ACCOUNT_INTEL_HOME"])
    email = message_from_bytes((home / "outbox" / f"{draft['message_id']}.eml").read_bytes(), policy=policy.default)
    assert email["From"].addresses[0].display_name == "Zoe Weber"
    assert "@" in email["From"].addresses[0].addr_spec and "localhost" not in email["From"].addresses[0].addr_spec


def test_numbers_take_the_article_they_are_said_with() -> None:
    said = ["8% discount", "18-day", "11", "80-day", "800", "11,000", "5% discount", "180-day", "1,100", "100"]
    assert [article(w) for w in said] == ["an", "an", "an", "an", "an", "an", "a", "a", "a", "a"]


def test_no_active_contact_is_not_only_zero() -> None:
    from account_intel.agents.rules import _few_contacts

    assert _few_contacts(0).startswith("No active contact:")
    assert _few_contacts(1).startswith("Only 1 active contact:")
    assert _few_contacts(2).startswith("Only 2 active contacts:")


def _qbr_packet(peers: int, ahead_of: int, behind: int) -> str:
    from account_intel.content.templates import load_template, render

    brief = {
        "account": {"name": "Acme", "arr_text": "$85K", "months_as_customer": 1, "tier": "T3", "segment": "SMB"},
        "health": {"score": 80, "band": "Green", "drivers": []},
        "findings": {"recommendations": [], "route": "expand"},
        "whitespace": {"penetration_lines": []},
        "health_override": None,
        "money": {},
        "as_of": "2024-11-30",
    }
    benchmark = {
        "industry": "SaaS",
        "tier": "T3",
        "peers": peers,
        "features_total": 1,
        "own_features": 1,
        "peer_mean_features": "1.0",
        "gap_pct": 0,
        "ahead_of": ahead_of,
        "behind": behind,
        "share_ahead": ahead_of / peers,
    }
    return render(load_template("qbr_packet"), brief=brief, benchmark=benchmark, components=[], timing=None)


def test_the_peer_benchmark_counts_its_peers() -> None:
    one = _qbr_packet(peers=1, ahead_of=0, behind=1)
    assert "the one similar company in SaaS uses 1.0" in one and "It uses more of the product than you do" in one
    assert "over 1 peer (" in one and "1 peers" not in one and "ahead of all 1" not in one
    assert "of the 1 feature available" in one and "a customer for 1 month." in one
    assert "That puts you ahead of it." in _qbr_packet(peers=1, ahead_of=1, behind=0)
    many = _qbr_packet(peers=4, ahead_of=0, behind=4)
    assert "4 similar companies in SaaS use 1.0 on average" in many and "(ahead of none of them)" in many
    assert "(ahead of all 4)" in _qbr_packet(peers=4, ahead_of=4, behind=0)
