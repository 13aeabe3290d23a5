"""Grounding rate: the share of claims, recommendations and figures whose evidence ids resolve in the store and
whose numbers reconcile with tool values (`agents.grounding`: a tool value, or a named formula of tool values).

Judged independently of the run's own check: the tools are called again after the run (see `tool_values`) and
ids are resolved against the store. The run's own report (repaired, replaced, dropped) is quoted in the reasons.
"""

from __future__ import annotations

from account_intel.agents.grounding import GroundingIssue, check_findings
from account_intel.agents.repair import health_issues, placement_issues
from account_intel.evals.evaluators.base import EvalInput
from account_intel.evals.evaluators.tool_values import StoreSink, gather
from account_intel.evals.results import Check, MetricResult

METRICS = ("grounding",)
SHOWN_ISSUES = 6


def sink_for(data: EvalInput) -> StoreSink:
    """The tool values of this account (gathered once per account run and shared with the numeric evaluator)."""
    if "sink" not in data.extras:
        data.extras["sink"], data.extras["skipped_tools"] = gather(
            data.store, data.settings, data.account_id, data.as_of
        )
    return data.extras["sink"]


def issues_by_item(data: EvalInput) -> dict[str, list[GroundingIssue]]:
    """Grounding issues per item path of the three agents' outputs (empty list: grounded)."""
    sink = sink_for(data)
    r = data.result
    out: dict[str, list[GroundingIssue]] = {}
    if r.health is not None:
        out |= {f"health.{k}": v for k, v in health_issues(r.health, sink).items()}
    if r.placement is not None:
        out |= {f"placement.{k}": v for k, v in placement_issues(r.placement, sink).items()}
    if r.findings is not None:
        out |= {f"findings.{k}": v for k, v in check_findings(r.findings, sink).items()}
    return out


def evaluate(data: EvalInput) -> list[MetricResult]:
    """One check per item; the reasons list the first issues found."""
    items = issues_by_item(data)
    checks = [
        Check(name=path, ok=not found, detail="; ".join(f"{i.kind}: {i.detail}" for i in found[:2]))
        for path, found in sorted(items.items())
    ]
    result = MetricResult.from_checks("grounding", checks, empty=f"no agent output to check (run {data.result.status})")
    result.reasons = result.reasons[:SHOWN_ISSUES] + (
        [f"... {len(result.reasons) - SHOWN_ISSUES} more"] if len(result.reasons) > SHOWN_ISSUES else []
    )
    own = data.result.grounding
    if own:
        result.reasons.append(
            "run's own check: "
            + ", ".join(f"{k} {len(own.get(k) or [])}" for k in ("repaired", "replaced", "dropped", "remaining"))
        )
    if skipped := data.extras.get("skipped_tools"):
        result.reasons.append(f"tools not callable for re-checking: {', '.join(skipped)}")
    return [result]
