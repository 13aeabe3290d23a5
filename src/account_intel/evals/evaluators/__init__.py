"""The evaluators, one module each; every one returns metric results with a 0-1 score and the reasons."""

from __future__ import annotations

from collections.abc import Callable

from account_intel.evals.evaluators import grounding, narrative, numeric, opportunities, placement, safety, schema
from account_intel.evals.evaluators.base import EvalInput
from account_intel.evals.results import MetricResult

Evaluator = Callable[[EvalInput], list[MetricResult]]

EVALUATORS: tuple[Evaluator, ...] = (
    opportunities.evaluate,
    placement.evaluate,
    narrative.evaluate,
    grounding.evaluate,
    numeric.evaluate,
    safety.evaluate,
    schema.evaluate,
)
METRICS: tuple[str, ...] = (
    *opportunities.METRICS,
    *placement.METRICS,
    *narrative.METRICS,
    *grounding.METRICS,
    *numeric.METRICS,
    *safety.METRICS,
    *schema.METRICS,
)
HARD_METRICS = frozenset({"safety"})

__all__ = ["EVALUATORS", "HARD_METRICS", "METRICS", "EvalInput", "Evaluator"]
