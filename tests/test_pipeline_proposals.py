from __future__ import annotations

import shutil
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from account_intel.content import content_root
from account_intel.content.templates import parse_template
from account_intel.domain.enums import OpportunityStage
from account_intel.errors import InvalidStateError
from account_intel.pipeline import proposals
from account_intel.pipeline.errors import FieldProblems, PdfUnavailable, ProposalGenerationFailed
from account_intel.pipeline.pdf import markdown_to_pdf
from account_intel.pipeline.schemas import ProposalRequest, parse
from account_intel.store.engine import Store
from account_intel.store.events import list_events
from account_intel.store.models import Opportunity, Proposal, ProposalOpportunity
from tests.pipeline_support import create, day, move, seed_retailco

SECTIONS = [
    "## 1. Executive Summary",
    "## 2. Proposed Scope",
    "## 3. Commercial Terms",
    "## 4. Implementation Plan",
    "## 5. Why Us",
    "## 6. Team",
    "## 7. Next Steps",
]


def _won_history(store: Store) -> None:
    with store.transaction() as session:
        session.add(
            Opportunity(
                id="EXP-2024-0412",
                account_id="ACCT-2001",
                name="Additional IT roles",
                type="volume_increase",
                stage=OpportunityStage.CLOSED_WON,
                probability=100,
                estimated_value=Decimal("45000"),
                closed_value=Decimal("45000"),
                created_at=day(5, 20),
                updated_at=day(6, 18),
            )
        )


def _generate(store: Store, opp_id: str, content_dir: Path | None = None, **fields: object):
    request = parse(ProposalRequest, "Failed to generate proposal.", opportunity_id=opp_id, **fields)
    with store.transaction() as session:
        return proposals.generate_proposal(
            session, request=request, at=day(12, 9), actor="U-AM", content_dir=content_dir
        )


def test_tc005_proposal_is_auto_populated_with_account_data(store: Store) -> None:
    seed_retailco(store)
    _won_history(store)
    opp = create(store)
    move(store, opp.id, "qualified", day(12, 3))
    doc = _generate(
        store,
        opp.id,
        scope=[
            {"description": "Graphic Designer", "volume": "4-5", "value": "60000"},
            {"description": "Digital Marketing Specialist", "volume": "3-4", "value": "55000"},
            {"description": "Content Writer", "volume": "2-3", "value": "35000"},
            {"description": "Social Media Manager", "volume": "1-2", "value": "30000"},
        ],
    )
    md = doc.markdown
    positions = [md.index(section) for section in SECTIONS]
    assert positions == sorted(positions)
    assert "Prepared for **RetailCo** · Proposal PRP-2024-0001 · December 9, 2024" in md
    assert "| Graphic Designer | 4-5 | $60,000 |" in md and "| **Total** | | **$180,000** |" in md
    assert "Consistent with the existing agreement (C-ACCT-2001):" in md
    assert "- Payment terms: Net 30" in md and "- Billing: monthly" in md
    assert "- 18 months as a customer (since May 30, 2023)" in md
    assert "- Current annual partnership: $340,000" in md
    assert "- Expansions won together: 1 ($45,000: Additional IT roles)" in md
    assert "- Net Promoter Score: 67 (3 responses in the last 12 months)" in md
    assert "- Account owner: Sam Rivera (u-am@vendor.test)" in md and "Avery Stone" in md
    assert "2. Decision and contract amendment by December 31, 2024" in md
    assert doc.summary.net_value == Decimal("180000.00") and doc.summary.opportunity_ids == [opp.id]
    for section in SECTIONS:
        assert f"<h2>{section.removeprefix('## ')}</h2>" in doc.html
    with store.transaction() as session:
        stored = session.get(Proposal, doc.summary.id)
        assert stored is not None and stored.content_md == md and len(stored.scope) == 4
        assert list_events(session, kind="proposal.generated")[0].payload["opportunity_ids"] == [opp.id]


def test_a3_bundle_with_package_discount(store: Store) -> None:
    seed_retailco(store)
    marketing = create(store)
    bench = create(store, name="Bench Sales", type="new_service", estimated_value="100000", target_departments=[])
    doc = _generate(store, marketing.id, bundle=[bench.id, marketing.id], discount_pct="5")
    s = doc.summary
    assert s.opportunity_ids == [marketing.id, bench.id]
    assert (s.gross_value, s.discount_pct, s.discount_value, s.net_value) == (
        Decimal("250000.00"),
        Decimal("5.00"),
        Decimal("12500.00"),
        Decimal("237500.00"),
    )
    assert "as a bundle of 2 expansions" in doc.markdown and "after a 5% package discount" in doc.markdown
    assert "| Package discount (5%) | | -$12,500 |" in doc.markdown
    assert "| Bench Sales | - | $100,000 |" in doc.markdown
    with store.transaction() as session:
        rows = session.query(ProposalOpportunity).order_by(ProposalOpportunity.position).all()
        assert [(r.opportunity_id, r.value) for r in rows] == [
            (marketing.id, Decimal("150000.00")),
            (bench.id, Decimal("100000.00")),
        ]


def test_a_discount_reads_with_the_right_article(store: Store) -> None:
    seed_retailco(store)
    opp = create(store)
    doc = _generate(store, opp.id, discount_pct="8")
    assert "after an 8% package discount" in doc.markdown and "after an 8% package discount" in doc.html
    assert "has worked with us for 18 months." in doc.markdown and "1 months" not in doc.markdown


def test_bundle_rules(store: Store) -> None:
    seed_retailco(store)
    seed_retailco(store, account_id="ACCT-9", name="Globex")
    mine = create(store)
    theirs = create(store, account="Globex", source_contact="ACCT-9-TOM", champion="ACCT-9-TOM")
    with pytest.raises(InvalidStateError, match="belongs to another account"):
        _generate(store, mine.id, bundle=[theirs.id])
    with pytest.raises(FieldProblems, match="Discount must be a percentage between 0 and 50"):
        parse(ProposalRequest, "Failed to generate proposal.", opportunity_id="x", discount_pct="60")


def test_html_and_markdown_are_escaped(store: Store) -> None:
    seed_retailco(store)
    opp = create(store, name="<script>alert(1)</script>")
    doc = _generate(store, opp.id)
    assert "<script>" not in doc.html and "&lt;script&gt;" in doc.html
    assert "<script" not in doc.markdown and "&lt;script>alert(1)&lt;/script>" in doc.markdown  # inert in a viewer


def _broken_content(tmp_path: Path, breakage: str) -> Path:
    root = tmp_path / "content"
    shutil.copytree(content_root(), root, ignore=shutil.ignore_patterns("__pycache__"))
    template = root / "prompts" / "documents" / "proposal.md.j2"
    if breakage == "syntax":
        template.write_text(template.read_text().replace("{% endfor %}", "{% endfr %}", 1))
    elif breakage == "missing":
        template.unlink()
    else:
        template.write_text(template.read_text().replace("{{ plan.kickoff }}", "{{ plan.kickoff.nope }}"))
    return root


@pytest.mark.parametrize("breakage", ["syntax", "missing", "undefined"])
def test_template_failure_gives_the_seed_message_and_stores_nothing(
    store: Store, tmp_path: Path, breakage: str
) -> None:
    seed_retailco(store)
    opp = create(store)
    with pytest.raises(ProposalGenerationFailed) as exc:
        _generate(store, opp.id, content_dir=_broken_content(tmp_path, breakage))
    assert str(exc.value).startswith("Failed to generate proposal. Use manual creation. (")
    with store.transaction() as session:
        assert session.query(Proposal).count() == 0


def test_files_md_html_pdf(store: Store, tmp_path: Path) -> None:
    pytest.importorskip("fpdf")
    seed_retailco(store)
    opp = create(store)
    doc = _generate(store, opp.id)
    with store.transaction() as session:
        written = proposals.write_proposal_files(
            session.get(Proposal, doc.summary.id), formats=["md", "html", "pdf"], out_dir=tmp_path / "out"
        )
    assert written["md"].read_text() == doc.markdown
    assert written["html"].read_text().startswith("<!DOCTYPE html>")
    assert written["pdf"].read_bytes().startswith(b"%PDF")


def test_pdf_without_fpdf2_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "fpdf", None)
    with pytest.raises(PdfUnavailable) as exc:
        markdown_to_pdf("# Title", title="t")
    assert str(exc.value) == "PDF output needs fpdf2: pip install 'account-intel[pdf]'"


def test_shipped_proposal_templates_declare_their_variables() -> None:
    folder = content_root() / "prompts" / "documents"
    for name in ("proposal.md.j2", "proposal.html.j2"):
        spec = parse_template(folder / name)
        assert spec.variables
