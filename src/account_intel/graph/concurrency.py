"""How many accounts the portfolio fan-out runs at once; light enough for the command line's help text."""

from __future__ import annotations

DEFAULT_CONCURRENCY = 4  # accounts at once on the llm brain, which mostly waits for the endpoint


def default_concurrency(brain: str) -> int:
    """Accounts at once when the user does not say: one on the rules brain (pure Python in one interpreter, where
    threads only contend for the GIL and the SQLite writer: 1 runs ~40% faster than 4), DEFAULT_CONCURRENCY on llm."""
    return 1 if brain == "rules" else DEFAULT_CONCURRENCY
