"""The expansion model's text features read the brief's text signals, and stay unknown without any text."""

from __future__ import annotations

import dataclasses
import math
from datetime import date

from sqlalchemy import select

from account_intel.analytics.facts import load_facts
from account_intel.analytics.propensity.features import text_features
from account_intel.analytics.signals.models import SignalKind, load_signal_config
from account_intel.analytics.signals.text import text_signals
from account_intel.analytics.signals.text_matcher import default_matcher
from account_intel.demo.loader import load_portfolio
from account_intel.demo.portfolio import DemoSpec
from account_intel.domain.tiering import Thresholds
from account_intel.store.engine import Store
from account_intel.store.models import Account

AS_OF = date(2024, 11, 30)
DEMAND = {SignalKind.TEXT_DEPARTMENT_MENTION, SignalKind.TEXT_LOCATION_MENTION, SignalKind.TEXT_INITIATIVE}


def test_text_features_count_the_text_signals_and_are_nan_without_text(store: Store) -> None:
    with store.transaction() as session:
        load_portfolio(session, DemoSpec(accounts=60, seed=5, as_of=AS_OF), thresholds=Thresholds())
    with store.transaction() as session:
        ids = session.scalars(select(Account.id)).all()
        facts = load_facts(session, AS_OF, ids)
    matcher, rule = default_matcher(), load_signal_config().text
    with_text = 0
    for f in facts.values():
        got = text_features(f, matcher, rule)
        if not (f.activities or f.tickets or f.org_events):
            assert all(math.isnan(v) for v in got.values())
            continue
        found = text_signals(f, matcher.scan(f), rule)
        assert got["text_demand"] == sum(1 for s in found if s.kind in DEMAND)
        assert got["text_need"] == sum(1 for s in found if s.kind not in DEMAND)
        with_text += bool(got["text_demand"] + got["text_need"])
        silent = dataclasses.replace(f, activities=[], tickets=[], org_events=[])
        assert all(math.isnan(v) for v in text_features(silent, matcher, rule).values())
    assert with_text >= 10  # notes in the demo carry signals: the features are not constant
