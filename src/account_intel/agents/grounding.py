"""Grounding: every claim cites evidence ids that exist in this run, and every number is a tool value
or follows from tool values by a named formula.

Numbers written in free text are checked too: money (`$18K`, `$85,000`, `$1.2M`), percentages (`58%`) and counts
of two digits or more. A written number matches a tool value when it is that value rounded at the precision it was
written with (`$1.2M` covers 1,150,000-1,250,000; `58%` covers a ratio of 0.575-0.585 or a percentage of 57.5-58.5).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from decimal import Decimal

from pydantic import BaseModel

from account_intel.agents.schemas import Claim, Figure, OpportunityFindings, Recommendation
from account_intel.tools.context import EvidenceSink

_MONEY = re.compile(r"\$\s?(\d[\d,]*(?:\.\d+)?)\s?([KkMm](?![a-z]))?")
_PERCENT = re.compile(r"(?<![\w.$])(\d+(?:\.\d+)?)\s?%")
_COUNT = re.compile(r"(?<![\w.$:/-])(\d{2,}(?:,\d{3})*(?:\.\d+)?)(?![\w%:/-])")
_SCALE = {"k": Decimal(1000), "m": Decimal(1_000_000)}
_ONE = Decimal(1)


def _sum(inputs: list[Decimal]) -> Decimal:
    return sum(inputs, Decimal(0))


def _difference(inputs: list[Decimal]) -> Decimal:
    return inputs[0] - _sum(inputs[1:])


def _product(inputs: list[Decimal]) -> Decimal:
    out = _ONE
    for value in inputs:
        out *= value
    return out


def _ratio(inputs: list[Decimal]) -> Decimal:
    return inputs[0] / inputs[1]


def _percent(inputs: list[Decimal]) -> Decimal:
    return inputs[0] / inputs[1] * 100


FORMULAS: dict[str, Callable[[list[Decimal]], Decimal]] = {
    "sum": _sum,
    "difference": _difference,
    "product": _product,
    "ratio": _ratio,
    "percent": _percent,
}


class GroundingIssue(BaseModel):
    """Why one item is not grounded."""

    path: str
    kind: str
    detail: str


def _close(value: Decimal, target: Decimal, tolerance: Decimal) -> bool:
    return abs(value - target) <= tolerance


def _allowed(sink: EvidenceSink, figures: Iterable[Figure]) -> set[Decimal]:
    allowed = set(sink.numbers)
    for figure in figures:
        allowed.add(figure.value)
        allowed.update(figure.inputs)
    return allowed


def _written_numbers(text: str) -> list[tuple[str, Decimal, Decimal, str]]:
    """(kind, value, tolerance, literal) for each number written in a text."""
    out: list[tuple[str, Decimal, Decimal, str]] = []
    taken: list[tuple[int, int]] = []
    for match in _MONEY.finditer(text):
        digits, suffix = match.group(1).replace(",", ""), (match.group(2) or "").lower()
        scale = _SCALE.get(suffix, _ONE)
        places = len(digits.split(".")[1]) if "." in digits else 0
        tolerance = scale * Decimal(1).scaleb(-places) / 2 if suffix else Decimal("0.005")
        out.append(("money", Decimal(digits) * scale, tolerance, match.group(0)))
        taken.append(match.span())
    for match in _PERCENT.finditer(text):
        digits = match.group(1)
        places = len(digits.split(".")[1]) if "." in digits else 0
        out.append(("percent", Decimal(digits), Decimal(1).scaleb(-places) / 2, match.group(0)))
        taken.append(match.span())
    for match in _COUNT.finditer(text):
        if any(start <= match.start() < end for start, end in taken):
            continue
        value = Decimal(match.group(1).replace(",", ""))
        if 1990 <= value <= 2100 and "." not in match.group(1):
            continue  # a year
        out.append(("count", value, Decimal(0), match.group(0)))
    return out


def _number_is_grounded(kind: str, value: Decimal, tolerance: Decimal, allowed: set[Decimal]) -> bool:
    for candidate in allowed:
        if _close(value, candidate, tolerance):
            return True
        if kind == "percent" and (
            _close(value, candidate * 100, tolerance) or _close(value, (candidate - 1) * 100, tolerance)
        ):
            return True
    return False


def check_text(text: str, allowed: set[Decimal], path: str) -> list[GroundingIssue]:
    """Issues for numbers in `text` that are not tool values at the precision written."""
    return [
        GroundingIssue(path=path, kind="ungrounded_number", detail=f"'{literal}' is not a value any tool returned")
        for kind, value, tolerance, literal in _written_numbers(text)
        if not _number_is_grounded(kind, value, tolerance, allowed)
    ]


def check_figure(figure: Figure, sink: EvidenceSink, path: str) -> list[GroundingIssue]:
    """A figure is grounded when it is a tool value, or a known formula of tool values gives it."""
    if figure.formula is None:
        if any(_close(figure.value, n, Decimal("0.005")) for n in sink.numbers):
            return []
        return [
            GroundingIssue(
                path=path, kind="ungrounded_number", detail=f"{figure.label} {figure.value} is not a tool value"
            )
        ]
    formula = FORMULAS.get(figure.formula)
    if formula is None:
        return [
            GroundingIssue(
                path=path, kind="unknown_formula", detail=f"formula '{figure.formula}' is not a named formula"
            )
        ]
    missing = [str(i) for i in figure.inputs if not any(_close(i, n, Decimal("0.005")) for n in sink.numbers)]
    if missing or not figure.inputs:
        return [
            GroundingIssue(path=path, kind="ungrounded_input", detail=f"inputs {missing or '[]'} are not tool values")
        ]
    try:
        expected = formula(list(figure.inputs))
    except (ArithmeticError, IndexError):
        return [
            GroundingIssue(path=path, kind="bad_formula", detail=f"{figure.formula}{figure.inputs} cannot be computed")
        ]
    if not _close(expected, figure.value, Decimal("0.01")):
        return [
            GroundingIssue(
                path=path,
                kind="bad_formula",
                detail=f"{figure.formula}{figure.inputs} = {expected}, not {figure.value}",
            )
        ]
    return []


def check_evidence(ids: Iterable[str], sink: EvidenceSink, path: str) -> list[GroundingIssue]:
    """Issues for evidence ids no tool returned in this run."""
    return [
        GroundingIssue(path=path, kind="unknown_evidence", detail=f"evidence id '{i}' was not returned by any tool")
        for i in ids
        if not sink.has(i)
    ]


def check_claim(claim: Claim, sink: EvidenceSink, path: str) -> list[GroundingIssue]:
    """Evidence, figures and written numbers of one claim."""
    issues = check_evidence(claim.evidence_ids, sink, path)
    for index, figure in enumerate(claim.figures):
        issues += check_figure(figure, sink, f"{path}.figures[{index}]")
    return issues + check_text(claim.text, _allowed(sink, claim.figures), path)


def check_recommendation(rec: Recommendation, sink: EvidenceSink, path: str) -> list[GroundingIssue]:
    """Evidence, the sized potential and every number written in the texts of one recommendation."""
    issues = check_evidence(rec.evidence_ids, sink, path) + check_figure(
        rec.potential_arr, sink, f"{path}.potential_arr"
    )
    allowed = _allowed(sink, [rec.potential_arr]) | {Decimal(rec.propensity), Decimal(rec.probability)}
    for name in ("title", "current_state", "trigger", "rationale", "play", "timeline", "readiness"):
        issues += check_text(getattr(rec, name), allowed, f"{path}.{name}")
    return issues


def check_findings(findings: OpportunityFindings, sink: EvidenceSink) -> dict[str, list[GroundingIssue]]:
    """Issues per item path of an opportunity-identifier output (empty lists are grounded items)."""
    out: dict[str, list[GroundingIssue]] = {}
    for index, rec in enumerate(findings.recommendations):
        out[f"recommendations[{index}]"] = check_recommendation(rec, sink, f"recommendations[{index}]")
    for name in ("total_potential", "target_90d", "nrr_impact"):
        out[name] = check_figure(getattr(findings, name), sink, name)
    for index, figure in enumerate(findings.scenarios):
        out[f"scenarios[{index}]"] = check_figure(figure, sink, f"scenarios[{index}]")
    for group in ("stakeholder_gaps", "risks", "text_signals"):
        for index, claim in enumerate(getattr(findings, group)):
            out[f"{group}[{index}]"] = check_claim(claim, sink, f"{group}[{index}]")
    return out
