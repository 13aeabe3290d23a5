"""The weekly run: idempotent per ISO week, resumable after a failure and after a killed process, one account's
failure never sinks the run, the segment expression scopes it; the portfolio graph's fan-out is bounded."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from account_intel.agents import rules
from account_intel.analytics.segments.filter import SegmentExpressionError
from account_intel.cli.app import app
from account_intel.clock import FixedClock
from account_intel.demo.build import build_demo
from account_intel.demo.portfolio import DemoSpec
from account_intel.domain.enums import AccountStatus, MessageStatus
from account_intel.domain.tiering import Thresholds
from account_intel.graph import portfolio as portfolio_graph
from account_intel.graph.build import build_account_graph
from account_intel.graph.checkpoint import open_checkpointer
from account_intel.runs.weekly import WeeklySummary, run_weekly
from account_intel.settings import Settings
from account_intel.store.engine import Store
from account_intel.store.models import Account, AgentRun, HealthSnapshot, OutboundMessage

AS_OF = date(2024, 11, 30)  # Saturday of ISO week 2024-W48
SAME_WEEK = date(2024, 12, 1)  # Sunday, still 2024-W48
runner = CliRunner()


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("weekly") / "demo.db"
    build_demo(f"sqlite:///{path}", DemoSpec(accounts=8, seed=7, as_of=AS_OF), thresholds=Thresholds())
    return path


def _copy(demo_file: Path, folder: Path) -> Settings:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(demo_file, folder / "store.db")
    return Settings(home=folder / "home", db_url=f"sqlite:///{folder / 'store.db'}")


@pytest.fixture
def settings(demo_file: Path, tmp_path: Path) -> Settings:
    return _copy(demo_file, tmp_path / "run")


def _run(settings: Settings, day: date = AS_OF, **kw: Any) -> WeeklySummary:
    store = Store(settings.resolved_db_url)
    try:
        return run_weekly(store=store, settings=settings, as_of=day, brain="rules", clock=FixedClock.on(day), **kw)
    finally:
        store.dispose()


def _state(settings: Settings) -> dict[str, Any]:
    """What a rerun must not duplicate: run rows, drafts, brief files, snapshots."""
    store = Store(settings.resolved_db_url)
    with store.sessions() as session:
        drafts = session.execute(select(OutboundMessage.thread_id, OutboundMessage.contact_id, OutboundMessage.subject))
        rows = [tuple(r) for r in drafts]
        state = {
            "agent_runs": session.scalar(select(func.count()).select_from(AgentRun)),
            "completed": session.scalar(select(func.count()).where(AgentRun.status == "completed")),
            "awaiting": session.scalar(select(func.count()).where(AgentRun.status == "awaiting_approval")),
            "drafts": len(rows),
            "distinct_drafts": len(set(rows)),
            "snapshots": session.scalar(select(func.count()).select_from(HealthSnapshot)),
        }
    store.dispose()
    folder = Path(settings.home) / "runs" / "weekly-2024-W48"
    state["briefs"] = len(list(folder.glob("accounts/*/brief.md")))
    return state


def _active(settings: Settings) -> int:
    store = Store(settings.resolved_db_url)
    with store.sessions() as session:
        n = session.scalar(select(func.count()).where(Account.status == AccountStatus.ACTIVE))
    store.dispose()
    return int(n or 0)


@pytest.fixture(scope="module")
def reference(demo_file: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A clean, uninterrupted weekly run of the same store: what every other run must end up equal to."""
    settings = _copy(demo_file, tmp_path_factory.mktemp("reference"))
    summary = _run(settings)
    assert summary.counts["failed"] == 0
    return {"summary": summary, "state": _state(settings)}


def test_weekly_run_writes_briefs_snapshots_and_the_portfolio_report(
    settings: Settings, reference: dict[str, Any]
) -> None:
    summary: WeeklySummary = reference["summary"]
    active = _active(settings)
    assert summary.accounts == active and summary.run_id == "weekly-2024-W48"
    assert summary.counts["completed"] + summary.counts["awaiting_approval"] == active
    assert summary.snapshots_stored == active and summary.exit_code == 0
    assert len(summary.drafts_awaiting) >= summary.counts["awaiting_approval"]
    assert summary.concurrency == 1  # the rules brain's default: threads would only contend for the GIL
    state = reference["state"]
    assert state["briefs"] == active and state["agent_runs"] == active  # a thread at the gate has its row too
    assert (state["completed"], state["awaiting"]) == (summary.counts["completed"], summary.counts["awaiting_approval"])
    document = json.loads(Path(summary.report_json or "").read_text())
    assert {"run", "portfolio", "capacity", "accounts"} <= set(document)
    assert document["portfolio"]["retention"]["forecast"]["nrr_pct"]
    assert {row["owner_id"] for row in document["capacity"]}
    markdown = Path(summary.report_md or "").read_text()
    for heading in ("Pipeline by Priority", "Pipeline by Type", "Pipeline by Segment", "GRR", "Campaign Target List"):
        assert heading in markdown
    assert "Capacity per Owner" in markdown


def test_a_weekly_run_only_drafts(settings: Settings, reference: dict[str, Any]) -> None:
    """Nothing leaves: every message the run wrote is a draft, and the outbox stays empty."""
    _run(settings)
    store = Store(settings.resolved_db_url)
    with store.sessions() as session:
        statuses = set(session.scalars(select(OutboundMessage.status)))
    store.dispose()
    assert reference["state"]["drafts"] > 0 and statuses == {MessageStatus.DRAFT}
    assert not (Path(settings.home) / "outbox").exists() or not any((Path(settings.home) / "outbox").iterdir())


def test_rerun_in_the_same_iso_week_duplicates_nothing(settings: Settings, reference: dict[str, Any]) -> None:
    first = _run(settings)
    before = _state(settings)
    assert before == reference["state"]
    again = _run(settings, SAME_WEEK)
    assert again.counts["completed"] == 0 and again.counts["failed"] == 0
    assert again.counts["skipped"] == first.counts["completed"]
    assert again.week_counts == {
        **{k: v for k, v in first.counts.items() if k not in ("skipped", "claimed")},
        "unfinished": 0,
    }
    assert _state(settings) == before
    assert before["drafts"] == before["distinct_drafts"]


def test_one_failing_account_does_not_sink_the_run_and_a_rerun_retries_only_it(
    settings: Settings, reference: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    original = rules.RULES["opportunity-identifier"]
    attempts: dict[str, int] = {}

    def flaky(ctx: Any, task: dict[str, Any]) -> Any:
        account = task["account_id"]
        attempts[account] = attempts.get(account, 0) + 1
        if account == "ACCT-1003" and attempts[account] == 1:
            raise RuntimeError("scoring service unavailable")
        return original(ctx, task)

    monkeypatch.setitem(rules.RULES, "opportunity-identifier", flaky)
    first = _run(settings)
    assert first.counts["failed"] == 1 and first.exit_code == 3
    (failure,) = first.failures
    assert failure.account_id == "ACCT-1003" and "RuntimeError: scoring service unavailable" in (failure.error or "")
    assert first.counts["completed"] + first.counts["awaiting_approval"] == _active(settings) - 1
    store = Store(settings.resolved_db_url)
    with store.sessions() as session:
        row = session.get(AgentRun, "weekly:2024-W48:ACCT-1003")
        assert row is not None and row.status == "failed" and "scoring service" in (row.error or "")
    calls_before = dict(attempts)
    second = _run(settings, SAME_WEEK)
    assert second.counts["failed"] == 0 and second.exit_code == 0
    assert second.counts["completed"] == 1
    ran_again = {a for a, n in attempts.items() if n > calls_before.get(a, 0)}
    assert ran_again == {"ACCT-1003"}
    with store.sessions() as session:
        row = session.get(AgentRun, "weekly:2024-W48:ACCT-1003")
        assert row is not None and row.status == "completed" and row.error is None
    store.dispose()
    assert _state(settings) == reference["state"]


KILLER = """
import os, sys
from account_intel.agents import rules
original = rules.RULES["opportunity-identifier"]
seen = []
def dying(ctx, task):
    seen.append(task["account_id"])
    if len(seen) > int(os.environ["DIE_AFTER"]):
        os._exit(9)  # a killed process: no cleanup, no exception handling
    return original(ctx, task)
rules.RULES["opportunity-identifier"] = dying
from account_intel.cli.app import main
sys.argv = ["account-intel", "run", "weekly", "--as-of", "2024-11-30", "--brain", "rules",
            "--concurrency", "1", "--db", os.environ["DB_URL"], "--json"]
main()
"""


def test_a_killed_process_then_a_rerun_finishes_the_rest_without_duplicates(
    settings: Settings, reference: dict[str, Any]
) -> None:
    env = {
        **os.environ,
        "ACCOUNT_INTEL_HOME": str(settings.home),
        "DB_URL": settings.resolved_db_url,
        "DIE_AFTER": "3",
    }
    killed = subprocess.run([sys.executable, "-c", KILLER], env=env, capture_output=True, text=True, timeout=300)
    assert killed.returncode == 9, killed.stderr[-2000:]
    store = Store(settings.resolved_db_url)
    with store.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AgentRun)) <= 3
    with open_checkpointer(store.url, settings.home) as saver:
        graph = build_account_graph(saver)
        rows = saver.conn.execute("select distinct thread_id from checkpoints").fetchall()
        states = [graph.get_state({"configurable": {"thread_id": t}}) for (t,) in rows]
    midway = [s for s in states if s.next and not s.interrupts]  # paused for approval is not midway
    assert len(midway) == 1  # the account that was running when the process died stopped between nodes
    store.dispose()
    rerun = _run(settings)
    assert rerun.counts["failed"] == 0
    assert rerun.counts["skipped"] + rerun.counts["completed"] + rerun.counts["awaiting_approval"] == _active(settings)
    assert rerun.counts["skipped"] >= 2
    assert _state(settings) == reference["state"]


def test_segment_expression_scopes_the_run(settings: Settings) -> None:
    summary = _run(settings, segment='tier == "T2" and segment == "Enterprise"')
    store = Store(settings.resolved_db_url)
    with store.sessions() as session:
        expected = set(
            session.scalars(
                select(Account.id).where(
                    Account.status == AccountStatus.ACTIVE, Account.tier == "T2", Account.segment == "Enterprise"
                )
            )
        )
        ran = set(session.scalars(select(AgentRun.account_id)))
        waiting = set(session.scalars(select(OutboundMessage.account_id).where(OutboundMessage.status == "draft")))
    store.dispose()
    assert 0 < summary.accounts == len(expected) < _active(settings)
    assert ran | waiting <= expected
    report = json.loads(Path(summary.report_json or "").read_text())
    assert report["portfolio"]["segment_expression"] == summary.segment
    assert {item["account_id"] for item in report["accounts"]} == expected


def test_a_bad_segment_expression_is_refused_with_a_pointer(settings: Settings) -> None:
    with pytest.raises(SegmentExpressionError) as caught:
        _run(settings, segment='tier = "T1"')
    assert caught.value.column == 6 and "==" in str(caught.value)
    result = runner.invoke(app, ["run", "weekly", "--segment", "tier = 'T1'", "--db", settings.resolved_db_url])
    assert isinstance(result.exception, SegmentExpressionError)


def test_cli_weekly_json_and_exit_code(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCOUNT_INTEL_HOME", str(settings.home))
    args = ["run", "weekly", "--segment", 'tier == "T3"', "--as-of", "2024-11-30", "--brain", "rules"]
    result = runner.invoke(app, [*args, "--db", settings.resolved_db_url, "--json", "--concurrency", "2"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["concurrency"] == 2 and data["iso_week"] == "2024-W48" and data["accounts"] >= 1
    assert Path(data["report_md"]).exists()


class _FakeGraph:
    def get_state(self, config: dict[str, Any]) -> Any:
        return SimpleNamespace(values={}, next=())


def test_fan_out_is_bounded_by_max_concurrency_and_catches_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    lock, running, peak = threading.Lock(), [0], [0]

    def fake_run_thread(graph: Any, env: Any, initial: dict[str, Any], **kw: Any) -> dict[str, Any]:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        if initial["account_id"] == "A-3":
            raise ValueError("bad data")
        return {**initial, "status": "completed", "drafts": [], "brains": {}}

    monkeypatch.setattr(portfolio_graph.engine, "run_thread", fake_run_thread)
    monkeypatch.setattr(portfolio_graph, "_finished", lambda graph, env, tid: None)  # no record: never run
    env = SimpleNamespace(runner=SimpleNamespace(ledger=SimpleNamespace(per_account=dict)))
    recorded: list[str] = []
    monkeypatch.setattr(portfolio_graph, "_record_failure", lambda env, task, error: recorded.append(task["thread_id"]))
    seen: list[str] = []
    context = portfolio_graph.PortfolioContext(
        env=env,  # type: ignore[arg-type]
        account_graph=_FakeGraph(),  # type: ignore[arg-type]
        on_item=lambda item: seen.append(item.account_id),
    )
    ids = [f"A-{i}" for i in range(8)]
    final = portfolio_graph.run_portfolio(context, account_ids=[*ids, "A-1"], as_of=AS_OF, brain="rules", concurrency=2)
    assert peak[0] == 2 and sorted(seen) == ids
    assert final["summary"]["counts"] == {
        "completed": 7,
        "awaiting_approval": 0,
        "failed": 1,
        "skipped": 0,
        "claimed": 0,
    }
    failed = [r for r in final["results"] if r["status"] == "failed"]
    assert failed[0]["error"] == "ValueError: bad data" and recorded == ["weekly:2024-W48:A-3"]
    assert {r["thread_id"] for r in final["results"]} == {f"weekly:2024-W48:{i}" for i in ids}
