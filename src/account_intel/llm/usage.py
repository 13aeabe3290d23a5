"""Token accounting per call, per account and per run, and the per-account budget."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from langchain.agents.middleware import AgentMiddleware, ModelRequest, ModelResponse
from langchain_core.messages import AIMessage
from langchain_core.messages.utils import count_tokens_approximately
from pydantic import BaseModel

from account_intel.errors import DomainError


class TokenBudgetExceeded(DomainError):
    """An account used up its token budget; the agent falls back to the rules brain."""


class CallUsage(BaseModel):
    """Tokens of one model call."""

    agent: str
    account_id: str
    input_tokens: int
    output_tokens: int
    estimated: bool = False


@dataclass
class TokenLedger:
    """Every model call of a run, with totals per account and for the run."""

    account_budget: int
    calls: list[CallUsage] = field(default_factory=list)
    recorded: dict[str, dict[str, int]] = field(default_factory=dict)  # thread id -> usage already on its run row

    def used(self, account_id: str) -> int:
        """Tokens (input + output) the account has used in this run."""
        return sum(c.input_tokens + c.output_tokens for c in self.calls if c.account_id == account_id)

    def per_account(self) -> dict[str, dict[str, int]]:
        """Calls and tokens per account."""
        out: dict[str, dict[str, int]] = {}
        for c in self.calls:
            row = out.setdefault(c.account_id, {"calls": 0, "input_tokens": 0, "output_tokens": 0})
            row["calls"] += 1
            row["input_tokens"] += c.input_tokens
            row["output_tokens"] += c.output_tokens
        return out

    def unrecorded(self, thread_id: str, account_id: str) -> dict[str, int]:
        """The account's usage not yet written to this thread's run row, marked as written now.

        A thread's row is written when it pauses for an approval and again when it ends: each write adds only
        what came since the last one, so nothing is counted twice."""
        now = self.per_account().get(account_id, {"calls": 0, "input_tokens": 0, "output_tokens": 0})
        before = self.recorded.get(thread_id, {})
        self.recorded[thread_id] = dict(now)
        return {key: value - before.get(key, 0) for key, value in now.items()}

    def totals(self) -> dict[str, int]:
        """Calls and tokens for the whole run."""
        return {
            "calls": len(self.calls),
            "input_tokens": sum(c.input_tokens for c in self.calls),
            "output_tokens": sum(c.output_tokens for c in self.calls),
        }


class BudgetMiddleware(AgentMiddleware):
    """Refuses a model call once the account's budget is spent, and records the usage of every call."""

    def __init__(self, ledger: TokenLedger, *, agent: str, account_id: str) -> None:
        super().__init__()
        self.ledger, self.agent, self.account_id = ledger, agent, account_id

    def wrap_model_call(self, request: ModelRequest, handler: Callable[[ModelRequest], ModelResponse]) -> Any:
        """Check the budget, call the model, record tokens from the server's usage (or an estimate)."""
        if self.ledger.used(self.account_id) >= self.ledger.account_budget:
            raise TokenBudgetExceeded(
                f"Account {self.account_id} used its token budget of {self.ledger.account_budget} tokens."
            )
        response = handler(request)
        message = next((m for m in reversed(response.result) if isinstance(m, AIMessage)), None)
        usage = message.usage_metadata if message is not None else None
        if usage:
            self.ledger.calls.append(
                CallUsage(
                    agent=self.agent,
                    account_id=self.account_id,
                    input_tokens=usage["input_tokens"],
                    output_tokens=usage["output_tokens"],
                )
            )
        else:
            estimate_in = count_tokens_approximately(request.messages)
            estimate_out = count_tokens_approximately(response.result)
            self.ledger.calls.append(
                CallUsage(
                    agent=self.agent,
                    account_id=self.account_id,
                    input_tokens=estimate_in,
                    output_tokens=estimate_out,
                    estimated=True,
                )
            )
        return response
