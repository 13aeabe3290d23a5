"""The llm brain's time is bounded: a deadline per agent and per account, and a circuit breaker after consecutive
endpoint failures; the run finishes on the rules brain, flagged, and the run record says what actually ran."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import respx
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from account_intel.clock import FixedClock
from account_intel.llm.factory import LLMFactory
from account_intel.llm.limits import CircuitBreaker, DeadlineExceeded
from account_intel.runs.brief import run_brief
from account_intel.store.engine import Store
from account_intel.store.models import AgentRun
from tests.agents.support import AS_OF, _settings
from tests.llm_scripts import BASE_URL

AGENTS = ("health-scorer", "segmentation-analyst", "opportunity-identifier")


class FakeTime:
    """A monotonic clock the endpoint moves: each model request takes `per_call` seconds."""

    def __init__(self, per_call: float) -> None:
        self.now, self.per_call, self.calls = 0.0, per_call, 0

    def __call__(self) -> float:
        return self.now

    def slow_failure(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        self.now += self.per_call
        return httpx.Response(503, json={"error": {"message": "overloaded"}})


def _brief(store: Store, tmp_path: Path, fake: FakeTime, **settings: Any) -> Any:
    s = _settings(tmp_path, **{"llm_max_attempts": 10, **settings})
    return run_brief(
        store=store, settings=s, account="TechFlow", as_of=AS_OF, brain="llm", out_dir=tmp_path / "out",
        clock=FixedClock.on(AS_OF), llm=LLMFactory(s), sleep=lambda _s: None, monotonic=fake,
    )  # fmt: skip


def test_an_agent_stops_calling_at_its_deadline_and_rules_answer(
    store: Store, tmp_path: Path, respx_mock: respx.MockRouter
) -> None:
    fake = FakeTime(per_call=40)
    respx_mock.post(f"{BASE_URL}/chat/completions").mock(side_effect=fake.slow_failure)
    result = _brief(
        store, tmp_path, fake, llm_agent_deadline_seconds=100, llm_account_deadline_seconds=10_000,
        llm_circuit_breaker_failures=50,
    )  # fmt: skip
    assert result.status in {"completed", "awaiting_approval"} and result.error is None
    for agent in AGENTS:
        assert result.brains[agent]["brain"] == "rules"
        assert "deadline" in str(result.brains[agent]["fallback"])
    # 10 attempts each would be 30 calls (plus the text reader's); each agent stops after 3 (0 s, 40 s, 80 s)
    assert fake.calls <= 3 * len(AGENTS) + 3


def test_the_account_deadline_bounds_all_its_agents(store: Store, tmp_path: Path, respx_mock: respx.MockRouter) -> None:
    fake = FakeTime(per_call=40)
    respx_mock.post(f"{BASE_URL}/chat/completions").mock(side_effect=fake.slow_failure)
    result = _brief(
        store, tmp_path, fake, llm_agent_deadline_seconds=1_000, llm_account_deadline_seconds=100,
        llm_circuit_breaker_failures=50,
    )  # fmt: skip
    assert all("account's 100 s deadline" in str(result.brains[a]["fallback"]) for a in AGENTS)
    assert fake.now <= 100 + 40  # at most one call in flight when the deadline passed


def test_the_circuit_opens_after_consecutive_failures_and_the_record_says_rules(
    store: Store, tmp_path: Path, respx_mock: respx.MockRouter
) -> None:
    fake = FakeTime(per_call=0)
    route = respx_mock.post(f"{BASE_URL}/chat/completions").mock(side_effect=fake.slow_failure)
    result = _brief(store, tmp_path, fake, llm_max_attempts=1, llm_circuit_breaker_failures=2)
    reasons = [str(result.brains[a]["fallback"]) for a in AGENTS]
    assert sum("circuit open" in r for r in reasons) >= 1  # the later agents never call the endpoint
    calls_when_open = route.call_count
    assert calls_when_open <= 2 + 1  # two failures open it (the text reader may be one of them)
    with store.sessions() as session:
        run = session.scalars(select(AgentRun).where(AgentRun.thread_id == result.thread_id)).one()
    assert run.brain == "rules"  # what ran, not what was asked for


@given(st.lists(st.booleans(), max_size=30), st.integers(1, 5))
def test_the_breaker_opens_on_the_nth_failure_in_a_row_and_stays_open(outcomes: list[bool], threshold: int) -> None:
    breaker, run, opened_at = CircuitBreaker(threshold), 0, None
    for i, ok in enumerate(outcomes):
        if ok:
            breaker.success()
            run = 0 if opened_at is None else run
        else:
            breaker.failure(DeadlineExceeded("late"))
            run += 1
            if run >= threshold and opened_at is None:
                opened_at = i
        assert (breaker.open_reason() is not None) is (opened_at is not None)


def test_a_bad_answer_is_not_an_endpoint_failure() -> None:
    breaker = CircuitBreaker(1)
    breaker.failure(ValueError("the model's JSON did not parse"))
    assert breaker.open_reason() is None
