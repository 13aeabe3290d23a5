from __future__ import annotations

import httpx
import openai
import pytest
import respx
from langchain.agents import create_agent
from langchain.agents.structured_output import ToolStrategy
from pydantic import BaseModel

from account_intel.llm.factory import LLMFactory, LLMNotConfigured
from account_intel.llm.retry import RetryMiddleware, retry_after_seconds
from account_intel.llm.usage import BudgetMiddleware, TokenBudgetExceeded, TokenLedger
from account_intel.settings import Settings
from tests.llm_scripts import BASE_URL, completion, rate_limited

ASK = {"messages": [{"role": "user", "content": "x"}]}


class Answer(BaseModel):
    text: str


def _settings(**kw: object) -> Settings:
    return Settings(openai_base_url=BASE_URL, openai_api_key="sk-test", **kw)  # type: ignore[arg-type]


def test_factory_refuses_without_endpoint() -> None:
    with pytest.raises(LLMNotConfigured, match="--brain rules"):
        LLMFactory(Settings()).chat_model("analyst")


def test_unknown_model_role_is_named() -> None:
    with pytest.raises(ValueError, match="Unknown model role 'poet'"):
        LLMFactory(_settings()).chat_model("poet")


def _agent(factory: LLMFactory, ledger: TokenLedger, sleeps: list[float]) -> object:
    return create_agent(
        factory.chat_model("analyst"),
        [],
        system_prompt="test",
        response_format=ToolStrategy(Answer),
        middleware=[BudgetMiddleware(ledger, agent="t", account_id="A1"), RetryMiddleware(4, 30, sleep=sleeps.append)],
    )


def test_429_is_retried_honouring_retry_after_and_tokens_are_counted(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.post(f"{BASE_URL}/chat/completions").mock(
        side_effect=[rate_limited("2"), completion(tool_calls=[("Answer", {"text": "ok"})], usage=(1200, 80))]
    )
    ledger, sleeps = TokenLedger(account_budget=10_000), []
    out = _agent(LLMFactory(_settings()), ledger, sleeps).invoke({"messages": [{"role": "user", "content": "go"}]})
    assert out["structured_response"] == Answer(text="ok")
    assert route.call_count == 2 and sleeps == [2.0]
    assert ledger.totals() == {"calls": 1, "input_tokens": 1200, "output_tokens": 80}


def test_client_errors_are_not_retried(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.post(f"{BASE_URL}/chat/completions").mock(
        return_value=httpx.Response(400, json={"error": {"message": "bad request"}})
    )
    with pytest.raises(openai.BadRequestError):
        _agent(LLMFactory(_settings()), TokenLedger(10_000), []).invoke(
            {"messages": [{"role": "user", "content": "x"}]}
        )
    assert route.call_count == 1


def test_server_errors_give_up_after_the_attempts(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.post(f"{BASE_URL}/chat/completions").mock(return_value=httpx.Response(503, json={}))
    sleeps: list[float] = []
    with pytest.raises(openai.InternalServerError):
        _agent(LLMFactory(_settings()), TokenLedger(10_000), sleeps).invoke(
            {"messages": [{"role": "user", "content": "x"}]}
        )
    assert route.call_count == 4 and len(sleeps) == 3 and all(0 <= s <= 30 for s in sleeps)


def test_budget_stops_further_calls(respx_mock: respx.MockRouter) -> None:
    respx_mock.post(f"{BASE_URL}/chat/completions").mock(
        return_value=completion(tool_calls=[("Answer", {"text": "ok"})], usage=(900, 200))
    )
    ledger = TokenLedger(account_budget=1000)
    agent = _agent(LLMFactory(_settings()), ledger, [])
    agent.invoke({"messages": [{"role": "user", "content": "x"}]})
    with pytest.raises(TokenBudgetExceeded, match="A1 used its token budget of 1000"):
        agent.invoke({"messages": [{"role": "user", "content": "again"}]})
    assert ledger.per_account() == {"A1": {"calls": 1, "input_tokens": 900, "output_tokens": 200}}


def test_retry_after_forms() -> None:
    class Exc(Exception):
        def __init__(self, headers: dict[str, str]) -> None:
            self.response = httpx.Response(429, headers=headers)

    assert retry_after_seconds(Exc({"retry-after": "3"})) == 3.0
    assert retry_after_seconds(Exc({"retry-after-ms": "250"})) == 0.25
    assert retry_after_seconds(Exc({})) is None


def test_a_threads_run_row_gets_each_token_once() -> None:
    from account_intel.llm.usage import CallUsage

    ledger = TokenLedger(account_budget=10_000)
    ledger.calls.append(CallUsage(agent="a", account_id="ACCT-1", input_tokens=100, output_tokens=10))
    assert ledger.unrecorded("brief:ACCT-1", "ACCT-1") == {"calls": 1, "input_tokens": 100, "output_tokens": 10}
    assert ledger.unrecorded("brief:ACCT-1", "ACCT-1") == {"calls": 0, "input_tokens": 0, "output_tokens": 0}
    ledger.calls.append(CallUsage(agent="b", account_id="ACCT-1", input_tokens=50, output_tokens=5))
    assert ledger.unrecorded("brief:ACCT-1", "ACCT-1") == {"calls": 1, "input_tokens": 50, "output_tokens": 5}
    assert ledger.unrecorded("qbr:ACCT-2", "ACCT-2") == {"calls": 0, "input_tokens": 0, "output_tokens": 0}
