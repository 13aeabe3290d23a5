"""The portfolio pipeline, retention forecast and target list on the demo portfolio, and `account-intel portfolio`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from account_intel.analytics.portfolio import scan as portfolio_scan
from account_intel.analytics.portfolio.pipeline import PortfolioReport, portfolio_report
from account_intel.analytics.portfolio.scan import CAMPAIGN_ORDER
from account_intel.analytics.segments.filter import SegmentExpressionError
from account_intel.cli.app import app
from account_intel.demo.loader import load_portfolio
from account_intel.demo.portfolio import DemoSpec
from account_intel.domain.tiering import Thresholds
from account_intel.store.engine import Store
from account_intel.store.models import Account, User

AS_OF = date(2024, 11, 30)
runner = CliRunner()


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('portfolio') / 'demo.db'}"
    store = Store(url)
    with store.transaction() as session:
        load_portfolio(session, DemoSpec(accounts=200, seed=7, as_of=AS_OF), thresholds=Thresholds())
    store.dispose()
    yield url


@pytest.fixture(scope="module")
def report(demo_url: str) -> PortfolioReport:
    store = Store(demo_url)
    with store.transaction() as session:
        result = portfolio_report(session, AS_OF)
    store.dispose()
    return result


def test_pipeline_totals_add_up(report: PortfolioReport) -> None:
    assert report.accounts_scanned == 200
    assert report.active_accounts + report.churned_accounts + report.prospect_accounts == 200
    assert 0 < report.rescue_accounts < report.active_accounts
    assert sum(t.total_potential for t in report.types) == report.total_potential
    assert sum(t.opportunities for t in report.types) == report.opportunities
    assert sum(c.opportunities for c in report.campaign) == report.opportunities
    assert sum(s.accounts for s in report.segments) == report.active_accounts
    assert [s.segment for s in report.segments] == ["Enterprise", "Mid-Market", "SMB"]
    assert sum(s.total_potential for s in report.segments) == report.total_potential
    assert sum(t.accounts for t in report.tiers) == report.accounts_with_opportunities
    assert sum(t.total_potential for t in report.tiers) == report.total_potential
    assert sum(t.expected for t in report.tiers) == report.expected_value
    assert report.expected_value < report.total_potential
    kinds = {t.type for t in report.types}
    assert {"seat_expansion", "tier_upgrade", "cross_sell"} <= kinds
    assert "contract_extension" not in kinds  # contract value, not ARR


def test_retention_forecast(report: PortfolioReport) -> None:
    r = report.retention
    assert r.forecast is not None
    assert r.starting_arr == sum(s.arr for s in report.segments)
    assert r.churn.accounts == report.active_accounts
    assert r.expansion.conservative == (r.expansion.expected * Decimal("0.70")).quantize(Decimal("0.01"))
    assert r.forecast.grr_pct < 100 < r.forecast.nrr_pct
    assert (r.period_end - r.period_start).days == 89  # the 90 days after the as-of date


def test_target_list_is_ordered_and_respects_capacity(demo_url: str, report: PortfolioReport) -> None:
    keys = [(CAMPAIGN_ORDER[row.campaign_tier], -row.priority, row.id) for row in report.target_list]
    assert keys == sorted(keys)
    assert len({row.id for row in report.target_list}) == len(report.target_list)
    store = Store(demo_url)
    with store.transaction() as session:
        capacity = {row[0]: row[1] for row in session.execute(select(User.id, User.capacity))}
    store.dispose()
    assigned = [row for row in report.target_list if row.owner_id]
    assert assigned
    for owner, load in report.owner_load.items():
        assert load <= capacity[owner]
    nurture = [row for row in report.target_list if row.campaign_tier.value == "nurture"]
    assert nurture and all(row.owner_id is None for row in nurture)  # seed 003: Tier 4 is automated/product-led


def test_workers_and_chunks_give_the_same_report(demo_url: str, report: PortfolioReport) -> None:
    store = Store(demo_url)
    with store.transaction() as session:
        parallel = portfolio_report(session, AS_OF, url=demo_url, workers=2, chunk_size=37)
    store.dispose()
    assert parallel.model_dump(exclude={"seconds"}) == report.model_dump(exclude={"seconds"})


def test_chunks_shrink_towards_the_end_and_cover_every_account_once(
    demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(portfolio_scan, "MIN_CHUNK", 10)
    store = Store(demo_url)
    with store.transaction() as session:
        ids = list(session.scalars(select(Account.id).order_by(Account.id)))
        chunks = portfolio_scan._chunks(session, 40, workers=2)
    store.dispose()
    sizes = [len(c) for c in chunks]
    assert [i for c in chunks for i in c] == ids  # contiguous, in order, each once
    assert sizes[0] == 40 and max(sizes) == 40  # the cap holds
    assert sizes[:-1] == sorted(sizes[:-1], reverse=True)  # largest first
    assert sizes[-2] == 10 and sizes[-1] <= 10  # the tail is cut fine, down to MIN_CHUNK
    # each chunk takes a quarter (2 workers x TAIL_SPLIT 2) of what is left, within the bounds
    left = len(ids)
    for size in sizes[:-1]:
        assert size == min(40, max(10, -(-left // 4)))
        left -= size


def test_segment_filter(demo_url: str, report: PortfolioReport) -> None:
    store = Store(demo_url)
    with store.transaction() as session:
        enterprise = portfolio_report(session, AS_OF, segment='segment == "Enterprise" and health >= 60')
        with pytest.raises(SegmentExpressionError):
            portfolio_report(session, AS_OF, segment="segment = Enterprise")
    store.dispose()
    assert enterprise.segment_expression is not None
    assert 0 < enterprise.active_accounts < report.segments[0].accounts
    assert enterprise.rescue_accounts == 0
    assert [s.accounts for s in enterprise.segments[1:]] == [0, 0]


def test_cli_portfolio_json_and_tables(demo_url: str) -> None:
    result = runner.invoke(app, ["portfolio", "--as-of", "2024-11-30", "--db", demo_url, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["accounts_scanned"] == 200 and data["tiers"] and data["retention"]["forecast"]
    result = runner.invoke(
        app, ["portfolio", "--as-of", "2024-11-30", "--db", demo_url, "--top", "5"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    for title in ("Pipeline by priority", "By type", "By segment", "Campaign target list", "NRR"):
        assert title in result.output
    bad = runner.invoke(app, ["portfolio", "--as-of", "2024-11-30", "--db", demo_url, "--segment", "arr >> 5"])
    assert bad.exit_code != 0
