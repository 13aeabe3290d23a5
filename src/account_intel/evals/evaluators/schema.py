"""Schema validity and completeness of the deliverables.

Validity: the run finished (completed or awaiting approval), the three agents' outputs are present (the result
parses them into their pydantic schemas), brief.md and brief.json exist and brief.json parses, and a QBR run wrote
its packet. Completeness: the brief has its required sections, every recommendation is rendered with its required
fields, and a QBR packet has its agenda sections.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from account_intel.evals.evaluators.base import EvalInput, norm
from account_intel.evals.results import Check, MetricResult

METRICS = ("schema",)

# Each required section: any of these phrases in a Markdown heading.
BRIEF_SECTIONS: dict[str, tuple[str, ...]] = {
    "account overview": ("account overview",),
    "expansion opportunities": ("expansion opportunities",),
    "white-space analysis": ("white space", "whitespace"),
    "expected outcomes": ("expected outcomes", "scenarios"),
    "stakeholder gaps": ("stakeholder",),
    "risks": ("risks",),
    "health drivers": ("health",),
}
# A QBR packet: the value story and the QBR agenda.
QBR_SECTIONS: dict[str, tuple[str, ...]] = {
    "performance review": ("performance", "partnership"),
    "unused value": ("unused value", "unused", "utilisation", "utilization", "adoption"),
    "expansion value propositions": ("expansion", "growth", "value proposition"),
    "peer benchmark": ("benchmark", "peer"),
    "agenda": ("agenda",),
}
RECOMMENDATION_FIELDS = ("Potential ARR", "Propensity", "Evidence", "Play", "Timeline", "Probability")
_HEADING = re.compile(r"^#{1,4}\s+(.+)$", re.MULTILINE)
_OPPORTUNITY = re.compile(r"^#{2,4}\s+Opportunity #\d+", re.MULTILINE)


def headings(markdown: str) -> list[str]:
    """The normalised text of every Markdown heading."""
    return [norm(h) for h in _HEADING.findall(markdown)]


def _sections(markdown: str, required: dict[str, tuple[str, ...]], where: str) -> list[Check]:
    found = headings(markdown)
    checks = []
    for name, phrases in required.items():
        ok = any(norm(p) in h for h in found for p in phrases)
        checks.append(Check(name=f"{where} section '{name}'", ok=ok, detail="" if ok else "missing"))
    return checks


def _recommendation_blocks(markdown: str, count: int) -> list[Check]:
    starts = [m.start() for m in _OPPORTUNITY.finditer(markdown)]
    checks = [
        Check(
            name="every recommendation rendered",
            ok=len(starts) == count,
            detail="" if len(starts) == count else f"{len(starts)} rendered of {count}",
        )
    ]
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else markdown.find("\n## ", start)
        block = markdown[start : end if end > 0 else None]
        missing = [f for f in RECOMMENDATION_FIELDS if f.lower() not in block.lower()]
        checks.append(
            Check(
                name=f"opportunity #{index + 1} fields", ok=not missing, detail=f"missing {missing}" if missing else ""
            )
        )
    return checks


def _file(paths: dict[str, str], key: str) -> Path | None:
    path = paths.get(key)
    return Path(path) if path and Path(path).is_file() else None


def evaluate(data: EvalInput) -> list[MetricResult]:
    """Validity and completeness checks of one account's deliverables."""
    r = data.result
    checks = [
        Check(
            name="run finished",
            ok=r.status in ("completed", "awaiting_approval") and not r.error,
            detail=f"status {r.status}" + (f": {r.error}" if r.error else ""),
        )
    ]
    for name in ("health", "placement", "findings"):
        present = getattr(r, name) is not None
        checks.append(Check(name=f"{name} output valid", ok=present, detail="" if present else "missing"))
    md = _file(r.deliverables, "brief_md")
    checks.append(Check(name="brief.md written", ok=md is not None and bool(r.markdown.strip())))
    js = _file(r.deliverables, "brief_json")
    parsed = False
    if js is not None:
        try:
            parsed = isinstance(json.loads(js.read_text(encoding="utf-8")), dict)
        except json.JSONDecodeError:
            parsed = False
    checks.append(Check(name="brief.json written and parses", ok=parsed))
    if r.markdown:
        checks += _sections(r.markdown, BRIEF_SECTIONS, "brief")
        if r.findings is not None:
            checks += _recommendation_blocks(r.markdown, len(r.findings.recommendations))
    if data.kind == "qbr":
        qbr = next((_file(r.deliverables, k) for k in r.deliverables if k.startswith("qbr") and k.endswith("md")), None)
        checks.append(
            Check(name="QBR packet written", ok=qbr is not None, detail="" if qbr else "no qbr_md deliverable")
        )
        if qbr is not None:
            checks += _sections(qbr.read_text(encoding="utf-8"), QBR_SECTIONS, "qbr")
    return [MetricResult.from_checks("schema", checks)]
