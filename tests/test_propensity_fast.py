"""The portfolio scan's fast path agrees with the per-account analysis, and scan-mode facts change no answer."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest

from account_intel.analytics.facts import AccountFacts, iter_portfolio_facts, load_catalog
from account_intel.analytics.health.score import compute_health, score_only
from account_intel.analytics.opportunities.candidates import build_opportunities
from account_intel.analytics.propensity.config import ExpansionType, default_propensity_config
from account_intel.analytics.propensity.fast import ScanConfig, fast_candidates
from account_intel.analytics.signals.account import detect_signals
from account_intel.analytics.signals.models import load_signal_config
from account_intel.analytics.signals.text_matcher import default_matcher
from account_intel.analytics.whitespace.map import build_whitespace_map, potential_only
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


def test_fast_path_equals_the_full_analysis_once_text_is_removed(facts) -> None:  # type: ignore[no-untyped-def]
    full, _, catalog = facts
    config, signal_config = default_propensity_config(), load_signal_config()
    scan = ScanConfig(config, signal_config)
    matcher = default_matcher()
    compared = 0
    for f in full:
        if f.status != "active":
            continue
        g = _without_text(f)
        health = compute_health(g, catalog)
        if health.band.value == "Red":
            continue
        ws = build_whitespace_map(g, catalog, [m.as_tuple() for m in matcher.scan(g)])
        signals = detect_signals(
            g, catalog, signal_config, matcher=matcher, health=health, whitespace_potential=ws.potential.value,
            acv=ws.acv.value, whitespace_evidence=ws.evidence,
        )  # fmt: skip
        slow = build_opportunities(g, catalog, health=health, signals=signals, whitespace=ws, config=config)
        quick = score_only(f, catalog)
        fast = fast_candidates(f, catalog, quick, quick.band, scan)
        expected = sorted(
            (o.id, o.level, o.counted.value if o.counted else None, o.propensity.score, o.readiness.bucket,
             o.probability, o.priority.value, o.campaign_tier, o.pipeline_type, o.in_totals)
            for o in slow
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
        assert whitespace == potential_only(g, catalog)[1], f.account_id
        counted = fast_candidates(f, catalog, quick, quick.band, scan, counted_only=True)
        assert counted == [c for c in fast if c.in_totals]
        compared += 1
    assert compared > 120


def test_scan_mode_facts_give_the_same_scores(facts) -> None:  # type: ignore[no-untyped-def]
    full, scan, catalog = facts
    scan_config = ScanConfig(default_propensity_config(), load_signal_config())
    assert [f.account_id for f in full] == [f.account_id for f in scan]
    for f, g in zip(full, scan, strict=True):
        assert score_only(f, catalog) == score_only(g, catalog)
        assert potential_only(_without_text(f), catalog) == potential_only(_without_text(g), catalog)
        quick = score_only(f, catalog)
        assert fast_candidates(f, catalog, quick, quick.band, scan_config) == fast_candidates(
            g, catalog, quick, quick.band, scan_config
        )
        assert all(a.subject is None and a.body is None for a in g.activities)
        assert all(len(points) == 1 for points in g.feature_usage.values())
