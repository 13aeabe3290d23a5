"""Overlapping weekly runs are safe: two or three `run weekly` processes on one store and week (SQLite, or
PostgreSQL when ACCOUNT_INTEL_TEST_PG_URL is set) exit cleanly and leave no duplicate draft, send or event, and the
week equals a single run's. Each thread is claimed by a lease: a held thread is skipped and reported, an expired
or dead owner's lease is taken over; a message is sent once, however many senders race."""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from account_intel.clock import FixedClock
from account_intel.demo.build import build_demo
from account_intel.demo.portfolio import DemoSpec
from account_intel.domain.enums import MessageStatus
from account_intel.domain.tiering import Thresholds
from account_intel.runs.weekly import run_weekly
from account_intel.settings import Settings
from account_intel.store.engine import Store
from account_intel.store.events import list_events
from account_intel.store.leases import LeaseLost, Leases
from account_intel.store.models import OutboundMessage, RunLease
from account_intel.store.outbound import AlreadySentError, draft_message, mark_sent
from tests.factories import T0, add_account, add_contact
from tests.weekly_faults import outcome, problems, start_weekly, week_state

AS_OF = date(2024, 11, 30)
SPEC = DemoSpec(accounts=10, seed=7, as_of=AS_OF)
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The packaged content with one opt-in: a run sends ungated introduction requests itself, so runs do send."""
    folder = tmp_path_factory.mktemp("content")
    for name in ("agents", "prompts", "tools"):
        shutil.copytree(REPO / name, folder / name)
    policy = folder / "tools" / "outbound-policy.yaml"
    policy.write_text(policy.read_text().replace("purposes: []", "purposes: [intro_request]"))
    return folder


@pytest.fixture(scope="module")
def clean(content: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The week after one run alone, on SQLite: what overlapping runs must leave too."""
    folder = tmp_path_factory.mktemp("alone")
    url = f"sqlite:///{folder / 'store.db'}"
    build_demo(url, SPEC, thresholds=Thresholds())
    settings = Settings(home=folder / "home", db_url=url, content_dir=content)
    store = Store(url)
    summary = run_weekly(store=store, settings=settings, as_of=AS_OF, brain="rules", clock=FixedClock.on(AS_OF))
    store.dispose()
    assert summary.failures == []
    state = week_state(url)
    assert problems(state) == [] and state["sent"] > 0  # the opt-in sends: overlapping runs could double them
    return outcome(state)


@pytest.mark.slow
@pytest.mark.parametrize("runs", [2, 3])
def test_overlapping_weekly_runs_duplicate_no_draft_send_or_event(
    db_url: str, tmp_path: Path, content: Path, clean: dict[str, Any], runs: int
) -> None:
    build_demo(db_url, SPEC, thresholds=Thresholds())
    home = tmp_path / "home"
    processes = [
        start_weekly(db_url, home, ACCOUNT_INTEL_CONTENT_DIR=str(content), CONCURRENCY=str(1 + i % 2))
        for i in range(runs)
    ]
    outputs = [p.communicate(timeout=600) for p in processes]
    for process, (_out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err[-3000:]
        assert "Traceback" not in err
    summaries = [json.loads(out) for out, _ in outputs]
    state = week_state(db_url)
    assert problems(state) == []
    assert outcome(state) == clean
    completed = sum(1 for status in state["status"].values() if status == "completed")
    assert sum(s["counts"]["completed"] for s in summaries) == completed  # each thread completed by one run
    for summary in summaries:  # what a run did not do itself, it says: finished earlier, or held by another run
        assert summary["failures"] == []
        assert len(summary["claimed_elsewhere"]) == summary["counts"]["claimed"]
        assert sum(summary["counts"].values()) == summary["accounts"] == len(state["active"])


def test_a_thread_held_by_a_live_run_is_skipped_and_said_then_taken_over_once_expired(
    db_url: str, tmp_path: Path
) -> None:
    build_demo(db_url, SPEC, thresholds=Thresholds())
    settings = Settings(home=tmp_path / "home", db_url=db_url)
    store = Store(db_url)
    other = f"elsewhere:{os.getpid()}:0"  # another machine's run: its liveness cannot be told, only its expiry
    thread = "weekly:2024-W48:ACCT-1001"
    now = datetime.now(UTC)
    with store.transaction() as session:
        session.add(RunLease(thread_id=thread, owner=other, claimed_at=now, expires_at=now + timedelta(hours=1)))

    def run() -> Any:
        return run_weekly(store=store, settings=settings, as_of=AS_OF, brain="rules", clock=FixedClock.on(AS_OF))

    held = run()
    assert [(c.account_id, c.held_by) for c in held.claimed_elsewhere] == [("ACCT-1001", other)]
    assert held.counts["claimed"] == 1 and held.week_counts["unfinished"] == 1 and held.exit_code == 0
    assert thread not in week_state(db_url)["status"]
    with store.transaction() as session:
        lease = session.get(RunLease, thread)
        assert lease is not None
        lease.expires_at = now - timedelta(seconds=1)  # its owner stopped renewing: the lease ran out
    taken = run()
    assert taken.counts["claimed"] == 0 and taken.claimed_elsewhere == []
    assert taken.counts["skipped"] == held.counts["completed"]  # what the first run finished is not run again
    assert taken.week_counts["unfinished"] == 0 and problems(week_state(db_url)) == []
    with store.sessions() as session:
        assert session.get(RunLease, thread) is None  # released when done
    store.dispose()


def test_a_lease_is_claimed_by_one_owner_and_a_dead_local_owner_is_taken_over(store: Store) -> None:
    first, second = Leases(store, seconds=60), Leases(store, seconds=60)
    assert first.claim("t") is None
    assert second.claim("t") == first.owner  # live (this process): held
    assert first.claim("t") is None  # its own lease: renewed
    with pytest.raises(LeaseLost):
        second.keep("t")  # renewing a lease another owner holds is refused: that run stops
    first.release("t")
    assert second.claim("t") is None
    gone = Leases(store, seconds=60, owner=f"{second.owner.split(':')[0]}:{2**22 + 7}:dead")  # no such pid
    with store.transaction() as session:
        lease = session.get(RunLease, "t")
        assert lease is not None
        lease.owner = gone.owner  # a run of this machine that was killed with its lease held
    assert first.claim("t") is None and first.holder("t") == first.owner


def test_two_senders_of_one_message_send_it_once(store: Store) -> None:
    with store.transaction() as session:
        add_account(session, "SMALL", arr=Decimal("40000"))
        add_contact(session, "SMALL-CHAMP", "SMALL")
    with store.transaction() as session:
        message_id = draft_message(
            session, account_id="SMALL", contact_id="SMALL-CHAMP", subject="Hi", body="Hello", at=T0, created_by="agent"
        ).id
    with store.sessions() as late:  # the second sender read the message before the first sent it
        stale = late.get(OutboundMessage, message_id)
        assert stale is not None and stale.status == MessageStatus.DRAFT
        with store.transaction() as session:
            mark_sent(session, message=session.get(OutboundMessage, message_id), at=T0, actor="agent")
        with pytest.raises(AlreadySentError):
            mark_sent(late, message=stale, at=T0, actor="agent")
        late.rollback()
    with store.sessions() as session:
        sent = list_events(session, kind="message.sent")
    assert [e.entity_id for e in sent] == [message_id]
