"""The values the read tools hand out for one account on the as-of date, gathered again after the run.

Every read tool is called (with its defaults and a few wider variants), the way ToolNode calls it, into a fresh
evidence sink: its numbers are what an agent could have seen. Evidence ids are judged against the store instead
(`analytics.evidence.resolves`), so an id counts when it names a real row, whichever tool handed it out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from langchain.tools import ToolRuntime
from langchain_core.tools import BaseTool
from pydantic import ValidationError

from account_intel.analytics.evidence import resolves
from account_intel.settings import Settings
from account_intel.store.engine import Store
from account_intel.tools.context import EvidenceSink, ToolContext
from account_intel.tools.registry import all_tools

# The calls made per tool (default: one call with its defaults). A wider call whose result holds the default's
# (a higher limit, low rows, ended contracts) replaces it; windows that change the numbers are all called.
CALLS: dict[str, list[dict[str, Any]]] = {
    "get_usage_trend": [
        {"include_features": True},
        {"months": 3},
        {"months": 12, "include_features": True},
        {"months": 13},
    ],
    "get_signals": [{"limit": 25}],
    "get_whitespace_map": [{"include_low": True}],
    "get_opportunities": [{"limit": 15}],
    "get_contracts": [{"include_ended": True}],
    "get_support_summary": [{}, {"days": 60}, {"days": 180}, {"days": 365}],
    "search_activities": [],  # hits carry ids and dates; their ids are checked against the store
}


@dataclass
class StoreSink(EvidenceSink):
    """An evidence sink whose ids are checked against the store; numbers are the tools' numbers."""

    store: Store | None = None
    _known: dict[str, bool] = field(default_factory=dict, repr=False)

    def has(self, evidence_id: str) -> bool:
        """True when the id names a row of the store (cached)."""
        if evidence_id not in self._known:
            if self.store is None:
                return False
            with self.store.sessions() as session:
                self._known[evidence_id] = resolves(session, evidence_id)
        return self._known[evidence_id]


def _call(tool: BaseTool, context: ToolContext, args: dict[str, Any]) -> bool:
    runtime: ToolRuntime[ToolContext] = ToolRuntime(
        state={}, context=context, config={}, stream_writer=lambda _: None, tool_call_id="eval", store=None
    )
    try:
        message = tool.invoke(
            {"type": "tool_call", "id": "eval", "name": tool.name, "args": {**args, "runtime": runtime}}
        )
    except ValidationError:
        return False
    return getattr(message, "status", "success") == "success"


def gather(store: Store, settings: Settings, account_id: str, as_of: date) -> tuple[StoreSink, list[str]]:
    """The sink of every read tool's values for the account, and the tools that could not be called."""
    sink = StoreSink(store=store)
    context = ToolContext(
        sessions=store.sessions, settings=settings, as_of=as_of, account_id=account_id, run_id="eval", sink=sink
    )
    skipped = []
    for tool in all_tools(settings.content_dir):
        if (tool.metadata or {}).get("side_effect") != "read":
            continue
        calls = CALLS.get(tool.name, [{}])
        if calls and not any([_call(tool, context, args) for args in calls]):
            skipped.append(tool.name)
    return sink, skipped
