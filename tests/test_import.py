from __future__ import annotations

import csv
import json
import shutil
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from typer.testing import CliRunner

from account_intel.cli.app import app
from account_intel.clock import FixedClock
from account_intel.domain.enums import AccountStatus, ContractKind, ContractStatus, Tier
from account_intel.domain.tiering import Thresholds
from account_intel.errors import ValidationFailed
from account_intel.importer import ImportReport, identity_mapping, load_mapping, run_import
from account_intel.importer.entities import ENTITIES
from account_intel.importer.mapping import parse_mapping
from account_intel.store.engine import Store
from account_intel.store.models import (
    Account,
    ChurnEvent,
    Contract,
    ContractLine,
    Event,
    Feature,
    Product,
    SupportTicket,
    UsageMetric,
)
from tests.conftest import RAVENSTACK

ROOT = Path(__file__).resolve().parents[1]
RAVENSTACK_MAPPING = ROOT / "examples" / "mappings" / "ravenstack.yaml"
CANONICAL = Path(__file__).parent / "fixtures" / "import" / "canonical"
CLOCK = FixedClock.on(date(2025, 1, 15))
runner = CliRunner()


def _import(store: Store, directory: Path, mapping: Path | None = None, **options: object) -> ImportReport:
    plan = load_mapping(mapping) if mapping else identity_mapping(directory)
    return run_import(
        store,
        directory=directory,
        mapping=plan,
        mapping_label=mapping.name if mapping else None,
        thresholds=Thresholds(),
        clock=CLOCK,
        **options,  # type: ignore[arg-type]
    )


def _row_counts(store: Store) -> dict[str, int]:
    with store.transaction() as session:
        return {
            spec.table.name: session.scalar(select(func.count()).select_from(spec.table)) or 0 for spec in ENTITIES
        } | {"events": session.scalar(select(func.count()).select_from(Event)) or 0}


def _counts(report: ImportReport) -> dict[str, tuple[int, int, int]]:
    return {e.entity: (e.created, e.updated, e.skipped) for e in report.entities}


def _quirks(report: ImportReport) -> dict[str, int]:
    return {q.code: q.count for q in report.quirks}


def _read_source(name: str) -> list[dict[str, str]]:
    with (RAVENSTACK / f"ravenstack_{name}.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


# --- RavenStack ------------------------------------------------------------------------------------------------


def test_ravenstack_imports_cleanly(store: Store) -> None:
    started = time.perf_counter()
    report = _import(store, RAVENSTACK, RAVENSTACK_MAPPING)
    elapsed = time.perf_counter() - started

    assert report.ok and report.written, [e.message for e in report.errors[:5]]
    assert elapsed < 60
    assert report.as_of == date(2024, 12, 31) and report.as_of_source.startswith("latest date in the data")
    counts = _row_counts(store)
    assert counts["accounts"] == 500
    assert counts["contracts"] == 5000 and counts["contract_lines"] == 5000
    assert counts["support_tickets"] == 2000
    assert counts["churn_events"] == 600
    assert counts["products"] == 3 and counts["features"] == 40
    assert counts["usage_metrics"] > 0
    created = _counts(report)
    assert created["accounts"] == (500, 0, 0) and created["contracts"] == (5000, 0, 0)
    assert created["usage"][0] == counts["usage_metrics"] and created["usage"][2] > 0  # monthly sums fold rows

    subscriptions = _read_source("subscriptions")
    churn_flags = sum(1 for row in _read_source("accounts") if row["churn_flag"] == "True")
    with store.transaction() as session:
        assert session.scalar(select(func.count()).where(Account.status == AccountStatus.CHURNED)) == churn_flags == 110
        assert set(session.scalars(select(Account.source).distinct())) == {"import"}
        # one seat line per subscription: quantity x unit_price is arr_amount to the cent
        lines = {line.contract_id: line for line in session.scalars(select(ContractLine))}
        for row in subscriptions:
            line = lines[row["subscription_id"]]
            assert line.quantity * line.unit_price == Decimal(row["arr_amount"])
            assert line.quantity == int(row["seats"])
        churned = {row["account_id"] for row in _read_source("accounts") if row["churn_flag"] == "True"}
        expected_arr = sum(  # a churned account carries no ARR, whatever subscriptions the export left open
            Decimal(row["arr_amount"])
            for row in subscriptions
            if row["start_date"] <= "2024-12-31"
            and (not row["end_date"] or row["end_date"] >= "2024-12-31")
            and row["account_id"] not in churned
        )
        assert session.scalar(select(func.sum(Account.arr))) == expected_arr
        assert session.scalar(select(func.count()).where(Account.arr_as_of == date(2024, 12, 31))) == 500
        upgrades = sum(1 for row in subscriptions if row["upgrade_flag"] == "True")
        assert session.scalar(select(func.count()).where(Contract.kind == ContractKind.UPGRADE)) == upgrades
        ended = sum(1 for row in subscriptions if row["end_date"] and row["end_date"] < "2024-12-31")
        assert session.scalar(select(func.count()).where(Contract.status == ContractStatus.EXPIRED)) == ended
        assert session.scalar(select(func.sum(UsageMetric.value))) == sum(
            int(r["usage_count"]) for r in _read_source("feature_usage")
        )
        assert (
            session.scalar(select(func.count()).where(UsageMetric.metric.like("feature:%"))) == counts["usage_metrics"]
        )
        assert session.get(Feature, "feature_20") is not None
        assert session.get(Product, "ravenstack-enterprise").list_price == Decimal("2388.00")  # type: ignore[union-attr]
        assert session.scalar(select(func.count()).where(SupportTicket.severity == "urgent")) == 514
        assert session.scalar(select(func.count()).where(ChurnEvent.is_reactivation.is_(True))) == 61
        churned_dates = session.scalar(
            select(func.count()).where(Account.status == AccountStatus.CHURNED, Account.churned_on.is_not(None))
        )
        assert churned_dates == 75  # churned accounts with at least one churn event
        with_arr = session.scalar(select(func.count()).where(Account.arr > 0))
        assert with_arr == 500 - 110  # every active account has a subscription in force; churned ones have no ARR
        assert session.scalar(select(func.count()).where(Event.kind == "account.arr_updated")) == with_arr
        assert session.scalar(select(func.count()).where(Event.kind == "import.completed")) == 1

    quirks = _quirks(report)
    assert quirks["crlf_line_endings"] == 5
    assert quirks["before_subscription_start"] == 19142
    assert quirks["after_subscription_end"] == 290
    assert quirks["duplicate_usage_id"] == 21
    assert quirks["churned_without_churn_event"] == 35
    assert quirks["churn_events_on_active_accounts"] == 277
    assert quirks["churned_contracts_on_active_accounts"] == 240
    assert quirks["churned_without_churned_contract"] == 38
    assert quirks["reactivations"] == 61
    assert quirks["upgrade_and_downgrade"] == 23
    assert quirks["blank_values"] == 4514 + 825 + 148
    assert all(q.description and q.handling for q in report.quirks)


def test_ravenstack_reimport_is_idempotent(store: Store) -> None:
    first = _import(store, RAVENSTACK, RAVENSTACK_MAPPING)
    assert first.ok
    before = _row_counts(store)
    second = _import(store, RAVENSTACK, RAVENSTACK_MAPPING)
    assert second.ok, [e.message for e in second.errors[:5]]
    after = _row_counts(store)
    assert {k: v for k, v in after.items() if k != "events"} == {k: v for k, v in before.items() if k != "events"}
    assert after["events"] == before["events"] + 1  # only the import.completed event: nothing else changed
    for entity in second.entities:
        assert entity.created == 0, entity
        assert entity.updated == _counts(first)[entity.entity][0], entity
    assert second.accounts is not None and second.accounts.changed == 0


def test_ravenstack_as_of_option_changes_derivation(store: Store) -> None:
    report = _import(store, RAVENSTACK, RAVENSTACK_MAPPING, as_of=date(2023, 6, 30), dry_run=True)
    assert report.ok and not report.written
    assert report.as_of == date(2023, 6, 30) and report.as_of_source == "--snapshot-date option"
    assert _row_counts(store)["accounts"] == 0


# --- canonical files -------------------------------------------------------------------------------------------


@pytest.fixture
def canonical(tmp_path: Path) -> Path:
    folder = tmp_path / "canonical"
    shutil.copytree(CANONICAL, folder)
    return folder


def test_canonical_files_import_every_entity(store: Store, canonical: Path) -> None:
    report = _import(store, canonical)
    assert report.ok, [e.message for e in report.errors]
    assert {e.entity for e in report.entities} == {spec.name for spec in ENTITIES}
    assert report.as_of == date(2024, 11, 5)  # the activity's date, the latest fact in the files
    with store.transaction() as session:
        acme = session.get(Account, "ACME")
        assert acme is not None and acme.arr == Decimal("62400.00") and acme.source == "import"
        initech = session.get(Account, "INITECH")
        assert initech is not None and initech.churned_on == date(2022, 12, 31)
        assert session.get(Contract, "C-GLOBEX-1").auto_renew is True  # type: ignore[union-attr]  # blank -> default
        ticket = session.get(SupportTicket, "T-1")
        assert ticket is not None and ticket.opened_at.hour == 9 and ticket.escalated is True


def test_dry_run_writes_nothing(store: Store, canonical: Path) -> None:
    before = _row_counts(store)
    report = _import(store, canonical, dry_run=True)
    assert report.ok and report.dry_run and not report.written
    assert _counts(report)["accounts"] == (3, 0, 0)
    assert _row_counts(store) == before


def _rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


BROKEN = {
    "negative price": (
        "contract_lines.csv",
        "L-ACME-2,C-ACME-1,ACME,ADDON-API,2,1200,",
        "L-ACME-2,C-ACME-1,ACME,ADDON-API,2,-5,",
        ("contract_lines.csv", 3, "unit_price", "-5", "must be a non-negative amount"),
    ),
    "bad date": (
        "contracts.csv",
        "C-GLOBEX-1,GLOBEX,new,active,2024-06-01",
        "C-GLOBEX-1,GLOBEX,new,active,2024-13-01",
        ("contracts.csv", 3, "start_date", "2024-13-01", "must be a date written YYYY-MM-DD"),
    ),
    "unknown product": (
        "contract_lines.csv",
        "L-GLOBEX-1,C-GLOBEX-1,GLOBEX,PLAN-PRO",
        "L-GLOBEX-1,C-GLOBEX-1,GLOBEX,PLAN-GOLD",
        ("contract_lines.csv", 4, "product_id", "PLAN-GOLD", "unknown product: not in products.csv nor in the store"),
    ),
    "duplicate id": (
        "accounts.csv",
        "GLOBEX,Globex,",
        "ACME,Globex,",
        ("accounts.csv", 3, "id", "ACME", "duplicate id (first on accounts.csv line 2)"),
    ),
    "missing column": (
        "accounts.csv",
        "id,name,status,",
        "id,label,status,",
        ("accounts.csv", 1, "name", None, "missing required column 'name' for accounts (columns found: id, label,"),
    ),
    "unknown enum": (
        "tickets.csv",
        "2024-11-03 10:00,high,",
        "2024-11-03 10:00,critical,",
        ("tickets.csv", 2, "severity", "critical", "must be one of: low, medium, high, urgent"),
    ),
    "contact email with a display name": (
        "contacts.csv",
        "eli@acme.test",
        '"Eli Novak <eli@acme.test>"',
        (
            "contacts.csv",
            3,
            "email",
            "Eli Novak <eli@acme.test>",
            "must be one bare email address, but it has a display name, quotes or angle brackets",
        ),
    ),
    "missing account": (
        "tickets.csv",
        "T-2,GLOBEX,",
        "T-2,HOOLI,",
        ("tickets.csv", 3, "account_id", "HOOLI", "unknown account: not in accounts.csv nor in the store"),
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_csv_is_refused_with_located_errors(store: Store, canonical: Path, case: str) -> None:
    assert _import(store, canonical).ok  # a populated store, so "unchanged" means something
    before = _row_counts(store)
    file, old, new, (name, line, column, value, rule) = BROKEN[case]
    _rewrite(canonical / file, old, new)

    report = _import(store, canonical)

    assert not report.ok and not report.written and report.error_count >= 1
    matching = [e for e in report.errors if e.file == name and e.line == line and e.column == column]
    assert matching, [e.message for e in report.errors]
    issue = matching[0]
    assert issue.value == value
    assert issue.rule.startswith(rule)
    assert issue.message.startswith(f"{name} line {line}, column {column}")
    if value is not None:
        assert f"value '{value}': " in issue.message
    assert _row_counts(store) == before


def test_all_errors_are_collected_not_only_the_first(store: Store, canonical: Path) -> None:
    _rewrite(canonical / "contract_lines.csv", "2,1200,2024-01-01", "2,-1,2024-01-01")
    _rewrite(canonical / "contract_lines.csv", "40,550,2024-06-01", "forty,550,2024-06-01")
    _rewrite(canonical / "surveys.csv", "nps,9,", "nps,11,")
    _rewrite(canonical / "usage.csv", "ACME,api_calls,2024-10-01", "ACME,api_calls,2024-10-15")
    report = _import(store, canonical)
    messages = [e.message for e in report.errors]
    assert report.error_count == 4, messages
    assert "contract_lines.csv line 3, column unit_price, value '-1': must be a non-negative amount" in messages
    assert any(
        m.startswith("contract_lines.csv line 4, column quantity, value 'forty': must be a whole number")
        for m in messages
    )
    assert "surveys.csv line 2, column score, value '11': must be from 0 to 10 for nps" in messages
    assert any(m.startswith("usage.csv line 2, column period_start") for m in messages)
    assert _row_counts(store)["accounts"] == 0


def test_errors_name_source_columns_through_a_mapping(store: Store, tmp_path: Path) -> None:
    source = tmp_path / "export"
    source.mkdir()
    (source / "customers.csv").write_text("cust,company,tier\r\nA1,Alpha,Gold\r\nA2,Beta,Silver\r\n")
    (source / "subscriptions.csv").write_text(
        "sub,cust,plan,seats,arr_amount,start,end\r\n"
        "S1,A1,Pro,10,6000,2024-01-01,\r\n"
        "S2,A2,Pro,3,-5,2024-02-01,\r\n"
        "S3,A9,Pro,3,900,2024-02-30,\r\n"
    )
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        yaml.safe_dump(
            {
                "inline": {
                    "products": [
                        {"id": "pro", "name": "Pro", "kind": "plan", "pricing_unit": "seat", "list_price": 600}
                    ]
                },
                "sources": [
                    {"file": "customers.csv", "entity": "accounts", "rename": {"cust": "id", "company": "name"}},
                    {
                        "file": "subscriptions.csv",
                        "entity": "contract_lines",
                        "rename": {
                            "sub": "contract_id",
                            "cust": "account_id",
                            "plan": "product_id",
                            "start": "start_date",
                        },
                        "values": {"plan": {"Pro": "pro"}},
                        "derive": [
                            {"transform": "template", "column": "id", "template": "{sub}-1"},
                            {"transform": "line_price", "amount": "arr_amount", "quantity": "seats"},
                        ],
                    },
                ],
            }
        )
    )
    report = _import(store, source, mapping)
    messages = [e.message for e in report.errors]
    assert "subscriptions.csv line 3, column arr_amount, value '-5': must be a non-negative amount" in messages
    assert "subscriptions.csv line 4, column start, value '2024-02-30': must be a date written YYYY-MM-DD" in messages
    assert any(m.startswith("subscriptions.csv line 2, column sub, value 'S1': unknown contract") for m in messages)
    assert "customers.csv: columns not imported: tier" in report.warnings
    assert _row_counts(store)["accounts"] == 0


# --- mapping file ----------------------------------------------------------------------------------------------


def test_ravenstack_mapping_is_valid_and_credits_the_author() -> None:
    text = RAVENSTACK_MAPPING.read_text()
    assert "River @ Rivalytics" in text.split("version:")[0]
    mapping = load_mapping(RAVENSTACK_MAPPING)
    assert {s.entity for s in mapping.sources} >= {"accounts", "contracts", "contract_lines", "usage", "tickets"}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"sources": [{"file": "a.csv", "entity": "accounts", "renames": {}}]}, "unknown key 'renames' in sources[0]"),
        ({"sources": [], "inline": {}, "colour": "blue"}, "unknown key 'colour' in the top level"),
        (
            {"sources": [{"file": "a.csv", "entity": "usage", "derive": [{"transform": "date_part", "colum": "x"}]}]},
            "unknown key 'colum' in sources[0].derive[0]",
        ),
        ({"sources": [{"file": "a.csv", "entity": "invoices"}]}, "entity 'invoices' is not one of"),
        (
            {"sources": [{"file": "a.csv", "entity": "accounts", "rename": {"x": "nickname"}}]},
            "rename of 'x' names 'nickname', which is not an accounts column",
        ),
        (
            {"sources": [{"file": "a.csv", "entity": "usage", "derive": [{"transform": "eval"}]}]},
            "sources[0].derive[0]",
        ),
    ],
)
def test_mapping_errors_name_the_key(data: dict[str, object], expected: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_mapping(data, label="m.yaml")
    assert expected in str(caught.value)
    assert "m.yaml" in str(caught.value)


def test_unknown_key_lists_the_allowed_keys() -> None:
    with pytest.raises(ValidationFailed, match=r"allowed: .*rename"):
        parse_mapping({"sources": [{"file": "a.csv", "entity": "accounts", "renames": {}}]}, label="m.yaml")


WRITER_FILLED = {("opportunities", "updated_at"), ("opportunities", "probability")}  # the import time; the stage's


def test_schema_matches_the_store_tables() -> None:
    for spec in ENTITIES:
        for column in spec.columns:
            assert column in spec.table.c, (spec.name, column)
        for column in spec.table.c:
            if column.nullable or column.default is not None or column.name in ("id", "created_at"):
                continue  # the writer fills accounts.created_at; usage ids are generated
            if (spec.name, column.name) in WRITER_FILLED:
                continue
            field = spec.model.model_fields.get(column.name)
            assert field is not None, (spec.name, column.name)
            assert field.is_required() or field.default is not None, (spec.name, column.name)


# --- CLI -------------------------------------------------------------------------------------------------------


def test_cli_import_success_and_json(db_url: str, canonical: Path) -> None:
    result = runner.invoke(app, ["import", str(canonical), "--db", db_url], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "contract_lines" in result.output and "As of 2024-11-05" in result.output
    again = runner.invoke(app, ["import", str(canonical), "--db", db_url, "--json", "--as-of", "2024-12-31"])
    assert again.exit_code == 0, again.output
    data = json.loads(again.output)
    assert data["ok"] and data["as_of"] == "2024-12-31"
    assert {e["entity"]: e["updated"] for e in data["entities"]}["accounts"] == 3
    assert data["accounts"]["by_tier"] == {Tier.T3.value: 3}


def test_cli_broken_input_exits_non_zero_with_error_lines(db_url: str, canonical: Path) -> None:
    _rewrite(canonical / "contract_lines.csv", "2,1200,2024-01-01", "2,-5,2024-01-01")
    result = runner.invoke(app, ["import", str(canonical), "--db", db_url], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "contract_lines.csv line 3, column unit_price, value '-5': must be a non-negative amount" in result.output
    assert "nothing was written" in result.output
    as_json = runner.invoke(app, ["import", str(canonical), "--db", db_url, "--json"])
    assert as_json.exit_code == 1
    data = json.loads(as_json.output)
    assert data["ok"] is False and data["error_count"] == 1
    assert data["errors"][0]["column"] == "unit_price" and data["errors"][0]["line"] == 3


def test_cli_dry_run_and_bad_mapping(db_url: str, canonical: Path, tmp_path: Path) -> None:
    dry = runner.invoke(app, ["import", str(canonical), "--db", db_url, "--dry-run"], env={"COLUMNS": "200"})
    assert dry.exit_code == 0, dry.output
    assert "Would import" in dry.output and "nothing was written" in dry.output
    store = Store(db_url)
    try:
        assert _row_counts(store)["accounts"] == 0
    finally:
        store.dispose()
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources:\n  - file: accounts.csv\n    entity: accounts\n    renames: {}\n")
    result = runner.invoke(app, ["import", str(canonical), "--mapping", str(bad), "--db", db_url])
    assert result.exit_code == 1
    assert "unknown key 'renames'" in result.output


def test_data_model_doc_lists_every_canonical_column() -> None:
    doc = (ROOT / "docs" / "data-model.md").read_text()
    assert "River @ Rivalytics" in doc
    for spec in ENTITIES:
        section = doc.split(f"#### `{spec.file_name}` → `{spec.table.name}`", 1)
        assert len(section) == 2, spec.file_name
        body = section[1].split("####", 1)[0]
        for column in spec.columns:
            assert f"| {column} |" in body, (spec.name, column)


def test_a_refused_parent_row_does_not_flood_its_children_with_errors(store: Store, canonical: Path) -> None:
    _rewrite(
        canonical / "accounts.csv",
        "ACME,Acme Corp,active,Manufacturing,1200",
        "ACME,Acme Corp,dormant,Manufacturing,1200",
    )
    report = _import(store, canonical)
    assert [e.message for e in report.errors] == [
        "accounts.csv line 2, column status, value 'dormant': must be one of: active, churned, prospect"
    ]


def test_unique_name_held_by_another_id_in_the_store_is_refused(store: Store, canonical: Path) -> None:
    assert _import(store, canonical).ok
    (canonical / "products.csv").write_text(
        "id,name,kind,pricing_unit,list_price\nPLAN-PRO-2024,Pro plan,plan,seat,650\n"
    )
    report = _import(store, canonical)
    assert "products.csv line 2, column name, value 'Pro plan': already used by product 'PLAN-PRO' in the store" in [
        e.message for e in report.errors
    ]


def test_inline_rows_are_validated_and_located_by_item(store: Store, tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    mapping = tmp_path / "catalog.yaml"
    mapping.write_text(
        "inline:\n  products:\n"
        "    - {id: a, name: A, kind: plan, pricing_unit: seat, list_price: '10'}\n"
        "    - {id: b, name: B, kind: plan, pricing_unit: seat, list_price: '-1'}\n"
    )
    report = _import(store, tmp_path / "data", mapping)
    assert [e.message for e in report.errors] == [
        "catalog.yaml inline products item 2, column list_price, value '-1': must be a non-negative amount"
    ]


@pytest.mark.parametrize(
    "written", ["1,50", "1,5", "1e5", "1E+40", "1_000", "١٢٣", "１２３", "12,34.5", "9" * 40, "1.2.3", "--5", "$100"]
)
def test_a_number_in_another_format_is_an_error_never_another_number(written: str) -> None:
    from pydantic_core import PydanticCustomError

    from account_intel.importer.values import to_int, to_money

    for parse in (to_money, to_int):
        with pytest.raises(PydanticCustomError):
            parse(written)


@given(st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2, allow_nan=False))
def test_money_round_trips_plain_and_with_thousands_commas(amount: Decimal) -> None:
    from account_intel.importer.values import to_money

    assert to_money(str(amount)) == amount
    assert to_money(f"{amount:,}") == amount


def test_brackets_in_headers_and_values_are_shown_as_written(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(CANONICAL, folder)
    accounts = folder / "accounts.csv"
    text = accounts.read_text().splitlines()
    text[0] += ",[red]notes[/red"
    text[1:] = [line.replace("Acme Corp", "Acme [/b] Corp") + ",[bold]x" for line in text[1:]]
    accounts.write_text("\n".join(text) + "\n")
    result = CliRunner().invoke(app, ["import", str(folder), "--db", f"sqlite:///{tmp_path / 's.db'}"])
    assert result.exit_code == 0, (result.output, result.exception)
    assert "[red]notes[/red" in result.output  # the ignored column, named in a warning as it is written


def test_a_reimport_without_churn_events_keeps_the_churn_date(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    runner = CliRunner()
    assert runner.invoke(app, ["import", str(CANONICAL), "--db", url]).exit_code == 0
    store = Store(url)
    with store.sessions() as session:
        before = session.get(Account, "INITECH")
        assert before is not None and before.status == AccountStatus.CHURNED and before.churned_on is not None
        churned_on = before.churned_on
    store.dispose()
    only_accounts = tmp_path / "accounts-only"
    only_accounts.mkdir()
    shutil.copy(CANONICAL / "accounts.csv", only_accounts / "accounts.csv")
    shutil.copy(CANONICAL / "users.csv", only_accounts / "users.csv")
    again = runner.invoke(app, ["import", str(only_accounts), "--db", url])
    assert again.exit_code == 0, again.output
    store = Store(url)
    with store.sessions() as session:
        after = session.get(Account, "INITECH")
        assert after is not None and (after.status, after.churned_on) == (AccountStatus.CHURNED, churned_on)
    store.dispose()


def test_unreadable_files_are_one_clear_error_each(tmp_path: Path) -> None:
    import csv as csv_module

    folder = tmp_path / "export"
    shutil.copytree(CANONICAL, folder)
    _set_cell(folder / "activities.csv", 1, "body", "x" * 200_000)  # a 200,000-character note is data
    runner = CliRunner()
    url = f"sqlite:///{tmp_path / 's.db'}"
    long_note = runner.invoke(app, ["import", str(folder), "--db", url, "--json"])
    assert json.loads(long_note.stdout)["ok"], long_note.stdout[:2000]
    mapping = tmp_path / "latin1.yaml"
    mapping.write_bytes("sources:\n  - file: accounts.csv\n    entity: accounts  # café\n".encode("latin-1"))
    bad_mapping = runner.invoke(app, ["import", str(folder), "--mapping", str(mapping), "--db", url])
    assert bad_mapping.exit_code == 1 and "not UTF-8 text" in bad_mapping.output
    csv_module.field_size_limit(1_000)  # a cell beyond what the reader takes
    try:
        result = runner.invoke(app, ["import", str(folder), "--db", url, "--json"])
    finally:
        csv_module.field_size_limit(10_000_000)
    report = json.loads(result.stdout)
    assert not report["ok"] and not report["written"]
    issue = next(e for e in report["errors"] if e["file"] == "activities.csv")
    assert "not a readable CSV" in issue["rule"] and issue["line"] == 2


def _set_cell(path: Path, row: int, column: str, value: str) -> None:
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    rows[row - 1][column] = value
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_invisible_characters_in_a_message_are_spelled_out() -> None:
    from account_intel.importer.issues import ImportIssue

    issue = ImportIssue(file="accounts.csv", line=1, column="\ufeffid", value="ACME\u200b", rule="is unknown")
    assert issue.message == "accounts.csv line 1, column \\ufeffid, value 'ACME\\u200b': is unknown"
    assert "café" in ImportIssue(file="a.csv", value="café", rule="r").message  # visible letters stay as they are
