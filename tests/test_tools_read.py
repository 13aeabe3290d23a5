"""The read tools on the demo store for TechFlow (ACCT-3421, as of 2024-11-30): typed, grounded, compact, scoped."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.tools import BaseTool
from pydantic import BaseModel

from account_intel.analytics.evidence import resolves
from account_intel.store.engine import Store
from account_intel.tools import (
    account_tools,
    analytics_tools,
    engagement_tools,
    opportunity_tools,
    telemetry_tools,
)
from account_intel.tools.registry import all_tools
from tests.test_tools_support import TECHFLOW, call, demo_store, evidence_ids, parsed, tokens, tool_context

TOKEN_BUDGET = 1500

# tool name -> (arguments, output model)
CASES: dict[str, tuple[dict[str, Any], type[BaseModel]]] = {
    "get_account_profile": ({}, account_tools.AccountProfileResult),
    "get_contracts": ({"include_ended": True}, account_tools.ContractsResult),
    "get_usage_trend": ({"include_features": True}, telemetry_tools.UsageTrendResult),
    "get_support_summary": ({}, telemetry_tools.SupportSummaryResult),
    "get_survey_summary": ({}, telemetry_tools.SurveySummaryResult),
    "get_stakeholder_map": ({}, engagement_tools.StakeholderMapResult),
    "search_activities": ({"query": "marketing"}, engagement_tools.ActivitySearchResult),
    "get_health_breakdown": ({}, analytics_tools.HealthBreakdownResult),
    "get_signals": ({}, analytics_tools.SignalsResult),
    "get_whitespace_map": ({}, analytics_tools.WhitespaceResult),
    "get_opportunities": ({}, opportunity_tools.OpportunitiesResult),
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    s = demo_store(tmp_path_factory.mktemp("tools"))
    yield s
    s.dispose()


@pytest.fixture(scope="module")
def tools() -> dict[str, BaseTool]:
    return {t.name: t for t in all_tools()}


@pytest.mark.parametrize("name", sorted(CASES))
def test_tool_answers_techflow_typed_grounded_and_compact(name: str, store: Store, tools: dict[str, BaseTool]) -> None:
    args, model = CASES[name]
    context = tool_context(store)
    message = call(tools[name], context, **args)
    assert message.status == "success", message.content
    result = model.model_validate_json(str(message.content))
    assert getattr(result, "account_id", TECHFLOW) == TECHFLOW
    ids = evidence_ids(parsed(message))
    assert ids, f"{name} returned no evidence ids"
    with store.sessions() as session:
        assert [i for i in ids if not resolves(session, i)] == []
    assert [i for i in ids if not context.sink.has(i)] == []
    assert context.sink.numbers, "the sink holds the numbers the model saw"
    assert tokens(message) < TOKEN_BUDGET, f"{name}: {tokens(message)} tokens"


def test_profile_carries_the_seed_003_facts(store: Store, tools: dict[str, BaseTool]) -> None:
    data = parsed(call(tools["get_account_profile"], tool_context(store)))
    assert (data["name"], data["arr"], data["tier"], data["plan"]) == ("TechFlow Inc.", 85000, "T3", "Professional")
    marketing = next(d for d in data["departments"] if d["name"] == "Marketing")
    assert marketing == {
        "evidence_id": "department:ACCT-3421-DEP-2",
        "name": "Marketing",
        "headcount": 15,
        "served": False,
        "seats": 0,
    }


def test_usage_points_are_their_own_evidence(store: Store, tools: dict[str, BaseTool]) -> None:
    data = parsed(call(tools["get_usage_trend"], tool_context(store), metric="api_calls", months=3))
    (series,) = data["series"]
    assert [p["id"] for p in series["points"]] == [f"usage:{TECHFLOW}:api_calls:2024-{m}" for m in ("09", "10", "11")]
    assert series["points"][-1]["value"] == 960000 and series["utilisation_pct"] == 96


def test_customer_text_is_fenced_as_data(store: Store, tools: dict[str, BaseTool]) -> None:
    data = parsed(call(tools["search_activities"], tool_context(store), query="SOC 2"))
    assert data["matched"] >= 1
    assert all(hit["text"].startswith("«") and hit["text"].endswith("»") for hit in data["hits"])
    tickets = parsed(call(tools["get_support_summary"], tool_context(store)))["tickets"]
    assert tickets[0]["id"] == "ticket:ACCT-3421-TCK-007" and tickets[0]["text"].startswith("«Need a higher API")


def test_search_filters_by_kind_and_requires_every_word(store: Store, tools: dict[str, BaseTool]) -> None:
    calls = parsed(call(tools["search_activities"], tool_context(store), query="marketing", kind="call"))
    assert [h["kind"] for h in calls["hits"]] == ["call"]
    none = parsed(call(tools["search_activities"], tool_context(store), query="marketing zebra"))
    assert none["matched"] == 0 and none["hits"] == []


def test_stakeholder_map_counts_roles_and_gaps(store: Store, tools: dict[str, BaseTool]) -> None:
    data = parsed(call(tools["get_stakeholder_map"], tool_context(store)))
    assert data["active_contacts"] == 5 and data["inactive_contacts"] == 1
    assert data["champion"] == "Priya Raman" and data["champion_active"] is True
    assert data["multithreading_needed"] is False and data["roles_missing"] == []
    assert data["contacts"][0]["role"] == "champion"


def test_whitespace_sizes_follow_their_formulas(store: Store, tools: dict[str, BaseTool]) -> None:
    from account_intel.analytics.opportunities.sizing import Sized

    data = parsed(call(tools["get_whitespace_map"], tool_context(store)))
    assert (data["acv"], data["potential"], data["meets_t1_entry_rule"]) == (85000, 89400, True)
    for row in data["opportunities"]:
        sizing = Sized.model_validate(row["sizing"])
        assert sizing.recompute() == sizing.value, row["key"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_another_account_is_refused_while_scoped(name: str, store: Store, tools: dict[str, BaseTool]) -> None:
    args = {**CASES[name][0], "account_id": "ACCT-2001"}
    context = tool_context(store)
    message = call(tools[name], context, **args)
    assert message.status == "error"
    assert "scoped to TechFlow Inc. (ACCT-3421)" in str(message.content)
    assert not context.sink.evidence


def test_scoped_account_may_be_named(store: Store, tools: dict[str, BaseTool]) -> None:
    message = call(tools["get_contracts"], tool_context(store), account_id="TechFlow Inc.")
    assert message.status == "success" and parsed(message)["account_id"] == TECHFLOW


def test_unscoped_calls_name_their_account(store: Store, tools: dict[str, BaseTool]) -> None:
    context = tool_context(store, account_id=None)
    missing = call(tools["get_account_profile"], context)
    assert missing.status == "error" and "account_id is required" in str(missing.content)
    unknown = call(tools["get_account_profile"], context, account_id="ACCT-0000")
    assert unknown.status == "error" and "Account 'ACCT-0000' not found" in str(unknown.content)
    other = call(tools["get_account_profile"], context, account_id="RetailCo")
    assert other.status == "success" and parsed(other)["account_id"] == "ACCT-2001"


def test_unknown_metric_lists_the_known_ones(store: Store, tools: dict[str, BaseTool]) -> None:
    message = call(tools["get_usage_trend"], tool_context(store), metric="logins")
    assert message.status == "error"
    assert "No usage metric 'logins'" in str(message.content) and "api_calls" in str(message.content)


def test_opportunities_are_ranked_sized_candidates(store: Store, tools: dict[str, BaseTool]) -> None:
    from account_intel.analytics.opportunities.sizing import Sized

    data = parsed(call(tools["get_opportunities"], tool_context(store), limit=15))
    assert data["route"] == "expand" and data["total_candidates"] == len(data["candidates"]) > 0
    first = data["candidates"][0]
    assert first["id"].startswith(f"opp:{TECHFLOW}:")
    for candidate in data["candidates"]:
        sizing = Sized.model_validate(candidate["potential"])
        assert sizing.recompute() == sizing.value, candidate["id"]
        assert 0 <= candidate["probability"] <= 1 and 0 <= candidate["propensity"] <= 100
    names = {c["name"] for c in data["candidates"]}
    assert {"Seat expansion: Marketing", "Tier upgrade: Enterprise", "Cross-sell: Compliance Suite"} <= names


def test_portfolio_pipeline_needs_no_scope(store: Store, tools: dict[str, BaseTool]) -> None:
    from account_intel.tools.portfolio_tools import PortfolioPipelineResult

    context = tool_context(store, account_id=None)
    message = call(tools["get_portfolio_pipeline"], context, top=5)
    result = PortfolioPipelineResult.model_validate_json(str(message.content))
    assert result.accounts_scanned == 30 and result.opportunities > 0 and len(result.target_list) == 5
    assert len({row.account_id for row in result.target_list}) > 1
    assert result.total_potential in context.sink.numbers
    assert tokens(message) < TOKEN_BUDGET, tokens(message)


def test_portfolio_pipeline_in_a_scoped_run_lists_only_that_account(store: Store, tools: dict[str, BaseTool]) -> None:
    context = tool_context(store)
    data = parsed(call(tools["get_portfolio_pipeline"], context, segment='industry == "SaaS Technology"'))
    assert data["segment"] == 'industry == "SaaS Technology"' and data["active_accounts"] >= 1
    assert data["target_list"] and {row["account_id"] for row in data["target_list"]} == {TECHFLOW}


def test_a_bad_segment_expression_is_explained(store: Store, tools: dict[str, BaseTool]) -> None:
    message = call(tools["get_portfolio_pipeline"], tool_context(store, account_id=None), segment='tier == "T9"')
    assert message.status == "error"
    assert "unknown value \"T9\" for 'tier' (known: T1, T2, T3)" in str(message.content)
