"""The rendered brief and QBR packet of every demo account read like a product: whole money, names, ordered plans."""

from __future__ import annotations

import re
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import select

from account_intel.clock import FixedClock
from account_intel.deliverables.timing import window_key
from account_intel.domain.enums import AccountStatus
from account_intel.queries.account_profile import build_account_profile
from account_intel.runs.brief import run_brief
from account_intel.settings import Settings
from account_intel.store.engine import Store
from account_intel.store.models import Account
from tests.agents.support import AS_OF

CUT_MONEY = re.compile(r"\$[\d.,]*…")
IDS = re.compile(r"ACCT-\d+|\bu-[a-z]+-\d+|-CT-\d+")
SEED = re.compile(r"\bseeds?\b", re.IGNORECASE)
SCORING = re.compile(r"sub-score|\bpoints\b|propensity", re.IGNORECASE)
EVIDENCE_ID = re.compile(r"\b[a-z_]+:[A-Za-z0-9_]+[-:][A-Za-z0-9_:-]+")
TIMING = re.compile(r"^- \*\*(\d+(?:-\d+|\+)? days)\*\*:", re.MULTILINE)


def _run(store: Store, tmp_path: Path, account: str, kind: str, as_of: date = AS_OF) -> dict[str, str]:
    result = run_brief(
        store=store,
        settings=Settings(home=tmp_path / "home"),
        account=account,
        as_of=as_of,
        brain="rules",
        out_dir=tmp_path / "out",
        clock=FixedClock.on(as_of),
        kind=kind,  # type: ignore[arg-type]
    )
    return {
        key: Path(path).read_text(encoding="utf-8") for key, path in result.deliverables.items() if key.endswith("md")
    }


def _body(markdown: str, appendix: str) -> str:
    return markdown.split(appendix, 1)[0]


@pytest.fixture
def written(store: Store, tmp_path: Path) -> dict[str, dict[str, str]]:
    with store.sessions() as session:
        ids = session.scalars(select(Account.id).where(Account.status == AccountStatus.ACTIVE)).all()
    return {account: _run(store, tmp_path, account, "qbr") for account in ids}


def test_every_brief_and_packet_keeps_money_whole_names_not_ids_and_no_source_words(
    written: dict[str, dict[str, str]],
) -> None:
    assert len(written) > 10
    for account, files in written.items():
        brief, packet = files["brief_md"], files["qbr_md"]
        for name, text in (("brief", _body(brief, "## Appendix: Evidence")), ("qbr", _body(packet, "## Internal"))):
            assert not CUT_MONEY.search(text), f"{account} {name}: {CUT_MONEY.search(text)}"
            assert "…" not in text, f"{account} {name} cuts a cell"
            assert not IDS.search(text), f"{account} {name}: {IDS.search(text)}"
            assert not SEED.search(brief + packet), f"{account} {name}: {SEED.search(text)}"


def test_every_timing_plan_runs_by_start_day(written: dict[str, dict[str, str]]) -> None:
    plans = [TIMING.findall(files["brief_md"]) for files in written.values()]
    assert any(len(plan) > 1 for plan in plans)
    for plan in plans:
        assert plan == sorted(plan, key=window_key)


def test_bold_lines_of_the_brief_are_separate_paragraphs(written: dict[str, dict[str, str]]) -> None:
    for files in written.values():
        lines = files["brief_md"].splitlines()
        for above, below in pairwise(lines):
            assert not (above.startswith("**") and below.startswith("**")), (above, below)


def test_the_packet_body_speaks_to_the_customer_and_the_appendix_keeps_the_scoring(
    written: dict[str, dict[str, str]],
) -> None:
    for account, files in written.items():
        body, _, appendix = files["qbr_md"].partition("## Internal Appendix")
        assert appendix, account
        assert not SCORING.search(body), f"{account}: {SCORING.search(body)}"
        assert not EVIDENCE_ID.search(body), f"{account}: {EVIDENCE_ID.search(body)}"
    techflow = written["ACCT-3421"]["qbr_md"]
    assert "sub-score" in techflow.partition("## Internal Appendix")[2]
    assert "similar companies" in techflow and "Late" not in techflow


def test_a_packet_prepared_three_days_before_its_qbr_says_it_is_late(store: Store, tmp_path: Path) -> None:
    with store.sessions() as session:
        qbr_on = build_account_profile(session, session.get(Account, "ACCT-3421"), AS_OF).next_qbr_date
    assert qbr_on is not None
    late = _run(store, tmp_path, "TechFlow", "qbr", as_of=qbr_on - timedelta(days=3))["qbr_md"]
    assert "**Late:** the QBR is in 3 days" in late
    assert f"ready by {qbr_on - timedelta(days=7)}" in late
