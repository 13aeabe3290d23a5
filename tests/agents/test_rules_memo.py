"""Within one run, the rules brain computes each read tool's answer once; callers get independent copies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from account_intel.agents import rules
from account_intel.analytics import account_analysis
from account_intel.settings import Settings
from account_intel.store.engine import Store
from account_intel.tools import opportunity_tools
from account_intel.tools.context import ToolContext
from tests.agents.support import AS_OF


def _context(store: Store, tmp_path: Path, account: str = "ACCT-3421") -> ToolContext:
    return ToolContext(
        sessions=store.sessions, settings=Settings(home=tmp_path / "home"), as_of=AS_OF, account_id=account
    )


def test_repeated_read_calls_reuse_one_analysis(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = account_analysis.analyze_account

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(opportunity_tools, "analyze_account", counted)
    ctx = _context(store, tmp_path)
    first = rules.call_tool(ctx, "get_opportunities", limit=3)
    wider = rules.call_tool(ctx, "get_opportunities", limit=6)
    again = rules.call_tool(ctx, "get_opportunities", limit=3)
    assert calls == ["ACCT-3421"]  # three calls, one analysis
    assert again == first and len(wider["candidates"]) >= len(first["candidates"])
    first["candidates"].clear()  # a caller's change never reaches the next caller
    assert rules.call_tool(ctx, "get_opportunities", limit=3)["candidates"] == again["candidates"]

    other = _context(store, tmp_path, "ACCT-2001")  # another account's run computes its own
    assert rules.call_tool(other, "get_opportunities", limit=3)["account_id"] != first["account_id"]
    assert calls == ["ACCT-3421", "ACCT-2001"]
