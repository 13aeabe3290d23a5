"""Two brains, one contract: each agent runs on the llm brain (create_agent over ChatOpenAI) or the rules brain
(deterministic code calling the same tools and filling the same schema). The llm brain falls back to rules when
its budget runs out or the endpoint keeps failing, and the run record says so."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
import openai
from langchain.agents import create_agent
from langchain.agents.middleware import AgentMiddleware, AgentState, ModelCallLimitMiddleware, hook_config
from langchain.agents.middleware.model_call_limit import ModelCallLimitExceededError
from langchain.agents.structured_output import StructuredOutputValidationError, ToolStrategy
from langchain_core.messages import AIMessage, ToolMessage
from langgraph.errors import GraphRecursionError
from pydantic import BaseModel, ValidationError

from account_intel.agents.schemas import OUTPUT_SCHEMAS
from account_intel.agents.spec import AgentSpec
from account_intel.content.templates import load_template, render
from account_intel.llm.factory import LLMFactory
from account_intel.llm.limits import CircuitBreaker, Deadline, DeadlineExceeded
from account_intel.llm.retry import RetryMiddleware
from account_intel.llm.usage import BudgetMiddleware, TokenBudgetExceeded, TokenLedger
from account_intel.redaction import failure_reason
from account_intel.tools.context import ToolContext

Brain = Literal["rules", "llm"]
RulesFn = Callable[[ToolContext, dict[str, Any]], BaseModel]

FALLBACK_ERRORS = (
    TokenBudgetExceeded,
    DeadlineExceeded,
    GraphRecursionError,
    ModelCallLimitExceededError,
    openai.APIError,
    httpx.HTTPError,
    StructuredOutputValidationError,
    ValidationError,
)


class InvalidToolCallMiddleware(AgentMiddleware):
    """Answers a turn whose tool calls are all malformed with error messages and hands control back to the model.

    Without it the agent loop would end on such a turn, as if the model had finished.
    """

    @hook_config(can_jump_to=["model"])
    def after_model(self, state: AgentState, runtime: Any) -> dict[str, Any] | None:
        """Error ToolMessages for invalid tool calls when no valid call came with them."""
        last = state["messages"][-1]
        if not isinstance(last, AIMessage) or last.tool_calls or not last.invalid_tool_calls:
            return None
        answers = [
            ToolMessage(
                content=f"Error: the arguments of {call.get('name')} are malformed "
                f"({call.get('error') or 'not JSON'}). Send them again as a JSON object.",
                tool_call_id=call.get("id") or "invalid",
                name=call.get("name") or "unknown",
                status="error",
            )
            for call in last.invalid_tool_calls
        ]
        return {"messages": answers, "jump_to": "model"}


def build_agent(
    model: Any,
    tools: list[Any],
    *,
    system_prompt: str,
    middleware: list[Any] | None = None,
    response_format: Any = None,
    name: str | None = None,
) -> Any:
    """create_agent with our tool context and the malformed-call guard; the one way agents are built here."""
    return create_agent(
        model,
        tools,
        system_prompt=system_prompt,
        response_format=response_format,
        context_schema=ToolContext,
        middleware=[InvalidToolCallMiddleware(), *(middleware or [])],
        name=name,
        checkpointer=False,  # an agent's inner turns are not the run's state: never checkpointed (nor their errors)
    )


@dataclass
class BrainOutcome:
    """An agent's output and which brain produced it."""

    output: BaseModel
    brain: Brain
    fallback: str | None = None

    def record(self) -> dict[str, Any]:
        """What the run record keeps about this agent."""
        return {"brain": self.brain, "fallback": self.fallback}


@dataclass
class AgentRunner:
    """Runs the three agents on the chosen brain; the rules brain is always available as the fallback."""

    specs: dict[str, AgentSpec]
    rules: dict[str, RulesFn]
    mode: Brain
    ledger: TokenLedger
    llm: LLMFactory | None = None
    tools_for: Callable[[list[str]], list[Any]] | None = None
    sleep: Callable[[float], None] | None = None
    clock: Callable[[], float] = time.monotonic
    breaker: CircuitBreaker | None = None
    _started: dict[str, float] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if self.breaker is None:
            failures = self.llm.settings.llm_circuit_breaker_failures if self.llm is not None else 3
            self.breaker = CircuitBreaker(failures)

    def run(self, agent: str, ctx: ToolContext, task: dict[str, Any]) -> BrainOutcome:
        """Run one agent for one account: on the llm brain within its deadlines while the circuit is closed,
        else (or on any failure) on the rules brain, with the reason recorded."""
        if self.mode == "rules":
            return BrainOutcome(self.run_rules(agent, ctx, task), "rules")
        assert self.breaker is not None
        if (reason := self.breaker.open_reason()) is not None:
            return BrainOutcome(self.run_rules(agent, ctx, task), "rules", fallback=reason)
        deadline = self.deadline_for(str(task["account_id"]))
        try:
            if deadline is not None:
                deadline.check()
            output = self.run_llm(agent, ctx, task, deadline=deadline)
        except Exception as exc:  # any failure of the model path: the rules brain answers, and the record says why
            self.breaker.failure(exc)
            return BrainOutcome(self.run_rules(agent, ctx, task), "rules", fallback=failure_reason(exc, ctx.settings))
        self.breaker.success()
        return BrainOutcome(output, "llm")

    def deadline_for(self, account_id: str) -> Deadline | None:
        """The sooner of this agent's deadline and the account's (which starts with its first agent)."""
        if self.llm is None:
            return None
        s, now = self.llm.settings, self.clock()
        with self._lock:
            started = self._started.setdefault(account_id, now)
        account_at = started + s.llm_account_deadline_seconds
        agent_at = now + s.llm_agent_deadline_seconds
        if account_at <= agent_at:
            return Deadline(account_at, f"account's {s.llm_account_deadline_seconds:g} s deadline", self.clock)
        return Deadline(agent_at, f"agent's {s.llm_agent_deadline_seconds:g} s deadline", self.clock)

    def run_rules(self, agent: str, ctx: ToolContext, task: dict[str, Any]) -> BaseModel:
        """The deterministic brain."""
        return self.rules[agent](ctx, task)

    def run_llm(
        self, agent: str, ctx: ToolContext, task: dict[str, Any], deadline: Deadline | None = None
    ) -> BaseModel:
        """The llm brain: the spec's prompt and tools, structured output in the spec's schema."""
        if self.llm is None or self.tools_for is None:
            raise TokenBudgetExceeded("No model endpoint configured for the llm brain.")
        spec = self.specs[agent]
        schema = OUTPUT_SCHEMAS[spec.output_schema]
        retry = RetryMiddleware(
            self.llm.settings.llm_max_attempts, self.llm.settings.llm_backoff_max_seconds, deadline=deadline
        )
        if self.sleep is not None:
            retry.sleep = self.sleep
        model_calls = min(spec.max_model_calls, self.llm.settings.llm_max_model_calls)
        agent_graph = build_agent(
            self.llm.chat_model(spec.model_role),
            self.tools_for(spec.tools),
            system_prompt=spec.system_prompt,
            response_format=ToolStrategy(schema),
            middleware=[
                BudgetMiddleware(self.ledger, agent=agent, account_id=str(task["account_id"])),
                ModelCallLimitMiddleware(run_limit=model_calls, exit_behavior="error"),
                retry,
            ],
            name=agent,
        )
        message = render(load_template("agent_task", ctx.settings.content_dir), agent=agent, task=_task_json(task))
        result = agent_graph.invoke(
            {"messages": [{"role": "user", "content": message}]},
            context=ctx,
            config={"recursion_limit": 4 * model_calls + 4},
            durability="async",  # the agent keeps no checkpoint; the run's "sync" must not reach it
        )
        output = result.get("structured_response")
        if output is None:
            raise StructuredOutputValidationError(spec.output_schema, ValueError("no structured response"), None)
        return output


def _task_json(task: dict[str, Any]) -> str:
    shown = {"account_id", "as_of", "kind", "health", "placement", "text_signals"}
    visible = {k: v for k, v in task.items() if k in shown and v}
    return json.dumps(visible, default=str, indent=1)
