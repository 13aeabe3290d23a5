"""The daily trigger scan: QBR D-30 fires once and starts one packet, late packets are flagged at D-7, a health
decline is flagged at once with a CSM task, each trigger kind at its edge, one `trigger.fired` event per firing."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from account_intel.analytics.facts import ActivityFact, ContactFact, SurveyFact
from account_intel.analytics.health.account import health_report
from account_intel.analytics.health.config import default_health_config
from account_intel.analytics.health.delta import to_snapshot_data
from account_intel.analytics.health.models import Band, QuickHealth
from account_intel.analytics.health.score import compute_health
from account_intel.analytics.health.snapshots import save_snapshots
from account_intel.analytics.signals.models import SignalConfig
from account_intel.cli.app import app
from account_intel.clock import FixedClock
from account_intel.demo.build import build_demo
from account_intel.demo.portfolio import DemoSpec
from account_intel.domain.enums import MessageStatus
from account_intel.domain.tiering import Thresholds
from account_intel.runs import trigger_detect, triggers
from account_intel.runs.trigger_detect import decline_trigger, expansion_triggers, qbr_trigger
from account_intel.runs.triggers import TriggerScanSummary, run_triggers
from account_intel.runs.weekly import mark_queued_triggers
from account_intel.settings import Settings
from account_intel.store.engine import Store
from account_intel.store.models import Account, AgentRun, Event, OutboundMessage, Task, TriggerFiring
from tests.test_health_builders import AS_OF, catalog, healthy, series

DAY = date(2024, 11, 30)
CONFIG = SignalConfig()
runner = CliRunner()


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Eight demo accounts with no QBR scheduled and no T1 account: each test sets up what it exercises."""
    path = tmp_path_factory.mktemp("triggers") / "demo.db"
    url = f"sqlite:///{path}"
    build_demo(url, DemoSpec(accounts=8, seed=7, as_of=DAY), thresholds=Thresholds())
    store = Store(url)
    with store.transaction() as session:
        session.execute(update(Account).values(next_qbr_date=None))
        session.execute(update(Account).where(Account.tier == "T1").values(tier="T2"))
    store.dispose()
    return path


@pytest.fixture
def store(demo_file: Path, tmp_path: Path) -> Any:
    shutil.copy(demo_file, tmp_path / "store.db")
    s = Store(f"sqlite:///{tmp_path / 'store.db'}")
    yield s
    s.dispose()


@pytest.fixture
def settings(store: Store, tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", db_url=store.url)


def scan(store: Store, settings: Settings, day: date = DAY) -> TriggerScanSummary:
    return run_triggers(store=store, settings=settings, day=day, brain="rules", clock=FixedClock.on(day))


def set_account(store: Store, account_id: str, **values: Any) -> None:
    with store.transaction() as session:
        session.execute(update(Account).where(Account.id == account_id).values(**values))


def count(store: Store, model: Any, *where: Any) -> int:
    with store.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_qbr_d30_fires_once_and_starts_one_packet(store: Store, settings: Settings) -> None:
    qbr = DAY + timedelta(days=30)
    set_account(store, "ACCT-1005", next_qbr_date=qbr)
    set_account(store, "ACCT-1003", next_qbr_date=DAY + timedelta(days=31))  # D-31: tomorrow
    first = scan(store, settings)
    (fired,) = [f for f in first.fired if f.trigger == "qbr_d30"]
    assert (fired.key, fired.status, fired.new) == (f"qbr_d30:ACCT-1005:{qbr}", "done", True)
    assert fired.result == f"qbr:ACCT-1005:{qbr}" and first.late == []
    scan(store, settings)
    nxt = scan(store, settings, DAY + timedelta(days=1))
    tomorrow = [f.key for f in nxt.fired if f.trigger == "qbr_d30" and f.new]
    assert tomorrow == [f"qbr_d30:ACCT-1003:{DAY + timedelta(31)}"]
    assert count(store, TriggerFiring, TriggerFiring.key == fired.key) == 1
    assert count(store, AgentRun, AgentRun.kind == "qbr", AgentRun.account_id == "ACCT-1005") == 1
    assert count(store, Event, Event.kind == "trigger.fired", Event.entity_id == fired.key) == 1
    packets = list((Path(settings.home) / "runs").glob("qbr_ACCT-1005_*/qbr_packet.md"))
    assert len(packets) == 1
    with store.sessions() as session:
        firing = session.get(TriggerFiring, fired.key)
        assert firing is not None and firing.due_on == qbr - timedelta(days=7) and firing.payload["attempts"] == 1


def test_a_trigger_scan_only_drafts(store: Store, settings: Settings) -> None:
    set_account(store, "ACCT-1005", next_qbr_date=DAY + timedelta(days=30))
    scan(store, settings)
    with store.sessions() as session:
        statuses = set(session.scalars(select(OutboundMessage.status)))
    assert MessageStatus.DRAFT in statuses and statuses == {MessageStatus.DRAFT}  # the QBR invitation waits
    outbox = Path(settings.home) / "outbox"
    assert not outbox.exists() or not any(outbox.iterdir())


def test_late_packet_flagged_once_then_cleared_when_ready(
    store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    qbr = DAY + timedelta(days=5)
    set_account(store, "ACCT-1006", next_qbr_date=qbr)
    real = triggers.run_brief

    def broken(**kw: Any) -> Any:
        raise RuntimeError("content store offline")

    monkeypatch.setattr(triggers, "run_brief", broken)
    first = scan(store, settings)
    (late,) = first.late
    assert (late.account_id, late.qbr_date, late.flagged_now) == ("ACCT-1006", qbr, True)
    assert first.exit_code == 3 and [f.error for f in first.fired if f.trigger == "qbr_d30"] == [
        "RuntimeError: content store offline"
    ]
    second = scan(store, settings, DAY + timedelta(days=1))
    assert [(x.account_id, x.flagged_now) for x in second.late] == [("ACCT-1006", False)]
    assert count(store, Event, Event.kind == "qbr.packet_late") == 1
    monkeypatch.setattr(triggers, "run_brief", real)
    third = scan(store, settings, DAY + timedelta(days=2))
    assert third.late == [] and third.exit_code == 0
    (retried,) = [f for f in third.fired if f.trigger == "qbr_d30"]
    assert (retried.status, retried.new) == ("done", False)
    assert count(store, TriggerFiring, TriggerFiring.trigger == "qbr_d30") == 1


def _previous_week_snapshot(store: Store, account_id: str, *, points: float, band: Band | None = None) -> float:
    """Store last week's snapshot `points` above today's score (and in `band`); return today's score."""
    with store.transaction() as session:
        health = health_report(session, account_id=account_id, as_of=DAY).health
        data = to_snapshot_data(health, week=DAY - timedelta(days=7 + DAY.weekday()))
        data = data.model_copy(update={"score": round(health.score + points, 1), "band": band or health.band})
        save_snapshots(session, results=[data], at=FixedClock.on(DAY).now())
    return health.score


def test_health_decline_is_flagged_at_once_with_a_task_for_the_csm(store: Store, settings: Settings) -> None:
    _previous_week_snapshot(store, "ACCT-1001", points=10)
    _previous_week_snapshot(store, "ACCT-1004", points=9.9)
    first = scan(store, settings)
    (fired,) = [f for f in first.fired if f.trigger == "health_decline"]
    assert (fired.account_id, fired.action, fired.status) == ("ACCT-1001", "csm_task", "done")
    with store.sessions() as session:
        task = session.get(Task, fired.result)
        account = session.get(Account, "ACCT-1001")
        assert task is not None and account is not None
        assert (task.assignee_id, task.kind, task.due_date) == (account.csm_id, "health_decline", DAY + timedelta(2))
        event = session.scalars(select(Event).where(Event.entity_id == fired.key)).one()
        assert event.kind == "trigger.fired" and event.payload["trigger"] == "health_decline"
    again = scan(store, settings)
    assert [f for f in again.fired if f.trigger == "health_decline"] == []
    assert count(store, Task, Task.kind == "health_decline") == 1


def test_health_band_drop_fires_whatever_the_points() -> None:
    facts = healthy()
    previous = to_snapshot_data(_result(facts), week=AS_OF - timedelta(days=7 + AS_OF.weekday())).model_copy(
        update={"score": 62.0, "band": Band.GREEN}
    )
    quick = QuickHealth(61.0, "Yellow", {}, {})
    (found,) = decline_trigger(facts, catalog(), quick, previous, CONFIG, _config())
    assert found.key == "health_decline:ACCT-1:2024-W48" and found.action == "csm_task"
    same_band = previous.model_copy(update={"band": Band.YELLOW})
    assert decline_trigger(facts, catalog(), quick, same_band, CONFIG, _config()) == []


def _config() -> Any:
    return default_health_config()


def _result(facts: Any) -> Any:
    return compute_health(facts, catalog(), _config())


def _keys(facts: Any) -> dict[str, str]:
    return {d.key: d.action for d in expansion_triggers(facts, catalog(), CONFIG)}


@pytest.mark.parametrize(("days", "fires"), [(180, True), (181, False)])
def test_renewal_180_edge(days: int, fires: bool) -> None:
    renewal = AS_OF + timedelta(days=days)
    keys = _keys(healthy(renewal_date=renewal))
    assert (f"renewal_180:ACCT-1:{renewal}" in keys) is fires


@pytest.mark.parametrize(("score", "fires"), [(7, False), (8, True)])
def test_nps_8_edge_keyed_by_survey(score: int, fires: bool) -> None:
    keys = _keys(healthy(surveys=[SurveyFact("S-77", "nps", score, AS_OF - timedelta(days=3), None)]))
    assert ("nps_8:ACCT-1:S-77" in keys) is fires


@pytest.mark.parametrize(("recent_total", "fires"), [(129, False), (130, True)])
def test_usage_spike_edge_keyed_by_feature_and_quarter(recent_total: int, fires: bool) -> None:
    facts = healthy(usage={}, feature_usage={"feat_c": series([30, 30, 40, 40, 40, recent_total - 80])})
    assert ("spike:ACCT-1:feat_c:2024Q4" in _keys(facts)) is fires


@pytest.mark.parametrize(("days_ago", "fires"), [(90, False), (89, True)])
def test_new_department_contact_edge(days_ago: int, fires: bool) -> None:
    met = AS_OF - timedelta(days=days_ago)
    contact = ContactFact("C-9", "Mo", "Head of Marketing", "D-MKT", "mo@x", None, True, False, True, met, None)
    activity = ActivityFact("A-9", "meeting", met, "positive", "Intro", "Hello.", ("C-9",))
    facts = healthy(contacts=[*healthy().contacts, contact], activities=[*healthy().activities, activity])
    assert ("new_dept:ACCT-1:D-MKT" in _keys(facts)) is fires


@pytest.mark.parametrize(("potential", "fires"), [(Decimal("49999.99"), False), (Decimal("50000"), True)])
def test_whitespace_edge_at_half_the_contract(potential: Decimal, fires: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trigger_detect, "potential_only", lambda facts, cat: (Decimal("100000"), potential))
    assert ("whitespace:ACCT-1:2024Q4" in _keys(healthy())) is fires


@pytest.mark.parametrize(("days", "fires"), [(30, True), (31, False)])
def test_qbr_d30_edge_and_due_date(days: int, fires: bool) -> None:
    qbr = AS_OF + timedelta(days=days)
    found = qbr_trigger(healthy(next_qbr_date=qbr), CONFIG)
    assert [(d.key, d.due_on) for d in found] == ([(f"qbr_d30:ACCT-1:{qbr}", qbr - timedelta(7))] if fires else [])


def test_t1_accounts_run_the_play_now_and_others_wait_for_the_weekly_brief() -> None:
    facts = healthy(renewal_date=AS_OF + timedelta(days=100))
    assert set(_keys(facts).values()) == {"next_weekly"}
    assert set(_keys(replace(facts, tier="T1")).values()) == {"t1_play"}


def test_t1_play_runs_one_brief_and_queued_firings_are_covered_by_the_weekly_run(
    store: Store, settings: Settings
) -> None:
    set_account(store, "ACCT-2001", tier="T1")
    summary = scan(store, settings)
    plays = [f for f in summary.fired if f.action == "t1_play"]
    assert plays and {f.account_id for f in plays} == {"ACCT-2001"}
    assert {f.result for f in plays} == {f"brief:ACCT-2001:{DAY}"}
    briefs = list((Path(settings.home) / "runs").glob("brief_*/brief.md"))
    assert [b.parent.name for b in briefs] == [f"brief_ACCT-2001_{DAY}"]  # several triggers, one brief
    assert {f.status for f in summary.fired if f.action == "next_weekly"} == {"open"}
    queued = count(store, TriggerFiring, TriggerFiring.account_id == "ACCT-1001", TriggerFiring.status == "open")
    assert queued and mark_queued_triggers(store, account_ids=["ACCT-1001"], as_of=DAY) == queued
    assert count(store, TriggerFiring, TriggerFiring.account_id == "ACCT-1001", TriggerFiring.status == "open") == 0


def test_each_firing_emits_one_trigger_fired_event_across_days(store: Store, settings: Settings) -> None:
    first = scan(store, settings)
    assert first.by_trigger and sum(first.by_trigger.values()) == len([f for f in first.fired if f.new])
    scan(store, settings)
    scan(store, settings, DAY + timedelta(days=1))
    firings = count(store, TriggerFiring)
    assert firings >= sum(first.by_trigger.values())
    assert count(store, Event, Event.kind == "trigger.fired") == firings
    with store.sessions() as session:
        keys = list(session.scalars(select(Event.entity_id).where(Event.kind == "trigger.fired")))
    assert len(keys) == len(set(keys))


def test_cli_triggers_json(store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCOUNT_INTEL_HOME", str(settings.home))
    result = runner.invoke(app, ["run", "triggers", "--as-of", "2024-11-30", "--db", store.url, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["day"] == "2024-11-30" and data["accounts_scanned"] == 8 and data["by_trigger"]
