"""The vendored scripts (served, shipped) and the charts: their figures are the tables' figures, computed on the
server, carried in an attribute nothing can break out of, and the pages stay free of inline script and style."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from html import escape
from importlib.resources import files
from typing import Any

from account_intel.analytics.health.account import health_report
from account_intel.analytics.health.config import load_weights
from account_intel.analytics.health.snapshots import list_snapshots
from account_intel.deliverables.whitespace_text import short_money
from account_intel.domain.wording import label
from account_intel.web import views
from account_intel.web.charts import Chart, Series
from account_intel.web.context import WebContext
from tests.web.support import Web

SCRIPTS = {
    "vendor/htmx.min.js": "var htmx=",
    "vendor/chart.umd.min.js": "Chart.js v4.6.2",
    "charts.js": "data-chart",
    "brief.js": "EventSource",
}
ATTRIBUTE = re.compile(r"data-chart='([^']*)'")


def _ctx(web: Web) -> WebContext:
    ctx: WebContext = web.client.app.state.ctx  # type: ignore[attr-defined]
    return ctx


def _charts(html: str) -> dict[str, dict[str, Any]]:
    """Every chart on a page by title, read back as the browser reads the attribute (it holds no entity)."""
    found = [json.loads(raw) for raw in ATTRIBUTE.findall(html)]
    return {chart["title"]: chart for chart in found}


def _no_inline_script_or_style(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "every script is a file"
    assert " style=" not in html and "<style" not in html
    assert not re.search(r"\son[a-z]+=", html), "no inline event handler"


def test_the_vendored_scripts_are_served_as_javascript_and_ship_in_the_package(web: Web) -> None:
    static = files("account_intel.web") / "static"
    for path, marker in SCRIPTS.items():
        served = web.client.get(f"/static/{path}")
        assert served.status_code == 200, path
        assert served.headers["content-type"].startswith("text/javascript"), (path, served.headers["content-type"])
        assert served.headers["x-content-type-options"] == "nosniff"
        assert marker in served.text
        assert (static / path).is_file()  # package data, beside the code (tests/test_packaging.py checks the wheel)
    vendor = static / "vendor"
    readme = (vendor / "README.md").read_text(encoding="utf-8")
    for name in ("htmx.org", "2.0.11", "0BSD", "chart.js", "4.6.2", "MIT"):
        assert name in readme
    assert "Zero-Clause BSD" in (vendor / "htmx.LICENSE").read_text(encoding="utf-8")
    assert "MIT License" in (vendor / "chart.js.LICENSE.md").read_text(encoding="utf-8")
    web.sign_in("manager")
    page = web.client.get("/").text
    for path in ("vendor/htmx.min.js", "vendor/chart.umd.min.js", "charts.js"):
        assert re.search(rf'<script src="[^"]*/static/{re.escape(path)}" defer></script>', page), path


def test_the_portfolio_charts_hold_the_tables_figures(web: Web) -> None:
    web.sign_in("manager")
    page = web.client.get("/")
    assert page.status_code == 200
    charts = _charts(page.text)
    with web.store.transaction() as session:
        report = views.portfolio(_ctx(web), session, date(2024, 11, 30)).report

    types = charts["Pipeline by type: potential and expected value"]
    assert types["labels"] == [label(row.type) for row in report.types]
    potential, expected = types["series"]
    assert [Decimal(v) for v in potential["values"]] == [row.total_potential for row in report.types]
    assert [Decimal(v) for v in expected["values"]] == [row.expected for row in report.types]
    assert sum(Decimal(v) for v in potential["values"]) == report.total_potential
    for row, shown in zip(report.types, potential["shown"], strict=True):  # the tooltip says what the table says
        assert shown == short_money(row.total_potential)
        assert f'<td class="num">{shown}</td>' in page.text

    segments = charts["Accounts by segment"]
    assert segments["labels"] == [row.segment for row in report.segments]
    accounts, with_opportunity = segments["series"]
    assert [int(v) for v in accounts["values"]] == [row.accounts for row in report.segments]
    assert [int(v) for v in with_opportunity["values"]] == [row.accounts_with_opportunities for row in report.segments]
    assert sum(int(v) for v in accounts["values"]) == report.active_accounts

    forecast = report.retention.forecast
    assert forecast is not None
    movement = charts["Expected ARR movement in the quarter"]
    assert movement["labels"] == ["Expansion", "Churn", "Contraction", "Net change"] and movement["signed"]
    gain, churn, contraction, net = (Decimal(v) for v in movement["series"][0]["values"])
    assert (gain, churn, contraction) == (forecast.expansion, -forecast.churn, -forecast.contraction)
    assert net == forecast.ending_arr - forecast.starting_arr == gain + churn + contraction
    assert f"{forecast.nrr_pct}%" in page.text and f"{forecast.grr_pct}%" in page.text

    for heading in ("Pipeline by type", "By segment", "By priority", "Campaign lists", "Retention forecast"):
        assert heading in page.text  # the tables stay: they are the figures without a chart
    _no_inline_script_or_style(page.text)
    assert "unsafe-inline" not in page.headers["content-security-policy"]


def _store_weekly_snapshots(web: Web, days: list[date]) -> None:
    config = load_weights(None, home=_ctx(web).settings.home)
    with web.store.transaction() as session:
        for day in days:
            at = datetime(day.year, day.month, day.day, 6, tzinfo=UTC)
            health_report(session, account_id="ACCT-2001", as_of=day, config=config, store_snapshot=True, at=at)


def test_the_health_history_is_the_stored_snapshots_and_the_latest_move(web: Web) -> None:
    web.sign_in("AE")
    before = web.client.get("/accounts/ACCT-2001").text
    assert "No weekly snapshot stored yet" in before and "Health score by week" not in before

    weeks = [date(2024, 11, 30) - timedelta(weeks=n) for n in (6, 4, 3, 2, 1)]
    _store_weekly_snapshots(web, [*weeks, date(2024, 12, 14)])  # the last is after the day the page shows
    page = web.client.get("/accounts/ACCT-2001")
    assert page.status_code == 200
    chart = _charts(page.text)["Health score by week"]
    config = load_weights(None, home=_ctx(web).settings.home)
    with web.store.transaction() as session:
        stored = list_snapshots(session, account_id="ACCT-2001", weights_name=config.name)
        delta = health_report(session, account_id="ACCT-2001", as_of=date(2024, 11, 30), config=config).delta
    shown = [s for s in stored if s.as_of <= date(2024, 11, 30)]
    assert len(shown) == len(weeks) == len(stored) - 1  # nothing computed after the day shown
    assert chart["labels"] == [s.week.isoformat() for s in shown]
    assert [float(v) for v in chart["series"][0]["values"]] == [round(s.score, 1) for s in shown]
    assert chart["series"][0]["bands"] == [s.band.value for s in shown]
    assert (chart["y_min"], chart["y_max"]) == (0, 100)

    assert delta is not None and delta.previous_week == weeks[-1] - timedelta(days=weeks[-1].weekday())
    assert f"Why it moved since the week of {delta.previous_week.isoformat()}" in page.text
    for move in delta.components:  # the latest move's component deltas, beside the chart
        assert str(escape(move.reason)) in page.text
    _no_inline_script_or_style(page.text)


def test_a_hostile_label_cannot_leave_the_chart_attribute(web: Web) -> None:
    hostile = "</canvas><script>alert(1)</script>' onmouseover='x' & \"q\""
    chart = Chart(
        kind="bar",
        title=hostile,
        unit="count",
        labels=[hostile],
        series=[Series(name=hostile, values=["1"], shown=["1"])],
    )
    html = _ctx(web).templates.env.from_string("<canvas data-chart='{{ c | chart }}'></canvas>").render(c=chart)
    raw = ATTRIBUTE.fullmatch(html.removeprefix("<canvas ").removesuffix("></canvas>"))
    assert raw is not None, html  # one attribute, closed where it should be
    assert "<" not in raw.group(1) and "'" not in raw.group(1) and "&" not in raw.group(1)
    assert json.loads(raw.group(1)) == chart.model_dump(mode="json")
