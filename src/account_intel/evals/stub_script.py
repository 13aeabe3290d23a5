"""The scripted "model" behind the local stub server, for recording cassettes when no live endpoint is reachable.

It is not a model. For each agent it answers in two turns, the way a tool-calling model would:
1. it calls the data tools the rules brain calls (same names and arguments, so the run's evidence sink gets the
   same evidence), plus a `search_activities` call when the script asks for one;
2. it answers with the output schema's tool call, filled by running the rules brain on the bound scenario store,
   then edited by the cassette set's script (`stub_script.yaml`): promote a recommendation, add claims read
   from free text that cite the activities the search returned.
A repair request gets its items back unchanged. Token usage is a deterministic estimate (characters / 4).
So a cassette recorded against it exercises the llm brain's mechanics (HTTP, tool calls, structured output,
grounding, fallbacks, record/replay), and says nothing about how well a real model does.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from account_intel.agents.rules import RULES
from account_intel.agents.schemas import Claim, TextSignals
from account_intel.agents.text_reader import matcher_signals, source_texts
from account_intel.analytics.health.account import account_facts
from account_intel.analytics.signals.text_matcher import default_matcher
from account_intel.evals.evaluators.base import contains
from account_intel.settings import Settings
from account_intel.store.engine import Store
from account_intel.tools.context import ToolContext

SCHEMA_AGENTS = {
    "HealthAssessment": "health-scorer",
    "SegmentPlacement": "segmentation-analyst",
    "OpportunityFindings": "opportunity-identifier",
}
REPAIR_TOOLS = ("RepairedClaims", "RepairedRecommendations")
# The tool calls of each rules-brain agent (agents/rules.py), made in the first turn.
RULES_CALLS: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "health-scorer": [("get_health_breakdown", {})],
    "segmentation-analyst": [("get_account_profile", {}), ("get_opportunities", {"limit": 3})],
    "opportunity-identifier": [
        ("get_opportunities", {"limit": 6}),
        ("get_stakeholder_map", {}),
        ("get_signals", {"limit": 15}),
        ("get_account_profile", {}),
    ],
}
_JSON_BLOCK = re.compile(r"```json\n(.*?)\n```", re.DOTALL)


class AgentEdit(BaseModel):
    """What the script changes in one agent's answer for one scenario."""

    model_config = ConfigDict(extra="forbid")

    search: str | None = Field(default=None, description="Query for an extra search_activities call.")
    promote: str | None = Field(default=None, description="Move the recommendation naming this target first.")
    text_signals: list[str] = Field(default_factory=list, description="Claims read from the searched activities.")
    risks: list[str] = Field(default_factory=list, description="Risk claims citing the searched activities.")


def load_script(path: Path) -> dict[str, dict[str, AgentEdit]]:
    """scenario id -> agent -> edit, from a cassette set's stub_script.yaml (empty when there is none)."""
    if not path.is_file():
        return {}
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {sid: {agent: AgentEdit.model_validate(e) for agent, e in agents.items()} for sid, agents in raw.items()}


@dataclass
class Binding:
    """The scenario the stub answers for: its store, settings and script."""

    store: Store
    settings: Settings
    scenario_id: str
    as_of: date
    edits: dict[str, AgentEdit] = field(default_factory=dict)


class ScriptedModel:
    """Turns a chat-completion request into a scripted response (thread-safe; bound to one scenario at a time)."""

    def __init__(self, script: dict[str, dict[str, AgentEdit]] | None = None) -> None:
        self.script = script or {}
        self._binding: Binding | None = None
        self._lock = threading.Lock()
        self._calls = 0

    def bind(self, store: Store, settings: Settings, scenario_id: str, as_of: date) -> None:
        """Answer for this scenario from now on."""
        with self._lock:
            self._binding = Binding(store, settings, scenario_id, as_of, self.script.get(scenario_id, {}))

    def respond(self, body: dict[str, Any]) -> dict[str, Any]:
        """The chat completion for one request."""
        with self._lock:
            binding = self._binding
            self._calls += 1
            number = self._calls
        if binding is None:
            raise RuntimeError("the stub model is not bound to a scenario")
        tools = [t["function"]["name"] for t in body.get("tools", [])]
        messages = body.get("messages", [])
        repair = next((t for t in tools if t in REPAIR_TOOLS), None)
        if repair is not None:
            return _completion(number, body, [(repair, {"items": _items(messages)})])
        if "TextSignals" in tools:  # a faithful reader: the keyword matcher's reading of the same texts
            return _completion(number, body, [("TextSignals", _reading(binding, messages))])
        schema = next((t for t in tools if t in SCHEMA_AGENTS), None)
        if schema is None:
            return _completion(number, body, [], content="No structured output was requested.")
        agent = SCHEMA_AGENTS[schema]
        edit = binding.edits.get(agent, AgentEdit())
        if not any(m.get("role") == "tool" for m in messages):
            calls = [(n, a) for n, a in RULES_CALLS[agent] if n in tools]
            if edit.search and "search_activities" in tools:
                calls.append(("search_activities", {"query": edit.search, "limit": 10}))
            return _completion(number, body, calls)
        task = _task(messages)
        ctx = ToolContext(
            sessions=binding.store.sessions,
            settings=binding.settings,
            as_of=binding.as_of,
            account_id=str(task.get("account_id")),
            run_id="stub",
        )
        output = RULES[agent](ctx, task)
        answer = _edited(output.model_dump(mode="json"), edit, _searched_ids(messages))
        return _completion(number, body, [(schema, answer)])


def _reading(binding: Binding, messages: list[dict[str, Any]]) -> dict[str, Any]:
    """What the keyword matcher reads in the texts the prompt gave (the stub reads no better than the rules)."""
    prompt = str(messages[-1].get("content", "")) if messages else ""
    found = re.search(r'account_id "([^"]+)"', prompt)
    account_id = found.group(1) if found else ""
    with binding.store.sessions() as session:
        facts, _ = account_facts(session, account_id=account_id, as_of=binding.as_of)
    texts = source_texts(facts)
    signals = matcher_signals(facts, default_matcher(home=binding.settings.home), texts)
    return TextSignals(account_id=account_id, signals=signals).model_dump(mode="json")


def _task(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The task JSON of the first user message (account id, as-of, kind, earlier outputs)."""
    for m in messages:
        if m.get("role") == "user" and (found := _JSON_BLOCK.search(str(m.get("content") or ""))):
            data = json.loads(found.group(1))
            if "as_of" in data:
                data["as_of"] = date.fromisoformat(str(data["as_of"]))
            return data
    return {}


def _items(messages: list[dict[str, Any]]) -> list[Any]:
    for m in messages:
        if m.get("role") == "user" and (found := _JSON_BLOCK.search(str(m.get("content") or ""))):
            return json.loads(found.group(1))
    return []


def _searched_ids(messages: list[dict[str, Any]]) -> list[str]:
    """Evidence ids of the activities a search_activities call returned in this conversation."""
    names = {
        call["id"]: call["function"]["name"]
        for m in messages
        if m.get("role") == "assistant"
        for call in m.get("tool_calls") or []
    }
    ids: list[str] = []
    for m in messages:
        if m.get("role") == "tool" and names.get(m.get("tool_call_id")) == "search_activities":
            ids += [hit["id"] for hit in json.loads(m.get("content") or "{}").get("hits", [])]
    return ids


def _edited(answer: dict[str, Any], edit: AgentEdit, searched: list[str]) -> dict[str, Any]:
    if edit.promote and answer.get("recommendations"):
        recs = answer["recommendations"]
        named = (r for r in recs if any(contains(r.get(k), edit.promote) for k in ("target", "title")))
        hit = next(named, None)
        if hit is not None:
            answer["recommendations"] = [hit, *[r for r in recs if r is not hit]]
    if searched:
        for key, texts in (("text_signals", edit.text_signals), ("risks", edit.risks)):
            claims = [Claim(text=t, evidence_ids=searched[:2]).model_dump(mode="json") for t in texts]
            answer[key] = [*claims, *answer.get(key, [])]
    return answer


def _completion(
    number: int, body: dict[str, Any], calls: list[tuple[str, dict[str, Any]]], content: str | None = None
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if calls:
        message["tool_calls"] = [
            {
                "id": f"call_{number}_{i}",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(args, default=str)},
            }
            for i, (name, args) in enumerate(calls)
        ]
    prompt = len(json.dumps(body.get("messages", []))) // 4
    completion = max(1, len(json.dumps(message)) // 4)
    return {
        "id": f"chatcmpl-stub-{number}",
        "object": "chat.completion",
        "created": 0,
        "model": body.get("model", "scripted-stub"),
        "choices": [{"index": 0, "finish_reason": "tool_calls" if calls else "stop", "message": message}],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
    }
