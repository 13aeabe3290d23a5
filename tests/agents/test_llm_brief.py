from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import respx

from account_intel.store.engine import Store
from tests.agents.llm_script import ScriptedModel
from tests.agents.support import _answers, _brief, _settings
from tests.llm_scripts import BASE_URL, completion, rate_limited


def test_full_llm_brief_for_techflow_tool_calls_then_structured_output(
    store: Store, tmp_path: Path, respx_mock: respx.MockRouter
) -> None:
    settings = _settings(tmp_path)
    model = ScriptedModel(_answers(store, settings))
    respx_mock.post(f"{BASE_URL}/chat/completions").mock(side_effect=model)
    result = _brief(store, settings, tmp_path)
    assert result.status == "completed"
    assert {v["brain"] for v in result.brains.values()} == {"llm"}
    assert all(v["fallback"] is None for v in result.brains.values())
    assert len(model.requests) == 7  # two turns per agent (tools, then the structured answer) and one reading
    assert result.brains["text-reader"]["kept"] == 0 and result.brains["text-reader"]["dropped"] == []
    assert result.grounding["remaining"] == [] and result.grounding["replaced"] == []
    titles = [r.title for r in result.findings.recommendations]
    assert titles[:3] == ["Seat expansion: Marketing", "Tier upgrade: Enterprise", "Cross-sell: Compliance Suite"]
    assert result.tokens == {
        "calls": 7,
        "input_tokens": 3 * (1500 + 2500) + 1800,
        "output_tokens": 3 * (60 + 400) + 200,
    }
    assert "Expansion Opportunity Analysis - TechFlow Inc." in result.markdown
    # the system prompt is the spec's, and customer text reached the model only as tool results
    first = model.requests[0]["messages"]
    assert first[0]["role"] == "system" and "health-scorer" in first[0]["content"]


def test_hallucinated_number_is_rejected_by_grounding(
    store: Store, tmp_path: Path, respx_mock: respx.MockRouter
) -> None:
    settings = _settings(tmp_path)

    def inflate(schema: str, answer: dict[str, Any]) -> dict[str, Any]:
        if schema == "OpportunityFindings":
            rec = answer["recommendations"][0]
            rec["potential_arr"]["value"] = "99000"
            rec["rationale"] = "Marketing will buy $99K of seats this quarter."
        return answer

    def still_wrong(body: dict[str, Any]) -> httpx.Response:
        return completion(content="I cannot fix this.")

    model = ScriptedModel(_answers(store, settings), edit=inflate, repair=still_wrong)
    respx_mock.post(f"{BASE_URL}/chat/completions").mock(side_effect=model)
    result = _brief(store, settings, tmp_path)
    top = result.findings.recommendations[0]
    assert str(top.potential_arr.value) == "18000" and "$99K" not in top.rationale
    assert top.flags == ["replaced_by_rules"]
    assert "opportunity-identifier.recommendations[0]" in result.grounding["replaced"]
    assert any("99000" in issue or "$99K" in issue for issue in result.grounding["issues"])
    assert "$99K" not in result.markdown


def test_429_then_success(store: Store, tmp_path: Path, respx_mock: respx.MockRouter) -> None:
    settings = _settings(tmp_path)
    model = ScriptedModel(_answers(store, settings))
    replies = iter([rate_limited("1")])

    def flaky(request: httpx.Request) -> httpx.Response:
        return next(replies, None) or model(request)

    route = respx_mock.post(f"{BASE_URL}/chat/completions").mock(side_effect=flaky)
    result = _brief(store, settings, tmp_path)
    assert result.status == "completed" and route.call_count == 8  # six agent turns, one reading, one retry
    assert all(v["brain"] == "llm" for v in result.brains.values())


def test_timeout_falls_back_to_rules_and_is_flagged(store: Store, tmp_path: Path, respx_mock: respx.MockRouter) -> None:
    settings = _settings(tmp_path, llm_max_attempts=2)
    respx_mock.post(f"{BASE_URL}/chat/completions").mock(side_effect=httpx.ReadTimeout("slow"))
    result = _brief(store, settings, tmp_path)
    assert result.status == "completed"
    assert {v["brain"] for v in result.brains.values()} == {"rules"}
    assert all("Timeout" in v["fallback"] for v in result.brains.values())
    assert result.findings.recommendations[0].title == "Seat expansion: Marketing"


def test_token_budget_exceeded_falls_back_to_rules(store: Store, tmp_path: Path, respx_mock: respx.MockRouter) -> None:
    settings = _settings(tmp_path, llm_account_token_budget=1000)
    respx_mock.post(f"{BASE_URL}/chat/completions").mock(side_effect=ScriptedModel(_answers(store, settings)))
    result = _brief(store, settings, tmp_path)
    assert result.brains["health-scorer"]["brain"] == "rules"
    assert "TokenBudgetExceeded" in result.brains["health-scorer"]["fallback"]
