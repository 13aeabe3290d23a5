"""One retry policy for model calls: tenacity on 429, 5xx, timeouts and connection errors, honouring Retry-After."""

from __future__ import annotations

import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any

import openai
from langchain.agents.middleware import AgentMiddleware, ModelRequest, ModelResponse
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from account_intel.llm.limits import Deadline

RETRYABLE = (openai.RateLimitError, openai.APITimeoutError, openai.APIConnectionError, openai.InternalServerError)


def is_retryable(exc: BaseException) -> bool:
    """429, 5xx, timeouts and connection errors are worth another attempt; 4xx errors are not."""
    if isinstance(exc, RETRYABLE):
        return True
    return isinstance(exc, openai.APIStatusError) and exc.status_code >= 500


def retry_after_seconds(exc: BaseException) -> float | None:
    """Seconds the server asked us to wait (Retry-After / retry-after-ms), if it said."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if not headers:
        return None
    if (ms := headers.get("retry-after-ms")) is not None:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


class _Wait:
    def __init__(self, max_seconds: float) -> None:
        self.max_seconds = max_seconds
        self.jitter = wait_exponential_jitter(initial=1, max=max_seconds)

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        asked = retry_after_seconds(exc) if exc else None
        if asked is not None:
            return min(asked, self.max_seconds)
        return float(self.jitter(state))


def retrying(max_attempts: int, max_wait: float, sleep: Callable[[float], None] = time.sleep) -> Retrying:
    """The tenacity policy; `sleep` is injectable so tests do not wait."""
    return Retrying(
        retry=retry_if_exception(is_retryable),
        wait=_Wait(max_wait),
        stop=stop_after_attempt(max_attempts),
        reraise=True,
        sleep=sleep,
    )


class RetryMiddleware(AgentMiddleware):
    """Wraps every model call of an agent in the retry policy."""

    def __init__(
        self,
        max_attempts: int,
        max_wait: float,
        sleep: Callable[[float], None] = time.sleep,
        deadline: Deadline | None = None,
    ) -> None:
        super().__init__()
        self.max_attempts, self.max_wait, self.sleep, self.deadline = max_attempts, max_wait, sleep, deadline
        self.retries = 0

    def wrap_model_call(self, request: ModelRequest, handler: Callable[[ModelRequest], ModelResponse]) -> Any:
        """Call the model, retrying transient failures; no attempt starts once the deadline has passed."""
        for attempt in retrying(self.max_attempts, self.max_wait, self.sleep):
            with attempt:
                if self.deadline is not None:
                    self.deadline.check()
                if attempt.retry_state.attempt_number > 1:
                    self.retries += 1
                return handler(request)
        raise AssertionError("unreachable")  # pragma: no cover
