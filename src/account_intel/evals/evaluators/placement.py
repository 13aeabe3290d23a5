"""Placement: the run's status, the health band, segment, tier, route and decline flag against the expectations.

The band and decline flag come from the health-scorer, segment and tier from the segmentation-analyst, the route
from the opportunity-identifier (the segmentation-analyst's when there are no findings). Score: share right.
"""

from __future__ import annotations

from account_intel.evals.evaluators.base import EvalInput
from account_intel.evals.results import Check, MetricResult

METRICS = ("placement",)


def _check(name: str, expected: object, actual: object) -> Check:
    ok = actual in expected if isinstance(expected, list) else actual == expected
    return Check(name=name, ok=ok, detail="" if ok else f"expected {expected}, got {actual}")


def evaluate(data: EvalInput) -> list[MetricResult]:
    """One check per expectation that is set."""
    exp, result = data.expect, data.result
    checks = [_check("run status", exp.status, result.status)]
    health, placement, findings = result.health, result.placement, result.findings
    if exp.health_band:
        checks.append(_check("health band", exp.health_band, health.band if health else None))
    if exp.decline_flagged is not None:
        checks.append(_check("health decline flagged", exp.decline_flagged, health.decline_flagged if health else None))
    if exp.segment:
        checks.append(_check("segment", exp.segment, placement.segment if placement else None))
    if exp.tier:
        checks.append(_check("tier", exp.tier, placement.tier if placement else None))
    if exp.route:
        route = findings.route if findings else placement.route if placement else None
        checks.append(_check("route", exp.route, route))
    return [MetricResult.from_checks("placement", checks)]
