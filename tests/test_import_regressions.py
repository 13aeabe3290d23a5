"""Cases the generated import suite found, kept as they were drawn: each crashed, changed a value silently or gave
an error that did not name its cell before the importer was fixed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.import_case_run import Case, Dump, Where, build_base, dump, run_case


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Dump]:
    db = build_base(tmp_path_factory.mktemp("import-regressions"))
    return db, dump(db)


def _mapping(constants: str) -> bytes:
    return (
        "sources:\n  - file: export.csv\n    entity: accounts\n    rename:\n      Customer ID: id\n"
        f"      Kundenname: name\n    constants:\n{constants}"
    ).encode()


EXPORT = {"export.csv": b"Customer ID,Kundenname\nGA-1,Acme\n"}
ACCOUNTS = "id,name,headcount\nGA-1,Acme,12\n"
CASES = {
    # YAML 1.1 read NO as false and 0012 as an octal 10: the mapping's text now stays the text it is
    "a country constant NO stays NO": Case(
        "mapping_files",
        EXPORT,
        expect={"accounts": {("GA-1",): {"hq_country": "NO", "region": "on"}}},
        mapping=_mapping("      hq_country: NO\n      region: on\n"),
    ),
    "a headcount constant 0012 is 12": Case(
        "mapping_files",
        EXPORT,
        expect={"accounts": {("GA-1",): {"headcount": 12, "industry": "1.50"}}},
        mapping=_mapping("      headcount: 0012\n      industry: 1.50\n"),
    ),
    "a headcount constant 1_000 is refused like the same cell": Case(
        "mapping_files",
        EXPORT,
        error=Where("export.csv", 2, "headcount", "1_000"),
        mapping=_mapping("      headcount: 1_000\n"),
    ),
    # a latin-1 mapping said "at byte N"; now the line, column and byte
    "a latin-1 mapping names line, column and byte": Case(
        "mapping_files",
        EXPORT,
        error=Where("mapping.yaml", 8, None, None, ("column 20", "\\xe9")),
        mapping=_mapping("      industry: Caf\xe9\n").decode().encode("latin-1"),
    ),
    # a latin-1 CSV said "at byte N" of a 8 KiB chunk; now the cell
    "a latin-1 cell is named": Case(
        "bom",
        {"accounts.csv": "id,name\nGA-1,Café\n".encode("latin-1")},
        error=Where("accounts.csv", 2, "name", "Caf\udce9"),
    ),
    # a byte-order mark inside the header was printed invisibly in the list of columns found
    "a second byte-order mark is spelled out": Case(
        "bom",
        {"accounts.csv": "\ufeff\ufeffid,name\nGA-1,Acme\n".encode()},
        error=Where("accounts.csv", 1, "id", None, ("\ufeffid",)),
    ),
    # an empty column name was reported without saying which column
    "an empty column name is located": Case(
        "headers",
        {"accounts.csv": b"id,name,,industry\nGA-1,Acme,x,Tech\n"},
        error=Where("accounts.csv", 1, None, None, ("column 3",)),
    ),
    # Rich turned :smile: in a refused value into an emoji
    "an emoji code in a value is shown as written": Case(
        "markup_text",
        {"accounts.csv": ACCOUNTS.replace("12", ":smile:5").encode()},
        error=Where("accounts.csv", 2, "headcount", ":smile:5"),
    ),
    # an ISO week date was read as a calendar date; a 7th decimal of a second was dropped
    "a week date is refused": Case(
        "malformed_other",
        {"accounts.csv": b"id,name,customer_since\nGA-1,Acme,2024-W01-1\n"},
        error=Where("accounts.csv", 2, "customer_since", "2024-W01-1"),
    ),
    "a 7th decimal of a second is refused": Case(
        "malformed_other",
        {"tickets.csv": b"id,account_id,opened_at,severity\nGT-1,ACME,2024-11-02T09:30:00.1234567,low\n"},
        error=Where("tickets.csv", 2, "opened_at", "2024-11-02T09:30:00.1234567"),
    ),
    "a compact date-time is refused": Case(
        "malformed_other",
        {"tickets.csv": b"id,account_id,opened_at,severity\nGT-1,ACME,20241102T093000Z,low\n"},
        error=Where("tickets.csv", 2, "opened_at", "20241102T093000Z"),
    ),
    "microseconds are kept": Case(
        "valid_rows",
        {"tickets.csv": b"id,account_id,opened_at,severity\nGT-1,ACME,2024-11-02 09:30:00.123456+01:00,low\n"},
        expect={"support_tickets": {("GT-1",): {"opened_at": datetime(2024, 11, 2, 8, 30, 0, 123456, tzinfo=UTC)}}},
    ),
    # money with more than two decimals is refused, never rounded, even when the extra digits are zeros
    "seven decimals of money are refused": Case(
        "malformed_numbers",
        {"products.csv": b"id,name,kind,pricing_unit,list_price\nGP-1,P1,plan,seat,1.0000000\n"},
        error=Where("products.csv", 2, "list_price", "1.0000000"),
    ),
    # the refusal to clear a do-not-contact flag showed 'false' whatever the cell said
    "a refused flag lift shows the cell as written": Case(
        "safety_flags",
        {"contacts.csv": b"id,account_id,name,do_not_contact\nP-GLOBEX-DNC,GLOBEX,Rae Quist,N\n"},
        error=Where("contacts.csv", 2, "do_not_contact", "N", ("--safety-reason",)),
    ),
    # a huge price times a valid quantity passed on SQLite and overflowed PostgreSQL's money column on the ARR
    "a line worth more than the store holds is refused": Case(
        "malformed_numbers",
        {
            "contract_lines.csv": b"id,contract_id,account_id,product_id,quantity,unit_price,start_date\n"
            b"GL-1,C-ACME-1,ACME,PLAN-PRO,2,999999999999.00,2024-01-01\n"
        },
        error=Where("contract_lines.csv", 2, "unit_price", None, ("above the largest amount the store holds",)),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_found_case(base: tuple[Path, Dump], name: str) -> None:
    outcome = run_case(CASES[name], *base)
    assert outcome.passed, f"{outcome.kind}: {outcome.detail}"
