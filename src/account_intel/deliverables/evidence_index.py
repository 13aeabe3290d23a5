"""Numbers the evidence ids a brief cites, so the body shows [1, 2] and one appendix lists the ids."""

from __future__ import annotations

from account_intel.agents.schemas import HealthAssessment, OpportunityFindings, SegmentPlacement


def evidence_index(
    health: HealthAssessment, placement: SegmentPlacement, findings: OpportunityFindings
) -> dict[str, int]:
    """Each evidence id the brief cites, numbered from 1 in the order the brief first shows it."""
    cited: list[list[str]] = [r.evidence_ids for r in findings.recommendations]
    cited += [c.evidence_ids for c in findings.stakeholder_gaps + health.risks + findings.risks]
    cited += [c.evidence_ids for c in findings.text_signals + health.drivers + placement.rationale]
    cited += [d.evidence_ids for d in findings.outreach]
    index: dict[str, int] = {}
    for ids in cited:
        for evidence_id in ids:
            index.setdefault(evidence_id, len(index) + 1)
    return index
