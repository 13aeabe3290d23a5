"""Building what a graph run needs (agent runner, tool and graph contexts) and running one account's thread."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command

from account_intel.agents.brains import AgentRunner, Brain
from account_intel.agents.rules import RULES
from account_intel.agents.spec import load_agents
from account_intel.clock import Clock
from account_intel.graph.context import GraphContext
from account_intel.graph.state import AccountState
from account_intel.llm.factory import LLMFactory
from account_intel.llm.usage import TokenLedger
from account_intel.settings import Settings
from account_intel.store.engine import Store
from account_intel.tools.context import ToolContext
from account_intel.tools.registry import tools_named

BrainChoice = Literal["auto", "rules", "llm"]


def resolve_brain(choice: BrainChoice, settings: Settings) -> Brain:
    """`auto` is llm when OPENAI_API_KEY or OPENAI_BASE_URL is set, else rules."""
    if choice == "auto":
        return "llm" if settings.llm_configured else "rules"
    return choice


@dataclass
class RunEnvironment:
    """Everything shared by the accounts of one run."""

    store: Store
    settings: Settings
    runner: AgentRunner
    out_dir: Path
    clock: Clock
    actor: str = "agent"

    def context_for(self, account_id: str, as_of: date, thread_id: str) -> GraphContext:
        """A fresh tool context (and evidence sink) for one account's thread."""
        tools = ToolContext(
            sessions=self.store.sessions,
            settings=self.settings,
            as_of=as_of,
            account_id=account_id,
            run_id=thread_id,
            actor=self.actor,
            clock=self.clock,
        )
        return GraphContext(
            store=self.store,
            settings=self.settings,
            runner=self.runner,
            tools=tools,
            out_dir=self.out_dir,
            clock=self.clock,
            actor=self.actor,
        )


def make_environment(
    *,
    store: Store,
    settings: Settings,
    brain: Brain,
    out_dir: Path,
    clock: Clock,
    llm: LLMFactory | None = None,
    sleep: Any = None,
    monotonic: Any = None,
) -> RunEnvironment:
    """Validate the content (agents, tools, templates) at start-up and build the runner for the chosen brain."""
    from account_intel.content.templates import all_templates
    from account_intel.tools.registry import check_parity

    known = set(check_parity(settings.content_dir))
    specs = load_agents(settings.content_dir, known_tools=known)
    all_templates(settings.content_dir)
    ledger = TokenLedger(account_budget=settings.llm_account_token_budget)
    if brain == "llm" and llm is None:
        llm = LLMFactory(settings)
    runner = AgentRunner(
        specs=specs,
        rules=RULES,
        mode=brain,
        ledger=ledger,
        llm=llm,
        tools_for=lambda names: tools_named(names, settings.content_dir),
        sleep=sleep,
        clock=monotonic or time.monotonic,  # the deadlines' clock (tests pass a fake one)
    )
    return RunEnvironment(store=store, settings=settings, runner=runner, out_dir=out_dir, clock=clock)


# Each step's checkpoint is written before the next step starts (not in the background): a process killed at any
# moment loses at most the node it was running, and the thread resumes from the last finished one.
DURABILITY: Literal["sync"] = "sync"


def run_thread(
    graph: CompiledStateGraph,
    env: RunEnvironment,
    initial: AccountState,
    *,
    on_step: Callable[[], None] | None = None,
    on_node: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run (or resume) one account thread; returns the final state and status.

    Only the run record says a thread is finished: a thread whose record is `completed` is not run again. Anything
    else continues from its checkpoint, including a checkpoint that holds a finished node's writes but no next
    checkpoint (a process killed between the two: `get_state().next` is empty then, yet the thread is not done),
    or starts again from the beginning when the graph ended without a completed record. `on_step` runs after each
    node (a lease renewal); `on_node` is told the name of each node as it finishes (progress for a watcher)."""
    from account_intel.graph.records import COMPLETED, run_status

    config: dict[str, Any] = {"configurable": {"thread_id": initial["thread_id"]}, "recursion_limit": 40}
    context = env.context_for(initial["account_id"], date.fromisoformat(initial["as_of"]), initial["thread_id"])
    snapshot = graph.get_state(config)
    if run_status(env.store, initial["thread_id"]) == COMPLETED:
        return {**snapshot.values, "status": COMPLETED, "resumed": False, "interrupts": []}
    if snapshot.interrupts:  # paused at the gate: a person's decision resumes it
        return {**snapshot.values, "status": "awaiting_approval", "interrupts": [i.value for i in snapshot.interrupts]}
    started = snapshot.next or snapshot.tasks  # crashed midway: continue from the checkpoint and its pending writes
    for update in graph.stream(
        None if started else initial, config, context=context, durability=DURABILITY, stream_mode="updates"
    ):
        if on_node is not None:
            for name in update:
                if not name.startswith("__"):  # `__interrupt__` is the gate pausing, not a node
                    on_node(name)
        if on_step is not None:
            on_step()
    after = graph.get_state(config)
    interrupts = [i.value for i in after.interrupts]
    status = "awaiting_approval" if interrupts else after.values.get("status", COMPLETED)
    return {**after.values, "status": status, "interrupts": interrupts}


def resume_thread(graph: CompiledStateGraph, env: RunEnvironment, thread_id: str) -> dict[str, Any]:
    """Resume a thread paused at await_approval (after a decision was recorded in the store)."""
    config: dict[str, Any] = {"configurable": {"thread_id": thread_id}, "recursion_limit": 40}
    snapshot = graph.get_state(config)
    if not snapshot.values:
        return {"status": "unknown", "interrupts": []}
    values = snapshot.values
    context = env.context_for(values["account_id"], date.fromisoformat(values["as_of"]), thread_id)
    if snapshot.interrupts:
        graph.invoke(
            Command(resume={i.id: "decided" for i in snapshot.interrupts}),
            config,
            context=context,
            durability=DURABILITY,
        )
    elif snapshot.next:
        graph.invoke(None, config, context=context, durability=DURABILITY)
    after = graph.get_state(config)
    interrupts = [i.value for i in after.interrupts]
    status = "awaiting_approval" if interrupts else after.values.get("status", "completed")
    return {**after.values, "status": status, "interrupts": interrupts}
