"""The store's data date: the demo and imports record it, `db status` shows it, and commands without `--as-of`
run on it (and say so), so the README's commands give the same answer with and without `--as-of`."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import select, text
from typer.testing import CliRunner

from account_intel.cli.app import app
from account_intel.clock import FixedClock, SystemClock
from account_intel.domain.tiering import Thresholds
from account_intel.importer.mapping import identity_mapping
from account_intel.importer.pipeline import run_import
from account_intel.store.data_date import data_as_of, data_as_of_source
from account_intel.store.engine import Store, alembic_config
from account_intel.store.models import Account, Contact, FieldChange, Opportunity
from tests.factories import add_account, sign_in

DATA_DATE = "2024-11-30"
CANONICAL = Path(__file__).parent / "fixtures" / "import" / "canonical"
runner = CliRunner()
README_COMMANDS = [
    ["accounts", "show", "TechFlow"],
    ["health", "TechFlow"],
    ["signals", "TechFlow"],
    ["whitespace", "TechFlow"],
    ["brief", "TechFlow"],
    ["qbr", "TechFlow"],
    ["portfolio", "--segment", 'health >= 70 and segment == "Mid-Market"'],
]


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('data-date') / 'demo.db'}"
    built = runner.invoke(app, ["demo", "--accounts", "60", "--db", url, "--json"])
    assert built.exit_code == 0, built.output
    yield url


def _invoke(*args: str) -> tuple[str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    text = re.sub(r"\d+\.\d+ s\b", "N s", result.stdout)
    # A deliverable computed for the same inputs is reused: the second run says so, and is otherwise the same.
    text = re.sub(r"from cache \(computed ([^;]+); --refresh to recompute\)", r"computed \1", text)
    return text, result.stderr


@pytest.mark.parametrize("args", README_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_readme_commands_answer_alike_with_and_without_as_of(demo_url: str, args: list[str]) -> None:
    plain, said = _invoke(*args, "--db", demo_url)
    dated, quiet = _invoke(*args, "--db", demo_url, "--as-of", DATA_DATE)
    assert plain == dated
    assert f"As of {DATA_DATE}, the store's data date" in said and "data date" not in quiet


def test_the_demo_portfolio_has_a_pipeline_without_as_of(demo_url: str) -> None:
    out, _ = _invoke("portfolio", "--segment", 'segment == "Mid-Market"', "--db", demo_url)
    assert "Total expansion pipeline: $0" not in out
    assert re.search(r"[1-9]\d* active in scope", out)


def test_json_carries_the_data_date_and_no_stderr_line(demo_url: str) -> None:
    result = runner.invoke(app, ["accounts", "show", "TechFlow", "--db", demo_url, "--json"])
    assert result.exit_code == 0 and result.stderr == ""
    profile = json.loads(result.stdout)
    assert profile["as_of"] == DATA_DATE and profile["arr"] == "85000.00" and profile["lines"]
    assert profile["days_to_renewal"] > 0


def test_db_status_shows_the_data_date(demo_url: str) -> None:
    out, _ = _invoke("db", "status", "--db", demo_url)
    assert f"data date: {DATA_DATE} (from the demo)" in out


def test_a_deal_entered_by_hand_lands_on_the_data_date(
    demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'copy.db'}"
    shutil.copy(demo_url.removeprefix("sqlite:///"), tmp_path / "copy.db")
    with Store(url).transaction() as session:
        retailco_ae = session.scalars(select(Account.ae_id).where(Account.name == "RetailCo")).one()
    sign_in(monkeypatch, url, str(retailco_ae))
    result = runner.invoke(
        app,
        [
            "opp",
            "create",
            "--account",
            "RetailCo",
            "--name",
            "Marketing Department Staffing",
            "--type",
            "new_department",
            "--value",
            "150000",
            "--source",
            "client_mention",
            "--source-contact",
            "Tom Wilson",
            "--champion",
            "Tom Wilson",
            "--decision-maker",
            "TBD",
            "--close-date",
            "2024-12-31",
            "--db",
            url,
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"At {DATA_DATE}, the store's data date (--at to change)" in result.stderr
    store = Store(url)
    with store.transaction() as session:
        created = session.scalars(select(Opportunity).where(Opportunity.name == "Marketing Department Staffing")).one()
        assert created.created_at.date() == date(2024, 11, 30)
    store.dispose()


def test_a_store_without_a_data_date_runs_on_today_silently(store: Store, db_url: str) -> None:
    with store.transaction() as session:
        add_account(session, "ACME", arr=Decimal("1000"))
    result = runner.invoke(app, ["accounts", "show", "ACME", "--db", db_url, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["as_of"] == SystemClock().now().date().isoformat()
    assert result.stderr == ""


def _import(store: Store, directory: Path, **options: object) -> object:
    return run_import(
        store,
        directory=directory,
        mapping=identity_mapping(directory),
        mapping_label=None,
        thresholds=Thresholds(),
        clock=FixedClock.on(date(2025, 1, 15)),
        **options,  # type: ignore[arg-type]
    )


def test_an_import_records_its_snapshot_date(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "canonical"
    shutil.copytree(CANONICAL, folder)
    _import(store, folder)
    with store.transaction() as session:
        assert data_as_of(session) == date(2024, 11, 5) and data_as_of_source(session) == "import"
    _import(store, folder, as_of=date(2024, 12, 31))
    with store.transaction() as session:
        assert data_as_of(session) == date(2024, 12, 31)


def test_an_import_dates_the_contact_flags_it_changes(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "canonical"
    shutil.copytree(CANONICAL, folder)
    _import(store, folder)
    contacts = folder / "contacts.csv"
    contacts.write_text(contacts.read_text().replace("true,true,false,2022-03-01", "true,false,true,2022-03-01"))
    _import(store, folder, as_of=date(2024, 12, 20))
    with store.transaction() as session:
        dana = session.get(Contact, "P-ACME-1")
        assert dana is not None and dana.active is False and dana.do_not_contact is True
        changes = {
            (c.field, c.old_value, c.new_value, c.effective_on)
            for c in session.scalars(select(FieldChange).where(FieldChange.entity_id == "P-ACME-1"))
        }
    assert changes == {
        ("active", "true", "false", date(2024, 12, 20)),
        ("do_not_contact", "false", "true", date(2024, 12, 20)),
    }


def test_cli_import_takes_a_snapshot_date_and_says_it_is_the_data_date(db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "canonical"
    shutil.copytree(CANONICAL, folder)
    result = runner.invoke(app, ["import", str(folder), "--db", db_url, "--snapshot-date", "2024-11-20"])
    assert result.exit_code == 0, result.output
    assert "The store's data date is now 2024-11-20" in result.stdout


def test_migration_gives_an_older_store_the_date_its_arr_was_derived_on(store: Store) -> None:
    with store.transaction() as session:
        add_account(session, "ACME", arr=Decimal("1000"))
    cfg = alembic_config(store.engine)
    command.downgrade(cfg, "0005")
    command.upgrade(cfg, "head")
    with store.engine.connect() as conn:
        row = conn.execute(text("SELECT data_as_of, data_as_of_source FROM store_meta")).one()
    assert str(row[0]) == DATA_DATE and row[1] == "ARR derivation"
