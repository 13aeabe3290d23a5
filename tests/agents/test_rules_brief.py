from __future__ import annotations

from pathlib import Path

from account_intel.analytics.evidence import resolves
from account_intel.clock import FixedClock
from account_intel.runs.brief import run_brief
from account_intel.settings import Settings
from account_intel.store.engine import Store
from tests.agents.support import AS_OF


def _rules_brief(store: Store, tmp_path: Path, account: str) -> object:
    return run_brief(
        store=store,
        settings=Settings(home=tmp_path / "home"),
        account=account,
        as_of=AS_OF,
        brain="rules",
        out_dir=tmp_path / "out",
        clock=FixedClock.on(AS_OF),
    )


def test_rules_brief_for_techflow_matches_the_story_in_substance(store: Store, tmp_path: Path) -> None:
    result = _rules_brief(store, tmp_path, "TechFlow")
    assert result.status == "completed" and result.health.band == "Green"
    recs = result.findings.recommendations
    assert [r.type for r in recs[:3]] == ["seat_expansion", "tier_upgrade", "cross_sell"]
    assert [r.title for r in recs[:3]] == [
        "Seat expansion: Marketing",
        "Tier upgrade: Enterprise",
        "Cross-sell: Compliance Suite",
    ]
    assert [str(r.potential_arr.value) for r in recs[:3]] == ["18000", "24000", "15000"]
    assert all("London" not in r.title for r in recs[:3])  # EU / London expansion ranks lower
    assert result.findings.route == "expand" and len(result.findings.scenarios) >= 3
    with store.sessions() as session:
        ids = {i for r in recs for i in r.evidence_ids} | {i for c in result.health.drivers for i in c.evidence_ids}
        assert ids and all(resolves(session, i) for i in ids)
    assert result.grounding["remaining"] == [] and result.grounding["checked"] > 10
    for section in (
        "## Account Overview",
        "## Expansion Opportunities (Prioritized)",
        "## White-Space Analysis",
        "TechFlow Inc. White-Space Map",
        "## Expected Outcomes",
        "## Stakeholder Gaps",
        "## Risks & Mitigation",
    ):
        assert section in result.markdown


def test_rerunning_the_same_brief_reuses_its_thread(store: Store, tmp_path: Path) -> None:
    first = _rules_brief(store, tmp_path, "TechFlow")
    second = _rules_brief(store, tmp_path, "TechFlow")
    assert first.thread_id == second.thread_id == f"brief:ACCT-3421:{AS_OF.isoformat()}"
    assert [d["message_id"] for d in first.drafts] == [d["message_id"] for d in second.drafts]


def test_retailco_brief_puts_marketing_first(store: Store, tmp_path: Path) -> None:
    result = _rules_brief(store, tmp_path, "RetailCo")
    assert "Marketing" in result.findings.recommendations[0].title


def test_qbr_packet_has_its_sections_and_agenda(store: Store, tmp_path: Path) -> None:
    result = run_brief(
        store=store,
        settings=Settings(home=tmp_path / "home"),
        account="TechFlow",
        as_of=AS_OF,
        brain="rules",
        out_dir=tmp_path / "out",
        clock=FixedClock.on(AS_OF),
        kind="qbr",
    )
    packet = Path(result.deliverables["qbr_md"]).read_text()
    for part in (
        "Performance Review",
        "Unused Value",
        "Growth Opportunities",
        "Peer Benchmark",
        "Agenda (50 minutes)",
        "[15 min] Strategic growth opportunities",
    ):
        assert part in packet
    assert result.thread_id.startswith("qbr:ACCT-3421:")
    assert any(d["purpose"] == "qbr_invitation" for d in result.drafts)
