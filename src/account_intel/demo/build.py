"""The demo use case: a fresh store, the generated portfolio loaded into it, and its summary."""

from __future__ import annotations

import time
from datetime import date

from pydantic import BaseModel, Field

from account_intel.demo.fresh_store import display_url, open_fresh_store
from account_intel.demo.loader import Progress, load_portfolio
from account_intel.demo.portfolio import DemoSpec
from account_intel.demo.producer import use_background
from account_intel.demo.stories import RETAILCO_ID, TECHFLOW_ID
from account_intel.demo.truth import PlantReport, plant_outcomes
from account_intel.domain.tiering import Thresholds
from account_intel.queries.portfolio_summary import PortfolioSummary, summarise_portfolio


class StoryAccount(BaseModel):
    """A story account to try first."""

    id: str
    name: str
    story: str
    try_command: str


class DemoReport(BaseModel):
    """What `account-intel demo` built."""

    store: str = Field(description="Store URL, password hidden.")
    as_of: date
    seed: int
    accounts: int
    rows_written: dict[str, int]
    total_rows: int
    seconds: float
    summary: PortfolioSummary
    stories: list[StoryAccount]
    planted: PlantReport | None = Field(default=None, description="Known-truth outcomes (--plant-outcomes).")


def build_demo(
    url: str,
    spec: DemoSpec,
    *,
    thresholds: Thresholds,
    force: bool = False,
    on_progress: Progress | None = None,
    db_option: str | None = None,
) -> DemoReport:
    """Wipe the store at `url` (refusing non-demo data unless forced), load the portfolio in one transaction."""
    started = time.perf_counter()
    store = open_fresh_store(url, force=force)
    try:
        with store.transaction() as session:
            report = load_portfolio(
                session, spec, thresholds=thresholds, on_progress=on_progress, background=use_background(spec)
            )
        planted = None
        if spec.plant_horizon is not None:
            with store.transaction() as session:
                planted = plant_outcomes(
                    session, data_date=spec.as_of, horizon=spec.plant_horizon, seed=spec.seed, thresholds=thresholds
                )
        with store.transaction() as session:
            summary = summarise_portfolio(session, as_of=spec.as_of)
        if store.dialect == "sqlite":  # the load ran on a rollback journal; leave the file in WAL, as every use sets it
            with store.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")
    finally:
        store.dispose()
    suffix = f" --db {db_option}" if db_option else ""
    stories = [
        StoryAccount(
            id=TECHFLOW_ID,
            name="TechFlow Inc.",
            story="$85K Professional, Engineering only; Marketing seats, plan upgrade, Compliance, London.",
            try_command=f"account-intel accounts show TechFlow{suffix}",
        ),
        StoryAccount(
            id=RETAILCO_ID,
            name="RetailCo",
            story="$340K, IT served 18 months; the IT Director just mentioned Marketing's vendor mess.",
            try_command=f"account-intel accounts show RetailCo{suffix}",
        ),
    ]
    return DemoReport(
        store=display_url(url),
        as_of=spec.as_of,
        seed=spec.seed,
        accounts=report.accounts,
        rows_written=dict(sorted(report.rows.items())),
        total_rows=report.total_rows,
        seconds=round(time.perf_counter() - started, 2),
        summary=summary,
        stories=stories,
        planted=planted,
    )
