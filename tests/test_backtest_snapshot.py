"""Churn flags without a date as labels of one snapshot: the flagged accounts are scored as the customers they
were, the fit is measured out of fold, and the mode refuses what it cannot honour."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import update

from account_intel.analytics.backtest.data import iter_population_facts
from account_intel.analytics.backtest.run import run_backtest
from account_intel.analytics.facts import load_catalog
from account_intel.analytics.fitted.files import load_model
from account_intel.analytics.health.score import score_only
from account_intel.demo.loader import load_portfolio
from account_intel.demo.portfolio import DemoSpec
from account_intel.domain.enums import AccountStatus, ContractStatus
from account_intel.domain.tiering import Thresholds
from account_intel.errors import ValidationFailed
from account_intel.store.engine import Store
from account_intel.store.models import Account, Contract

AS_OF = date(2024, 11, 30)
FLAGGED = 30


@pytest.fixture(scope="module")
def snapshot_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, list[str], dict[str, float]]]:
    """The demo with its 30 least healthy customers flagged churned without a date (their contracts cancelled),
    as an export with a churn column and no churn date would load."""
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('snap') / 'demo.db'}")
    with store.transaction() as session:
        load_portfolio(session, DemoSpec(accounts=300, seed=11, as_of=AS_OF), thresholds=Thresholds())
    with store.transaction() as session:
        catalog = load_catalog(session)
        before = {
            f.account_id: score_only(f, catalog).score
            for chunk in iter_population_facts(session, AS_OF, Thresholds())
            for f in chunk
        }
        flagged = sorted(before, key=lambda i: (before[i], i))[:FLAGGED]
        session.execute(
            update(Account).where(Account.id.in_(flagged)).values(status=AccountStatus.CHURNED, churned_on=None)
        )
        session.execute(
            update(Contract).where(Contract.account_id.in_(flagged)).values(status=ContractStatus.CANCELLED)
        )
    yield store, flagged, before
    store.dispose()


def test_the_flagged_accounts_are_scored_as_the_customers_they_were(snapshot_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store, flagged, before = snapshot_store
    with store.transaction() as session:
        catalog = load_catalog(session)
        snap = {
            f.account_id: f
            for chunk in iter_population_facts(session, AS_OF, Thresholds(), snapshot=True)
            for f in chunk
        }
        dated = {f.account_id for chunk in iter_population_facts(session, AS_OF, Thresholds()) for f in chunk}
        report = run_backtest(session, as_of=AS_OF, horizon=90, snapshot=True)
    assert set(flagged) <= set(snap) and not set(flagged) & dated  # in the snapshot, out of the dated population
    for account_id in flagged:
        facts = snap[account_id]
        assert facts.status == "active" and facts.lines  # its cancelled contracts read as in force
        assert score_only(facts, catalog).score == pytest.approx(before[account_id])
    assert report.accounts == len(before) and report.churned >= FLAGGED
    assert report.health[0].auc is not None and report.health[0].auc > 0.9  # the least healthy were flagged
    assert any(n.startswith("snapshot labels (--snapshot): 30 accounts flagged churned") for n in report.notes)
    assert report.evaluated_on.startswith("snapshot of 2024-11-30")


def test_a_snapshot_fit_is_measured_out_of_fold_and_saves_snapshot_models(snapshot_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store, _, _ = snapshot_store
    with store.transaction() as session:
        report = run_backtest(session, as_of=AS_OF, horizon=90, snapshot=True, fit=True, home=tmp_path)
    assert [h.weights for h in report.health] == ["default", "fitted, out of fold"]
    assert report.fit is not None and report.fit.train_as_of == AS_OF == report.fit.train_window_end
    assert "on the snapshot of 2024-11-30" in Path(report.fit.path).read_text()
    model = load_model("fitted-churn", home=tmp_path)
    assert model.labels == "snapshot" and model.horizon_days == 0 and model.window_end == AS_OF
    rows = {row.name: row for row in report.side_by_side if row.outcome == "churn"}
    fitted = rows["health (fitted, out of fold)"]
    assert fitted.auc is not None and 0.5 < fitted.auc <= 1
    churn = next(e for e in report.models if e.outcome == "churn")
    assert churn.report.auc is not None and 0.5 < churn.report.auc <= 1


def test_snapshot_refuses_what_it_cannot_honour(snapshot_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store, _, _ = snapshot_store
    with store.transaction() as session:
        with pytest.raises(ValidationFailed, match="choose one"):
            run_backtest(session, as_of=AS_OF, horizon=90, snapshot=True, exclude_undated_churn=True)
        with pytest.raises(ValidationFailed, match="drop --fit-as-of"):
            run_backtest(session, as_of=AS_OF, horizon=90, snapshot=True, fit=True, fit_as_of=date(2024, 1, 1))
        with pytest.raises(ValidationFailed, match="or with --snapshot to learn from the flags"):
            run_backtest(session, as_of=AS_OF, horizon=90)


def test_snapshot_without_undated_flags_is_refused(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'dated.db'}")
    with store.transaction() as session:
        load_portfolio(session, DemoSpec(accounts=20, seed=3, as_of=AS_OF), thresholds=Thresholds())
    with store.transaction() as session, pytest.raises(ValidationFailed, match="this store has none"):
        run_backtest(session, as_of=AS_OF, horizon=90, snapshot=True)
    store.dispose()
