"""The durable approval gate across processes, on the suite's store: SQLite with its SqliteSaver, or PostgreSQL
(ACCOUNT_INTEL_TEST_PG_URL) with a PostgresSaver. A brief pauses at the gate in one process; a CSM is refused; the
AE approves in another; the thread resumes from the checkpointer and delivers; the run row follows each step."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from account_intel.demo.build import build_demo
from account_intel.demo.portfolio import DemoSpec
from account_intel.domain.enums import MessageStatus, Tier
from account_intel.domain.tiering import Thresholds
from account_intel.graph.checkpoint import checkpoint_path
from account_intel.store.engine import Store
from account_intel.store.models import Account, AgentRun, Event, OutboundMessage
from tests.agents.support import AS_OF
from tests.agents.test_adversarial import _cli
from tests.factories import token_env


def _t1_account(store: Store) -> tuple[str, str, str]:
    with store.transaction() as session:
        account = session.scalars(
            select(Account).where(Account.tier == Tier.T1, Account.status == "active").order_by(Account.id)
        ).first()
        assert account is not None and account.ae_id and account.csm_id and account.ae_id != account.csm_id
        return account.id, account.ae_id, account.csm_id


def _checkpoints(url: str, home: Path, thread_id: str) -> int:
    """Checkpoints stored for the thread, read straight from the checkpointer's own tables."""
    if make_url(url).get_backend_name() == "postgresql":
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                return conn.scalar(text("SELECT count(*) FROM checkpoints WHERE thread_id = :t"), {"t": thread_id})
        finally:
            engine.dispose()
    path = checkpoint_path(url, home)
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            return conn.scalar(text("SELECT count(*) FROM checkpoints WHERE thread_id = :t"), {"t": thread_id})
    finally:
        engine.dispose()


def test_approve_across_processes_resumes_from_the_stores_checkpointer(db_url: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    build_demo(db_url, DemoSpec(accounts=20, seed=7, as_of=AS_OF), thresholds=Thresholds(), force=True)
    store = Store(db_url, migrate=False)
    try:
        account_id, ae, csm = _t1_account(store)
        brief_args = ("brief", account_id, "--brain", "rules", "--as-of", AS_OF.isoformat(), "--db", db_url, "--json")
        first = _cli(*brief_args, home=home)
        assert first.returncode == 0, first.stderr
        out = json.loads(first.stdout)
        thread_id = out["thread_id"]
        assert out["status"] == "awaiting_approval"
        gated = [d for d in out["drafts"] if d["gated"]]
        assert gated
        message_id = gated[0]["message_id"]
        assert _checkpoints(db_url, home, thread_id) > 0
        with store.transaction() as session:
            run = session.get(AgentRun, thread_id)
            assert run is not None and run.status == "awaiting_approval" and run.finished_at is None
            assert session.get(OutboundMessage, message_id).status == MessageStatus.DRAFT

        listed = _cli("approvals", "list", "--db", db_url, "--json", home=home)
        assert listed.returncode == 0, listed.stderr
        assert message_id in listed.stdout

        # the CSM may not approve: refused, nothing recorded, nothing sent
        refused = _cli("approvals", "approve", message_id, "--db", db_url, home=home, token=token_env(db_url, csm))
        assert refused.returncode != 0
        assert "may not decide" in refused.stderr and "AE" in refused.stderr
        with store.transaction() as session:
            assert session.get(OutboundMessage, message_id).status == MessageStatus.DRAFT

        # the AE approves from another process: the thread resumes from the checkpointer and delivers
        approved = _cli(
            "approvals", "approve", message_id, "--note", "Good to go", "--db", db_url, home=home,
            token=token_env(db_url, ae),
        )  # fmt: skip
        assert approved.returncode == 0, approved.stderr
        assert message_id in approved.stdout and "delivered" in approved.stdout
        assert (home / "outbox" / f"{message_id}.eml").exists()
        with store.transaction() as session:
            message = session.get(OutboundMessage, message_id)
            assert message.status == MessageStatus.SENT
            kinds = [
                e.kind for e in session.scalars(select(Event).where(Event.entity_id == message_id).order_by(Event.id))
            ]
            assert kinds[-3:] == ["message.approved", "message.sent", "message.delivered"]
            run = session.get(AgentRun, thread_id)
            assert run.status == "completed" and run.finished_at is not None
            run_events = list(
                session.scalars(select(Event.kind).where(Event.entity_id == thread_id).order_by(Event.id))
            )
            assert run_events[0] == "run.awaiting_approval" and run_events[-1] == "run.completed"
            drafts_before = session.scalar(
                select(func.count()).select_from(OutboundMessage).where(OutboundMessage.account_id == account_id)
            )

        # the same brief again: the finished thread is not run again, no second draft
        again = _cli(*brief_args, home=home)
        assert again.returncode == 0, again.stderr
        assert json.loads(again.stdout)["status"] == "completed"
        with store.transaction() as session:
            assert (
                session.scalar(
                    select(func.count()).select_from(OutboundMessage).where(OutboundMessage.account_id == account_id)
                )
                == drafts_before
            )
    finally:
        store.dispose()
