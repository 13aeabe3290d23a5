"""Bounds on the llm brain's time: a wall-clock deadline per agent and per account, and a circuit breaker that sends
the rest of a run to the rules brain after consecutive endpoint failures. A run always finishes, degraded if need be."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import openai


class DeadlineExceeded(Exception):
    """The agent's or the account's wall-clock deadline passed before the model answered."""


@dataclass(frozen=True)
class Deadline:
    """A monotonic instant, and what it bounds (for the message)."""

    at: float
    label: str
    clock: Callable[[], float] = time.monotonic

    def remaining(self) -> float:
        """Seconds left (negative once passed)."""
        return self.at - self.clock()

    def check(self) -> None:
        """Raise `DeadlineExceeded` once the deadline has passed."""
        if self.remaining() <= 0:
            raise DeadlineExceeded(f"the {self.label} passed before the model answered")


def is_endpoint_failure(exc: BaseException) -> bool:
    """A failure of the endpoint itself (refused, down, timed out, past the deadline), not of the model's answer."""
    return isinstance(exc, openai.APIError | httpx.HTTPError | DeadlineExceeded)


class CircuitBreaker:
    """Opens after `threshold` consecutive endpoint failures, for the rest of the run; a success resets the count."""

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self._lock = threading.Lock()
        self._consecutive = 0
        self._opened: str | None = None

    def open_reason(self) -> str | None:
        """Why the model is no longer called in this run, or None while it is."""
        with self._lock:
            return self._opened

    def success(self) -> None:
        """The endpoint answered."""
        with self._lock:
            if self._opened is None:
                self._consecutive = 0

    def failure(self, exc: BaseException) -> None:
        """The endpoint failed; the `threshold`-th failure in a row opens the circuit."""
        if not is_endpoint_failure(exc):
            return
        with self._lock:
            self._consecutive += 1
            if self._opened is None and self._consecutive >= self.threshold:
                self._opened = (
                    f"circuit open: the model endpoint failed {self._consecutive} times in a row "
                    f"(last: {type(exc).__name__}); the rest of this run uses the rules brain"
                )
