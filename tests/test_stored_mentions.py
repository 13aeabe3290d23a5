"""Text mentions are derived once per note and ticket, stored, and read back exactly as the matcher finds them;
a scan made with another lexicon, or of text edited since, is never read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, inspect, select, update

from account_intel.analytics.facts import AccountFacts, iter_portfolio_facts, load_facts
from account_intel.analytics.signals.mention_store import derive_mentions
from account_intel.analytics.signals.text_matcher import (
    LexiconEntry,
    TextMatcher,
    account_mentions,
    default_matcher,
    load_lexicon,
    stored_mentions,
)
from account_intel.demo.loader import load_portfolio
from account_intel.demo.portfolio import DemoSpec
from account_intel.domain.tiering import Thresholds
from account_intel.store.base import Base
from account_intel.store.engine import Store, alembic_config
from account_intel.store.models import Activity, StoredMention, SupportTicket, TextScan

AS_OF = date(2024, 11, 30)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('mentions') / 'demo.db'}")
    with store.transaction() as session:
        load_portfolio(session, DemoSpec(accounts=120, seed=11, as_of=AS_OF), thresholds=Thresholds())
    yield store
    store.dispose()


def _all_facts(store: Store, *, scan: bool) -> list[AccountFacts]:
    with store.transaction() as session:
        return [f for chunk in iter_portfolio_facts(session, AS_OF, chunk_size=40, scan=scan) for f in chunk]


def _one(store: Store, account_id: str) -> AccountFacts:
    with store.transaction() as session:
        return load_facts(session, AS_OF, [account_id])[account_id]


def _noted_account(store: Store) -> tuple[str, str]:
    with store.transaction() as session:
        row = session.execute(
            select(Activity.account_id, Activity.id)
            .where(Activity.occurred_at >= datetime(2024, 10, 1, tzinfo=UTC))
            .where(Activity.occurred_at < datetime(2024, 11, 30, tzinfo=UTC))
            .order_by(Activity.id)
            .limit(1)
        ).one()
    return row[0], row[1]


def test_the_demo_stores_every_note_and_ticket_once(demo: Store) -> None:
    with demo.transaction() as session:
        sources = (session.scalar(select(func.count()).select_from(Activity)) or 0) + (
            session.scalar(select(func.count()).select_from(SupportTicket)) or 0
        )
        assert session.scalar(select(func.count()).select_from(TextScan)) == sources
        assert session.scalar(select(func.count()).select_from(StoredMention)) > 100
        assert derive_mentions(session, default_matcher()) == 0  # nothing left to match


@pytest.mark.parametrize("scan", [False, True])
def test_stored_mentions_equal_the_matcher_on_every_demo_account(demo: Store, scan: bool) -> None:
    matcher = default_matcher()
    with_mentions = 0
    for f in _all_facts(demo, scan=scan):
        stored = stored_mentions(f, matcher.digest)
        assert stored is not None, f.account_id
        assert stored == matcher.scan(f), f.account_id
        with_mentions += bool(stored)
    assert with_mentions > 30


def test_edited_text_is_matched_on_the_spot_then_stored_again(demo: Store) -> None:
    matcher = default_matcher()
    account_id, activity_id = _noted_account(demo)
    with demo.transaction() as session:
        session.execute(
            update(Activity)
            .where(Activity.id == activity_id)
            .values(body="Marketing is hiring 12 people and needs logins; SOC 2 audit next quarter.")
        )
    facts = _one(demo, account_id)
    assert stored_mentions(facts, matcher.digest) is None  # the stored scan read other text
    fresh = account_mentions(facts, matcher)
    assert fresh == matcher.scan(facts)
    assert {("department", "Marketing"), ("initiative", "SOC 2")} <= {(m.kind.value, m.value) for m in fresh}
    with demo.transaction() as session:
        assert derive_mentions(session, matcher, account_ids=[account_id]) == 0  # same lexicon: not re-derived
        session.execute(delete_scan(activity_id))
        assert derive_mentions(session, matcher, account_ids=[account_id]) == 1
    facts = _one(demo, account_id)
    assert stored_mentions(facts, matcher.digest) == fresh


def delete_scan(activity_id: str):  # type: ignore[no-untyped-def]
    return delete(TextScan).where(TextScan.source_table == "activity", TextScan.source_id == activity_id)


def test_another_lexicon_is_never_read_from_the_old_scans(demo: Store) -> None:
    base = load_lexicon()
    extra = LexiconEntry(value="Procurement Office", terms=["purchasing desk"])
    departments = base.departments.model_copy(update={"entries": [*base.departments.entries, extra]})
    other = TextMatcher(base.model_copy(update={"departments": departments}))
    assert other.digest != default_matcher().digest
    account_id, _ = _noted_account(demo)
    facts = _one(demo, account_id)
    assert stored_mentions(facts, other.digest) is None
    assert account_mentions(facts, other) == other.scan(facts)
    with demo.transaction() as session:
        assert derive_mentions(session, other, account_ids=[account_id]) == _sources(session, account_id)
    facts = _one(demo, account_id)
    assert stored_mentions(facts, other.digest) == other.scan(facts)
    assert stored_mentions(facts, default_matcher().digest) is None
    with demo.transaction() as session:
        derive_mentions(session, default_matcher(), account_ids=[account_id])


def _sources(session, account_id: str) -> int:  # type: ignore[no-untyped-def]
    activities = session.scalar(select(func.count()).where(Activity.account_id == account_id)) or 0
    return activities + (session.scalar(select(func.count()).where(SupportTicket.account_id == account_id)) or 0)


WORDS = st.sampled_from(
    ["Marketing", "mktg", "London", "Berlin office", "SOC 2", "GDPR", "hiring", "headcount", "vendor", "slow",
     "legal", "Finance", "the", "and", "we", "need", "seats", "APAC", "expansion", ".", ",", "\n", "new team"]
)  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(subject=st.lists(WORDS, max_size=6).map(" ".join), body=st.lists(WORDS, max_size=30).map(" ".join))
def test_any_text_is_read_back_as_the_matcher_finds_it(demo: Store, subject: str, body: str) -> None:
    matcher = default_matcher()
    account_id, activity_id = _noted_account(demo)
    with demo.transaction() as session:
        session.execute(update(Activity).where(Activity.id == activity_id).values(subject=subject, body=body))
        session.execute(delete_scan(activity_id))
        derive_mentions(session, matcher, account_ids=[account_id])
    facts = _one(demo, account_id)
    assert stored_mentions(facts, matcher.digest) == matcher.scan(facts)


def test_the_migration_matches_the_models_and_goes_back(store: Store) -> None:
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert [d for d in diffs if "text_scans" in str(d) or "text_mentions" in str(d)] == []
    command.downgrade(alembic_config(store.engine), "0012")
    assert not {"text_scans", "text_mentions"} & set(inspect(store.engine).get_table_names())
    command.upgrade(alembic_config(store.engine), "head")
    assert {"text_scans", "text_mentions"} <= set(inspect(store.engine).get_table_names())
