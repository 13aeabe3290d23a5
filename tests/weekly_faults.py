"""Support for the crash and overlap tests of the weekly run: a `run weekly` subprocess that can die at a named
commit boundary, and the checks that a week's store is whole (one result and one completion per account, no
duplicated draft, send or event)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from account_intel.domain.enums import AccountStatus
from account_intel.store.engine import Store
from account_intel.store.models import Account, AgentRun, Event, OutboundMessage

WEEK = "2024-W48"
AS_OF = "2024-11-30"

# Runs `account-intel run weekly` in this interpreter. FAULT_POINT names a commit boundary (checkpoint: after a
# node's checkpoint writes; record: after a run record's commit; draft: after the drafts' commit) and FAULT_AT the
# occurrence after which the process dies as a kill -9 would (os._exit: no cleanup, no exception handling).
# STARTED_MARKER names a file created at the first checkpoint write, so a parent can kill it mid-run.
SCRIPT = """
import os, sys
from pathlib import Path
point, at = os.environ.get("FAULT_POINT", ""), int(os.environ.get("FAULT_AT", "0"))
marker = os.environ.get("STARTED_MARKER")
seen = [0]

def dying(fn):
    def wrapped(*args, **kwargs):
        out = fn(*args, **kwargs)
        seen[0] += 1
        if seen[0] == at:
            os._exit(137)
        return out
    return wrapped

def marking(fn):
    def wrapped(*args, **kwargs):
        if marker and not Path(marker).exists():
            Path(marker).touch()
        return fn(*args, **kwargs)
    return wrapped

savers = []
from langgraph.checkpoint.sqlite import SqliteSaver
savers.append(SqliteSaver)
try:
    from langgraph.checkpoint.postgres import PostgresSaver
    savers.append(PostgresSaver)
except ImportError:
    pass
for saver in savers:
    saver.put = marking(saver.put)
    if point == "checkpoint":
        saver.put_writes = dying(saver.put_writes)
if point == "record":
    from account_intel.graph import records
    records.write_run_record = dying(records.write_run_record)
if point == "draft":
    from account_intel.deliverables import outreach
    outreach.draft_outreach = dying(outreach.draft_outreach)
from account_intel.cli.app import main
sys.argv = ["account-intel", "run", "weekly", "--as-of", os.environ["AS_OF"], "--brain", "rules",
            "--concurrency", os.environ.get("CONCURRENCY", "1"), "--db", os.environ["DB_URL"], "--json"]
main()
"""


def weekly_env(url: str, home: Path, **extra: str) -> dict[str, str]:
    """The environment of a weekly-run subprocess on store `url` with home `home`."""
    return {**os.environ, "ACCOUNT_INTEL_HOME": str(home), "DB_URL": url, "AS_OF": AS_OF, **extra}


def start_weekly(url: str, home: Path, **extra: str) -> subprocess.Popen[str]:
    """Start a `run weekly` subprocess (see SCRIPT for the fault variables)."""
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT],
        env=weekly_env(url, home, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_weekly_process(url: str, home: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    """Run a `run weekly` subprocess to its end (or to its fault)."""
    return subprocess.run(
        [sys.executable, "-c", SCRIPT], env=weekly_env(url, home, **extra), capture_output=True, text=True, timeout=600
    )


def week_state(url: str) -> dict[str, Any]:
    """The week as the store holds it: run records, completion events, drafts, sends and their events."""
    store = Store(url, migrate=False)
    try:
        with store.sessions() as session:
            active = set(session.scalars(select(Account.id).where(Account.status == AccountStatus.ACTIVE)))
            runs = Counter(session.scalars(select(AgentRun.thread_id).where(AgentRun.kind == "weekly")))
            status = dict(session.execute(select(AgentRun.thread_id, AgentRun.status)).all())
            events = Counter(
                (kind, entity)
                for kind, entity in session.execute(
                    select(Event.kind, Event.entity_id).where(
                        Event.kind.in_(["run.completed", "message.drafted", "message.sent", "message.delivered"])
                    )
                )
            )
            drafts = Counter(
                session.execute(
                    select(OutboundMessage.thread_id, OutboundMessage.contact_id, OutboundMessage.subject)
                ).all()
            )
            messages = {
                m.id: (m.thread_id, m.contact_id, m.subject, m.status.value)
                for m in session.scalars(select(OutboundMessage))
            }
            sent = session.scalar(select(func.count()).where(OutboundMessage.status == "sent"))
    finally:
        store.dispose()
    return {
        "active": active,
        "runs": runs,
        "status": status,
        "events": events,
        "drafts": drafts,
        "messages": messages,
        "sent": sent,
    }


def problems(state: dict[str, Any]) -> list[str]:
    """Everything that breaks 'each active account ends with one result and one completion, nothing duplicated'."""
    found: list[str] = []
    for account in sorted(state["active"]):
        tid = f"weekly:{WEEK}:{account}"
        status = state["status"].get(tid)
        if state["runs"][tid] != 1 or status not in ("completed", "awaiting_approval"):
            found.append(f"{account}: {state['runs'][tid]} run records, status {status}")
        completions = state["events"][("run.completed", tid)]
        if completions != (1 if status == "completed" else 0):
            found.append(f"{account}: {completions} run.completed events with status {status}")
    found += [f"draft {key} x{n}" for key, n in state["drafts"].items() if n > 1]
    for (kind, entity), n in state["events"].items():
        if kind != "run.completed" and n > 1:
            found.append(f"{kind} {entity} x{n}")
    for message_id in state["messages"]:
        if state["events"][("message.drafted", message_id)] != 1:
            found.append(f"{message_id}: {state['events'][('message.drafted', message_id)]} message.drafted events")
    return found


def outcome(state: dict[str, Any]) -> dict[str, Any]:
    """What must equal a clean run's: each thread's status and the drafts with their statuses, ids aside."""
    return {
        "status": dict(state["status"]),
        "messages": sorted(state["messages"].values(), key=lambda m: tuple(str(v) for v in m)),
        "sent": state["sent"],
    }
