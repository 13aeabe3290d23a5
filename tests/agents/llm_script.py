"""A scripted OpenAI-compatible model for the llm brain: it calls the same tools as the rules brain, then answers
with a structured output the test prepared (by default the rules brain's own answer)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import httpx

from account_intel.agents.rules import RULES
from account_intel.tools.context import ToolContext
from tests.llm_scripts import completion

AGENT_TOOLS = {
    "HealthAssessment": ["get_health_breakdown"],
    "SegmentPlacement": ["get_account_profile", "get_opportunities"],
    "OpportunityFindings": [
        "get_opportunities",
        "get_stakeholder_map",
        "get_signals",
        "get_account_profile",
        "get_whitespace_map",
    ],
}
AGENT_OF_SCHEMA = {
    "HealthAssessment": "health-scorer",
    "SegmentPlacement": "segmentation-analyst",
    "OpportunityFindings": "opportunity-identifier",
}
TOOL_ARGS = {"get_opportunities": {"limit": 6}, "get_signals": {"limit": 15}}


def rules_answers(ctx: ToolContext, task: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The rules brain's outputs per schema name, as JSON (what a faithful model would answer)."""
    return {schema: RULES[agent](ctx, task).model_dump(mode="json") for schema, agent in AGENT_OF_SCHEMA.items()}


class ScriptedModel:
    """Answers chat completions: first turn calls the agent's tools, second turn gives the structured answer."""

    def __init__(
        self,
        answers: dict[str, dict[str, Any]],
        edit: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None,
        repair: Callable[[dict[str, Any]], httpx.Response] | None = None,
    ) -> None:
        self.answers, self.edit, self.repair = answers, edit, repair
        self.requests: list[dict[str, Any]] = []

    def reading(self, body: dict[str, Any]) -> dict[str, Any]:
        """The TextSignals answer: `answers["TextSignals"]` when the test set one, else no signals."""
        prompt = body["messages"][-1]["content"]
        account = re.search(r'account_id "([^"]+)"', prompt)
        return self.answers.get("TextSignals") or {"account_id": account.group(1) if account else "", "signals": []}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.requests.append(body)
        offered = {t["function"]["name"] for t in body.get("tools", [])}
        if "TextSignals" in offered:  # the opportunity-identifier's reading of the free text
            return completion(tool_calls=[("TextSignals", self.reading(body))], usage=(1800, 200))
        schema = next((name for name in AGENT_OF_SCHEMA if name in offered), None)
        if schema is None:  # a repair call (with_structured_output offers only the repair schema)
            assert self.repair is not None, f"unexpected call offering {offered}"
            return self.repair(body)
        if body["messages"][-1]["role"] != "tool":
            calls = [(name, TOOL_ARGS.get(name, {})) for name in AGENT_TOOLS[schema]]
            return completion(tool_calls=calls, usage=(1500, 60))
        answer = self.answers[schema]
        if self.edit is not None:
            answer = self.edit(schema, json.loads(json.dumps(answer)))
        return completion(tool_calls=[(schema, answer)], usage=(2500, 400))
