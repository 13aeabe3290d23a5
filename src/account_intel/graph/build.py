"""Building the per-account graph."""

from __future__ import annotations

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from account_intel.graph import nodes
from account_intel.graph.context import GraphContext
from account_intel.graph.state import AccountState

NODE_ORDER = (
    "load_context",
    "score_health",
    "place_in_segment",
    "find_opportunities",
    "check_grounding",
    "compose_deliverables",
    "route_outbound",
    "await_approval",
    "deliver",
    "record_run",
)


def build_account_graph(checkpointer: BaseCheckpointSaver | None = None) -> CompiledStateGraph:
    """`load_context -> score_health -> ... -> record_run`, with routing returned by each node."""
    graph = StateGraph(AccountState, context_schema=GraphContext)
    for name in NODE_ORDER:
        graph.add_node(name, getattr(nodes, name))
    graph.add_edge(START, "load_context")
    return graph.compile(checkpointer=checkpointer, name="account")
