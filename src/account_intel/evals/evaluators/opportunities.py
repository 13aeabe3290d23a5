"""Opportunity recall, precision and whether the top-ranked item is right.

- recall: share of `must_find` items some recommendation matches (type, and target in its target, title or id).
- precision: share of recommendations that are not false positives: a false positive matches `must_not_find`,
  or appears when `none` is expected (a Red account goes to the rescue play, a churned one gets nothing), or, for
  an `exhaustive` list, matches neither `must_find` nor `may_find`. No recommendation at all scores 1.0.
- top1: the first recommendation matches one of `top`; not applicable when `top` is empty.
"""

from __future__ import annotations

from account_intel.agents.schemas import Recommendation
from account_intel.evals.evaluators.base import EvalInput, contains
from account_intel.evals.results import Check, MetricResult
from account_intel.evals.scenario import OpportunityRef

METRICS = ("opp_recall", "opp_precision", "opp_top1")


def label(ref: OpportunityRef) -> str:
    """`seat_expansion:Marketing` style name of an expectation."""
    return f"{ref.type}:{ref.target or '*'}"


def matches(ref: OpportunityRef, rec: Recommendation) -> bool:
    """Type equal (or `any`) and the target named in the recommendation's target, title or id."""
    if ref.type != "any" and rec.type != ref.type:
        return False
    if ref.target is None:
        return True
    return any(contains(text, ref.target) for text in (rec.target, rec.title, rec.id.replace("_", " ")))


def _name(rec: Recommendation) -> str:
    return f"{rec.type}:{rec.target or rec.title}"


def evaluate(data: EvalInput) -> list[MetricResult]:
    """Recall, precision and top-1 of the recommendations against the scenario's expectations."""
    exp = data.expect.opportunities
    findings = data.result.findings
    if findings is None:
        reason = f"no findings (run {data.result.status})"
        recall = [Check(name=f"found {label(r)}", ok=False, needs=r.needs, detail=reason) for r in exp.must_find]
        return [
            MetricResult.from_checks("opp_recall", recall),
            MetricResult(metric="opp_precision", score=None, reasons=[reason]),
            MetricResult(metric="opp_top1", score=0.0 if exp.top else None, reasons=[reason]),
        ]
    recs = findings.recommendations
    recall = [
        Check(
            name=f"found {label(ref)}",
            ok=any(matches(ref, r) for r in recs),
            needs=ref.needs,
            detail="" if any(matches(ref, r) for r in recs) else f"not among {[_name(r) for r in recs]}",
        )
        for ref in exp.must_find
    ]
    precision = []
    for rec in recs:
        why = ""
        if exp.none:
            why = "no expansion expected here (Red: rescue play; churned: nothing)"
        elif bad := [label(ref) for ref in exp.must_not_find if matches(ref, rec)]:
            why = f"must not be recommended ({', '.join(bad)})"
        elif exp.exhaustive and not any(matches(ref, rec) for ref in [*exp.must_find, *exp.may_find]):
            why = "not an expected opportunity"
        precision.append(Check(name=f"recommended {_name(rec)}", ok=not why, detail=why))
    top: list[Check] = []
    if exp.top:
        first = recs[0] if recs else None
        ok = first is not None and any(matches(ref, first) for ref in exp.top)
        detail = (
            ""
            if ok
            else f"first is {_name(first) if first else 'nothing'}, expected one of {[label(r) for r in exp.top]}"
        )
        top.append(Check(name="top-ranked item", ok=ok, needs=exp.top_needs, detail=detail))
    precision_result = MetricResult.from_checks("opp_precision", precision)
    if not recs:
        precision_result = MetricResult(metric="opp_precision", score=1.0, reasons=["no recommendations"])
    return [
        MetricResult.from_checks("opp_recall", recall),
        precision_result,
        MetricResult.from_checks("opp_top1", top),
    ]
