"""`account-intel demo`: build a fresh demo store and print the portfolio summary."""

from __future__ import annotations


def demo() -> None:
    """Build a fresh demo store (in progress)."""
    raise NotImplementedError
