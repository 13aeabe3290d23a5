"""The red team's fixtures: a seeded world per test, SMTP delivery to a loopback sink (STARTTLS off)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from account_intel.store.engine import Store
from tests.redteam.world import Sink, World, issue_tokens, seed_world, serve_sink
from tests.test_delivery_smtp import _smtp_env


@pytest.fixture
def sink(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sink]:
    """The loopback SMTP sink, with the product's SMTP settings pointed at it."""
    with serve_sink() as (server, port):
        _smtp_env(monkeypatch, port)
        yield server


@pytest.fixture
def world(store: Store, sink: Sink, _isolated_home: Path) -> World:
    """The seeded store, its home and sink, and a token per user."""
    seed_world(store)
    return World(store=store, home=_isolated_home, sink=sink, tokens=issue_tokens(store))
