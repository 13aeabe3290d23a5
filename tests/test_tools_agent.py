"""The tools inside `create_agent` with a scripted OpenAI-compatible endpoint (respx): the runtime context reaches
them, and bad tool calls come back to the model as error ToolMessages.

What create_agent (langchain 1.4.7) does by default, checked here:
- arguments that are valid JSON but fail the input model (missing or mistyped field): ToolNode's default handler
  answers with an error ToolMessage;
- a ToolException raised by a tool (unknown account, account out of scope...): every registry tool is built with
  `handle_tool_error=True`, so the tool itself answers with an error ToolMessage; other exceptions still fail the run;
- arguments that are not JSON at all, next to a valid call: the next model call gets an error ToolMessage for them.
A turn whose only tool call is not JSON, and arguments that are JSON but not an object, are answered too: the
agent builder's guard middleware and the factory's ChatOpenAI turn them into error messages for the model.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import respx

from account_intel.agents.brains import build_agent
from account_intel.llm.factory import LLMFactory
from account_intel.settings import Settings
from account_intel.store.engine import Store
from account_intel.tools.context import ToolContext
from account_intel.tools.registry import tools_named
from tests.llm_scripts import BASE_URL, completion, sent_messages
from tests.test_tools_support import AS_OF, TECHFLOW, demo_store

TOOLS = ["get_account_profile", "get_stakeholder_map", "search_activities", "get_usage_trend", "get_signals"]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    s = demo_store(tmp_path_factory.mktemp("agent"))
    yield s
    s.dispose()


@pytest.fixture
def context(store: Store) -> ToolContext:
    settings = Settings(openai_base_url=BASE_URL, openai_api_key="sk-test")  # type: ignore[call-arg]
    return ToolContext(sessions=store.sessions, settings=settings, as_of=AS_OF, account_id=TECHFLOW, run_id="run-1")


def _run(context: ToolContext, respx_mock: respx.MockRouter, first: Any) -> tuple[dict[str, Any], Any]:
    route = respx_mock.post(f"{BASE_URL}/chat/completions").mock(side_effect=[first, completion(content="done")])
    agent = build_agent(LLMFactory(context.settings).chat_model("analyst"), tools_named(TOOLS), system_prompt="test")
    out = agent.invoke({"messages": [{"role": "user", "content": "go"}]}, context=context)
    return out, route


def _tool_answers(route: Any) -> dict[str, dict[str, Any]]:
    return {m["tool_call_id"]: m for m in sent_messages(route, 1) if m["role"] == "tool"}


def test_runtime_context_reaches_the_tools(context: ToolContext, respx_mock: respx.MockRouter) -> None:
    first = completion(tool_calls=[("get_account_profile", {}), ("get_stakeholder_map", {})])
    out, route = _run(context, respx_mock, first)
    assert out["messages"][-1].content == "done" and route.call_count == 2
    answers = _tool_answers(route)
    profile = json.loads(answers["call_0"]["content"])
    assert (profile["account_id"], profile["name"]) == (TECHFLOW, "TechFlow Inc.")
    assert json.loads(answers["call_1"]["content"])["champion"] == "Priya Raman"
    assert context.sink.has(f"account:{TECHFLOW}:arr") and context.sink.has("contact:ACCT-3421-CT-01")
    offered = json.loads(route.calls[0].request.content)["tools"]
    assert {t["function"]["name"] for t in offered} == set(TOOLS)
    assert all("runtime" not in t["function"]["parameters"].get("properties", {}) for t in offered)


def test_bad_tool_calls_come_back_as_error_messages(context: ToolContext, respx_mock: respx.MockRouter) -> None:
    first = completion(
        tool_calls=[
            ("search_activities", {"kind": "call"}),  # missing the required query
            ("get_usage_trend", {"months": "lots"}),  # not an integer
            ("get_account_profile", {"account_id": "ACCT-2001"}),  # outside the run's scope
            ("get_signals", '{"limit": 3'),  # not JSON, next to valid calls
            ("get_stakeholder_map", {}),
        ]
    )
    out, route = _run(context, respx_mock, first)
    assert out["messages"][-1].content == "done"
    answers = _tool_answers(route)
    assert "query" in answers["call_0"]["content"] and "Field required" in answers["call_0"]["content"]
    assert "months" in answers["call_1"]["content"]
    assert "scoped to TechFlow Inc. (ACCT-3421)" in answers["call_2"]["content"]
    assert "malformed" in answers["call_3"]["content"]
    assert json.loads(answers["call_4"]["content"])["account_id"] == TECHFLOW
    statuses = {m.tool_call_id: m.status for m in out["messages"] if m.type == "tool"}
    assert statuses == {"call_0": "error", "call_1": "error", "call_2": "error", "call_3": "error", "call_4": "success"}


def test_a_turn_with_only_unparseable_arguments_is_answered(context: ToolContext, respx_mock: respx.MockRouter) -> None:
    _, route = _run(context, respx_mock, completion(tool_calls=[("get_signals", '{"limit": 3')]))
    assert route.call_count == 2 and "call_0" in _tool_answers(route)


def test_arguments_that_are_not_an_object_are_answered(context: ToolContext, respx_mock: respx.MockRouter) -> None:
    _, route = _run(context, respx_mock, completion(tool_calls=[("get_signals", '"all"'), ("get_account_profile", {})]))
    assert route.call_count == 2 and "call_0" in _tool_answers(route)
