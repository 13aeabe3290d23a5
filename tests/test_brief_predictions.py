"""A brief shows the saved models' calibrated probabilities with their reasons, and never a model that learnt
from outcomes after the brief's as-of date."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from account_intel.analytics.facts import AccountFacts, Catalog, load_catalog, load_facts
from account_intel.analytics.fitted.features import CHURN_FEATURES, model_features
from account_intel.analytics.fitted.files import save_model
from account_intel.analytics.fitted.model import fit_with_held_out
from account_intel.analytics.fitted.predict import account_predictions, predict
from account_intel.analytics.health.config import default_health_config
from account_intel.analytics.health.score import score_only
from account_intel.analytics.propensity.config import default_propensity_config
from account_intel.analytics.propensity.features import TYPE_FEATURES
from account_intel.analytics.signals.models import load_signal_config
from account_intel.analytics.signals.text_matcher import default_matcher
from account_intel.cli.app import app
from account_intel.store.engine import Store

runner = CliRunner()
AS_OF = date(2024, 11, 30)


def _churn_model(trained_as_of: date, horizon: int = 90):  # type: ignore[no-untyped-def]
    """A churn model on the product's churn features: short tenure churns (a planted driver)."""
    rng = np.random.default_rng(5)
    rows = 400
    x = rng.uniform(0, 1, size=(rows, len(CHURN_FEATURES)))
    tenure = CHURN_FEATURES.index("tenure_months")
    x[:, tenure] = rng.uniform(0, 48, rows)
    x[:, CHURN_FEATURES.index("term_months")] = rng.uniform(0, 36, rows)  # noise, on a realistic scale
    y = rng.random(rows) < 1 / (1 + np.exp(-(1.0 - x[:, tenure] / 8)))
    return fit_with_held_out(
        x, y, list(CHURN_FEATURES), name="fitted-churn", outcome="churn", trained_as_of=trained_as_of,
        horizon_days=horizon, select=False,
    )[0]  # fmt: skip


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ACCOUNT_INTEL_HOME", str(tmp_path / "home"))
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert runner.invoke(app, ["demo", "--accounts", "20", "--db", url, "--json"]).exit_code == 0
    return url


def _techflow(url: str) -> tuple[AccountFacts, Catalog]:
    """TechFlow's facts on the demo's data date, and the catalog."""
    store = Store(url)
    with store.sessions() as session:
        facts = load_facts(session, AS_OF, ["ACCT-3421"])["ACCT-3421"]
        catalog = load_catalog(session)
    store.dispose()
    return facts, catalog


def _rows(facts: AccountFacts, catalog: Catalog) -> dict[str, dict[str, float]]:
    """The account's model feature rows, as the brief computes them."""
    return model_features(
        facts,
        catalog,
        score_only(facts, catalog, default_health_config()),
        default_propensity_config(),
        matcher=default_matcher(),
        text_rule=load_signal_config().text,
    )


def _brief(url: str) -> str:
    result = runner.invoke(app, ["brief", "ACCT-3421", "--brain", "rules", "--db", url, "--json"])
    assert result.exit_code == 0, result.output
    return Path(json.loads(result.stdout)["deliverables"]["brief_md"]).read_text()


def test_the_brief_shows_the_calibrated_churn_probability_and_why(demo: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert "Churn probability" not in _brief(demo)  # nothing fitted yet: nothing shown
    model = _churn_model(date(2024, 6, 1))
    save_model(model, home=home)
    facts, catalog = _techflow(demo)
    rows = _rows(facts, catalog)
    expected = predict(model, rows["churn"])
    assert expected.reasons and expected.reasons[0].feature == "tenure_months"  # the planted driver leads
    markdown = _brief(demo)  # the saved model is an input: the cached brief is not reused
    line = next(line for line in markdown.splitlines() if "Churn probability" in line)
    assert line == f"- {expected.text}"
    assert f"{expected.probability:.0%} within 90 days" in line and "platt-calibrated" in line
    assert "months as a customer" in line and "trained on 2024-06-01" in line


def test_a_model_that_learnt_from_after_the_as_of_date_is_not_used(demo: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    save_model(_churn_model(date(2024, 10, 1), horizon=120), home=home)  # labels to 2025-01-29
    markdown = _brief(demo)
    assert "Churn probability" not in markdown
    assert "model 'fitted-churn' not used: it learnt from outcomes up to 2025-01-29, after this as-of date" in markdown


def test_a_damaged_model_file_is_named_not_guessed(demo: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "models").mkdir(parents=True, exist_ok=True)
    (home / "models" / "fitted-expansion.json").write_text("{}", encoding="utf-8")
    facts, catalog = _techflow(demo)
    out = account_predictions(
        facts, catalog, default_propensity_config(), ["fitted-churn", "fitted-expansion"], home=home
    )
    assert out.predictions == []
    assert len(out.notes) == 1 and "fitted-expansion.json is not a fitted model" in out.notes[0]


def _type_model(kind: str):  # type: ignore[no-untyped-def]
    """A model of one expansion type on the typed features: accounts with modules not owned buy them."""
    rng = np.random.default_rng(9)
    rows = 400
    x = rng.uniform(0, 3, size=(rows, len(TYPE_FEATURES)))
    driver = TYPE_FEATURES.index("modules_not_owned")
    y = rng.random(rows) < 1 / (1 + np.exp(-(x[:, driver] - 1.5) * 2))
    return fit_with_held_out(
        x, y, list(TYPE_FEATURES), name=f"fitted-expansion-{kind}", outcome="expansion",
        trained_as_of=date(2024, 6, 1), horizon_days=180, select=False, expansion_type=kind,
    )[0]  # fmt: skip


def test_a_recommendation_shows_its_type_models_calibrated_likelihood(demo: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    before = _brief(demo)
    assert "(calibrated)" not in before and "not yet calibrated" in before  # no typed model: the rule estimate
    model = _type_model("new_service")
    save_model(model, home=home)
    facts, catalog = _techflow(demo)
    rows = _rows(facts, catalog)
    expected = predict(model, rows["expansion_by_type"])
    markdown = _brief(demo)
    blocks = markdown.split("### Opportunity #")[1:]
    calibrated = [b for b in blocks if "**Close likelihood** (calibrated)" in b]
    assert calibrated, markdown
    assert all("Cross-sell" in b.splitlines()[0] or "Service" in b.splitlines()[0] for b in calibrated)
    line = next(x for x in calibrated[0].splitlines() if "Close likelihood" in x)
    assert f"{expected.probability:.0%} that the account buys a new module or service within 180 days" in line
    assert "model 'fitted-expansion-new_service', platt-calibrated, trained on 2024-06-01" in line
    others = [b for b in blocks if b not in calibrated]
    assert all("not yet calibrated" in b for b in others)  # other types keep the rule estimate, labelled
    assert "fitted-expansion-new_service" not in markdown.split("### Opportunity #")[0]  # not an account-level line
