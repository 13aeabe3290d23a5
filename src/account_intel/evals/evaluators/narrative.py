"""Coverage of the narrative: the facts the brief must mention and the stakeholder gaps it must flag.

- mentions: each expected fact is found (any of its phrases, case-insensitive) where it must be: the rendered brief,
  the QBR packet, or the claims of one section of the findings (stakeholder gaps, risks, signals read from notes).
- stakeholder_gaps: each expected gap is named in the findings' stakeholder gaps (or the brief's section of them).
"""

from __future__ import annotations

from pathlib import Path

from account_intel.evals.evaluators.base import EvalInput, contains
from account_intel.evals.results import Check, MetricResult
from account_intel.evals.scenario import TextRef

METRICS = ("mentions", "stakeholder_gaps")
SECTION = "## Stakeholder Gaps"


def _qbr_text(data: EvalInput) -> str:
    for key, path in data.result.deliverables.items():
        if key.startswith("qbr") and key.endswith("md") and Path(path).is_file():
            return Path(path).read_text(encoding="utf-8")
    return ""


def _brief_section(markdown: str, heading: str) -> str:
    start = markdown.find(heading)
    if start < 0:
        return ""
    end = markdown.find("\n## ", start + len(heading))
    return markdown[start : end if end > 0 else None]


def _text(data: EvalInput, where: str) -> str:
    findings = data.result.findings
    if where == "brief":
        return data.result.markdown
    if where == "qbr":
        return _qbr_text(data)
    claims = getattr(findings, where, []) if findings else []
    text = "\n".join(c.text for c in claims)
    if where == "stakeholder_gaps":
        text += "\n" + _brief_section(data.result.markdown, SECTION)
    if where == "risks" and data.result.health:
        text += "\n" + "\n".join(c.text for c in data.result.health.risks)
    return text


def _check(data: EvalInput, ref: TextRef, default_where: str) -> Check:
    where = ref.where if ref.where != "brief" or default_where == "brief" else default_where
    text = _text(data, where)
    ok = any(contains(text, phrase, whole_words=False) for phrase in ref.any_of)
    name = ref.note or " | ".join(ref.any_of)
    return Check(name=f"{where}: {name}", ok=ok, needs=ref.needs, detail="" if ok else "not found")


def evaluate(data: EvalInput) -> list[MetricResult]:
    """The two coverage metrics (not applicable when the scenario expects nothing of them)."""
    mentions = [_check(data, ref, "brief") for ref in data.expect.mentions]
    gaps = [_check(data, ref, "stakeholder_gaps") for ref in data.expect.stakeholder_gaps]
    return [MetricResult.from_checks("mentions", mentions), MetricResult.from_checks("stakeholder_gaps", gaps)]
