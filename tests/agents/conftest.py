"""Agent-test fixtures live in support.py; pytest finds them here."""

from tests.agents.support import demo_file, store

__all__ = ["demo_file", "store"]
