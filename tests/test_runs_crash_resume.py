"""A weekly run killed at any moment loses nothing: killed at each commit boundary (after a node's checkpoint
writes, after a run record's commit, after the drafts' commit) and at random moments, a rerun finishes every
active account with exactly one result and one `run.completed` event, and no draft, send or event is duplicated.
The finished week equals a clean run's."""

from __future__ import annotations

import os
import random
import shutil
import signal
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from account_intel.clock import FixedClock
from account_intel.demo.build import build_demo
from account_intel.demo.portfolio import DemoSpec
from account_intel.domain.tiering import Thresholds
from account_intel.runs.weekly import WeeklySummary, run_weekly
from account_intel.settings import Settings
from account_intel.store.engine import Store
from tests.weekly_faults import outcome, problems, run_weekly_process, start_weekly, week_state

AS_OF = date(2024, 11, 30)


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("crash") / "demo.db"
    build_demo(f"sqlite:///{path}", DemoSpec(accounts=10, seed=7, as_of=AS_OF), thresholds=Thresholds())
    return path


def _copy(demo_file: Path, folder: Path) -> Settings:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(demo_file, folder / "store.db")
    return Settings(home=folder / "home", db_url=f"sqlite:///{folder / 'store.db'}")


def _rerun(settings: Settings) -> WeeklySummary:
    store = Store(settings.resolved_db_url)
    try:
        return run_weekly(store=store, settings=settings, as_of=AS_OF, brain="rules", clock=FixedClock.on(AS_OF))
    finally:
        store.dispose()


@pytest.fixture(scope="module")
def clean(demo_file: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The week after one uninterrupted run: what every killed-and-rerun week must equal."""
    settings = _copy(demo_file, tmp_path_factory.mktemp("clean"))
    assert _rerun(settings).counts["failed"] == 0
    state = week_state(settings.resolved_db_url)
    assert problems(state) == []
    return outcome(state)


@pytest.mark.parametrize(
    ("point", "at"),
    [
        ("checkpoint", 1),  # the first node's writes, before the next checkpoint: the account was lost
        ("checkpoint", 6),
        ("checkpoint", 10),  # the first account's record_run writes
        ("checkpoint", 15),
        ("record", 1),  # a run record committed, its checkpoint not: run.completed was written twice
        ("record", 3),
        ("draft", 1),
        ("draft", 2),
    ],
)
def test_a_run_killed_at_a_commit_boundary_then_rerun_loses_and_duplicates_nothing(
    demo_file: Path, tmp_path: Path, clean: dict[str, Any], point: str, at: int
) -> None:
    settings = _copy(demo_file, tmp_path)
    killed = run_weekly_process(settings.resolved_db_url, settings.home, FAULT_POINT=point, FAULT_AT=str(at))
    assert killed.returncode == 137, killed.stderr[-2000:]
    rerun = _rerun(settings)
    state = week_state(settings.resolved_db_url)
    assert problems(state) == []
    assert rerun.failures == [] and rerun.week_counts["unfinished"] == 0
    assert rerun.week_counts["completed"] + rerun.week_counts["awaiting_approval"] == len(state["active"])
    assert outcome(state) == clean


@pytest.mark.slow
@pytest.mark.skipif(bool(os.environ.get("ACCOUNT_INTEL_TEST_PG_URL")), reason="a SQLite store file: once, not per pass")
def test_twenty_random_kills_then_a_rerun_lose_and_duplicate_nothing(
    demo_file: Path, tmp_path: Path, clean: dict[str, Any]
) -> None:
    rng = random.Random(13)
    kills, rounds = 0, 0
    while kills < 20:  # four stores, each killed five times in a row at a random moment of its run, then rerun
        settings = _copy(demo_file, tmp_path / f"store-{rounds}")
        rounds += 1
        for _ in range(5):
            marker = tmp_path / f"started-{kills}"
            process = start_weekly(settings.resolved_db_url, settings.home, STARTED_MARKER=str(marker))
            while not marker.exists() and process.poll() is None:
                time.sleep(0.01)
            time.sleep(rng.uniform(0, 1.0))
            process.send_signal(signal.SIGKILL)
            process.communicate()  # reaped: its pid no longer names a live process
            kills += 1
        rerun = _rerun(settings)
        state = week_state(settings.resolved_db_url)
        assert problems(state) == [], f"after kill {kills}"
        assert rerun.failures == [] and rerun.week_counts["unfinished"] == 0
        assert outcome(state) == clean
