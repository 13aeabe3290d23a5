"""LLM-as-judge of narrative quality: optional, off by default, and only with a live model endpoint.

The judge reads the rendered brief and the scenario's facts with the rubric in `evals/judge.md.j2` and answers
with a `Verdict` whose `reasoning` field comes before its `score` (1-5), so the model argues before it scores.
Score = (score - 1) / 4. A judge is a model too: treat its figures as a trend over many scenarios, not a verdict.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import httpx
import openai
from pydantic import BaseModel, Field, ValidationError

from account_intel.content.templates import parse_template, render
from account_intel.evals.evaluators.base import EvalInput
from account_intel.evals.results import MetricResult
from account_intel.llm.factory import LLMFactory

METRICS = ("judge",)
TEMPLATE = "judge.md.j2"


class Verdict(BaseModel):
    """The judge's answer: reasoning first, then the score."""

    reasoning: str = Field(description="Why, point by point, before deciding the score.")
    score: Annotated[int, Field(ge=1, le=5, description="1 useless, 3 usable, 5 excellent.")]


def judge_prompt(data: EvalInput, template: Path) -> str:
    """The judge's user message for one account's brief."""
    facts = [" / ".join(ref.any_of) for ref in data.expect.mentions]
    return render(
        parse_template(template),
        question=data.scenario.question.text,
        facts=json.dumps(facts),
        brief=data.result.markdown.replace("```", "'''"),
    )


class Judge:
    """Calls the judge model through the project's LLM factory (its httpx clients, timeouts and retries)."""

    def __init__(self, factory: LLMFactory, template: Path, role: str = "writer") -> None:
        self.factory, self.template, self.role = factory, template, role

    def evaluate(self, data: EvalInput) -> list[MetricResult]:
        """The judge metric for one account's run (not applicable without a brief)."""
        if not data.result.markdown.strip():
            return [MetricResult(metric="judge", score=None, reasons=["no brief to judge"])]
        model = self.factory.chat_model(self.role).with_structured_output(Verdict, method="function_calling")
        try:
            verdict = model.invoke([{"role": "user", "content": judge_prompt(data, self.template)}])
        except (openai.APIError, httpx.HTTPError, ValidationError) as exc:  # the judge is optional: report, go on
            return [MetricResult(metric="judge", score=None, reasons=[f"judge failed: {type(exc).__name__}: {exc}"])]
        if not isinstance(verdict, Verdict):
            return [MetricResult(metric="judge", score=None, reasons=["the judge gave no verdict"])]
        return [
            MetricResult(
                metric="judge",
                score=round((verdict.score - 1) / 4, 4),
                reasons=[f"{verdict.score}/5: {verdict.reasoning[:600]}"],
            )
        ]
