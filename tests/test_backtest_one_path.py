"""The backtest scores an account's propensity with the brief's own analysis, free text included (a Red account,
which a brief routes to the rescue play, is scored by the same candidates with the gate off)."""

from __future__ import annotations

from datetime import date

from account_intel.analytics.account_analysis import analyze_account
from account_intel.analytics.backtest.run import score_population
from account_intel.analytics.health.config import default_health_config
from account_intel.demo.loader import load_portfolio
from account_intel.demo.portfolio import DemoSpec
from account_intel.domain.tiering import Thresholds
from account_intel.store.engine import Store

AS_OF = date(2024, 11, 30)


def test_backtest_propensity_is_the_briefs_on_every_demo_account(store: Store) -> None:
    with store.transaction() as session:
        load_portfolio(session, DemoSpec(accounts=120, seed=11, as_of=AS_OF), thresholds=Thresholds())
    with store.transaction() as session:
        scored = score_population(session, AS_OF, [default_health_config()], Thresholds(), propensity=True)
        compared = with_text = 0
        for account_id, propensity, probability in zip(scored.ids, scored.propensity, scored.probability, strict=True):
            analysis = analyze_account(session, account_id, AS_OF)
            if analysis.route == "rescue":
                continue
            counted = [o for o in analysis.opportunities if o.in_totals]
            assert propensity == max((o.propensity.score for o in counted), default=0.0), account_id
            assert probability == float(max((o.probability for o in counted), default=0)), account_id
            compared += 1
            with_text += any(s.kind.value.startswith("text_") for s in analysis.signals)
    assert compared > 80
    assert with_text > 20  # the comparison covers accounts whose notes carry signals
