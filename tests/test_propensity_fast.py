"""The portfolio scan's fast path agrees with the per-account analysis, free text included, and scan-mode facts
change no answer."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest

from account_intel.analytics.account_analysis import account_candidates
from account_intel.analytics.facts import AccountFacts, iter_portfolio_facts, load_catalog
from account_intel.analytics.health.score import compute_health, score_only
from account_intel.analytics.propensity.config import ExpansionType, default_propensity_config
from account_intel.analytics.propensity.fast import ScanConfig, fast_candidates
from account_intel.analytics.signals.models import load_signal_config
from account_intel.analytics.signals.text_matcher import default_matcher
from account_intel.demo.loader import load_portfolio
from account_intel.demo.portfolio import DemoSpec
from account_intel.domain.tiering import Thresholds
from account_intel.store.engine import Store

AS_OF = date(2024, 11, 30)


@pytest.fixture(scope="module")
def facts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[list[AccountFacts], list[AccountFacts], object]]:
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('fast') / 'demo.db'}")
    with store.transaction() as session:
        load_portfolio(session, DemoSpec(accounts=200, seed=7, as_of=AS_OF), thresholds=Thresholds())
    with store.transaction() as session:
        catalog = load_catalog(session)
        full = [f for chunk in iter_portfolio_facts(session, AS_OF, chunk_size=57) for f in chunk]
        scan = [f for chunk in iter_portfolio_facts(session, AS_OF, chunk_size=57, scan=True) for f in chunk]
    yield full, scan, catalog
    store.dispose()


def _without_text(f: AccountFacts) -> AccountFacts:
    return dataclasses.replace(
        f,
        activities=[a._replace(subject=None, body=None) for a in f.activities],
        tickets=[t._replace(subject=None, body=None) for t in f.tickets],
        org_events=[e._replace(description="") for e in f.org_events],
    )


def _key(o: object) -> tuple[object, ...]:
    return tuple(getattr(o, name) for name in ("id", "level", "counted", "propensity", "readiness", "probability"))


def test_fast_path_equals_the_full_analysis_on_every_account_text_included(facts) -> None:  # type: ignore[no-untyped-def]
    full, scan, catalog = facts
    config, signal_config = default_propensity_config(), load_signal_config()
    scan_config = ScanConfig(config, signal_config)
    matcher = default_matcher()
    compared = moved_by_text = 0
    for f, g in zip(full, scan, strict=True):
        if f.status != "active":
            continue
        health = compute_health(f, catalog)
        if health.band.value == "Red":
            continue
        found = account_candidates(f, catalog, health, signal_config=signal_config, config=config, matcher=matcher)
        quick = score_only(g, catalog)
        fast = fast_candidates(g, catalog, quick, quick.band, scan_config)
        expected = sorted(
            (o.id, o.level, o.counted.value if o.counted else None, o.propensity.score, o.readiness.bucket,
             o.probability, o.priority.value, o.campaign_tier, o.pipeline_type, o.in_totals)
            for o in found.opportunities
        )  # fmt: skip
        got = sorted(
            (c.id, c.level, c.counted, c.propensity, c.readiness, c.probability, c.priority, c.campaign_tier,
             c.pipeline_type, c.in_totals)
            for c in fast
        )  # fmt: skip
        assert got == expected, f.account_id
        whitespace = sum(
            (c.counted for c in fast if c.counted is not None and c.type is not ExpansionType.RATE_INCREASE),
            Decimal(0),
        )
        assert whitespace == Decimal(found.whitespace.potential.value), f.account_id
        counted = fast_candidates(g, catalog, quick, quick.band, scan_config, counted_only=True)
        assert counted == [c for c in fast if c.in_totals]
        silent = fast_candidates(_without_text(g), catalog, quick, quick.band, scan_config, mentions=[])
        moved_by_text += sorted(map(_key, silent)) != sorted(map(_key, fast))
        compared += 1
    assert compared > 120
    assert moved_by_text > 20  # the demo's notes move levels, strengths and readiness: text is really compared


def test_scan_mode_facts_give_the_same_scores(facts) -> None:  # type: ignore[no-untyped-def]
    full, scan, catalog = facts
    scan_config = ScanConfig(default_propensity_config(), load_signal_config())
    assert [f.account_id for f in full] == [f.account_id for f in scan]
    for f, g in zip(full, scan, strict=True):
        assert score_only(f, catalog) == score_only(g, catalog)
        quick = score_only(f, catalog)
        assert fast_candidates(f, catalog, quick, quick.band, scan_config) == fast_candidates(
            g, catalog, quick, quick.band, scan_config
        )
        assert all(c.name == "" and c.email is None for c in g.contacts)
        assert all(len(points) == 1 for points in g.feature_usage.values())
