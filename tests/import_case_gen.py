"""Generated import cases by family: each draws CSV files (and a mapping) together with what the store must hold
afterwards, or the cell the import must name when it refuses them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from account_intel.domain.enums import (
    AccountStatus,
    PricingUnit,
    ProductKind,
    TicketSeverity,
    UserRole,
)
from tests import import_case_values as v
from tests.import_case_run import DNC_CONTACT, Case, Where

Strategy = Callable[[], st.SearchStrategy[v.Cell]]


@dataclass(frozen=True)
class Column:
    """A canonical column as generated: how a good cell is drawn, how a bad one is, and what a blank stores."""

    name: str
    good: Strategy
    bad: Callable[[], st.SearchStrategy[str]] | None = None
    required: bool = False
    blank: Any = None  # the value a blank cell stores (None: empty)
    kind: str = "other"  # number, flag or other: which family spoils it
    free_text: bool = False  # drawn from the case's own text pieces when it has some
    limit: int | None = None  # the most characters a free text may have


def _bad_number(kind: str) -> Callable[[], st.SearchStrategy[str]]:
    return lambda: v.bad_number(kind)


def _text(limit: int | None, required: bool = False) -> Strategy:
    return lambda: v.text(limit, required)


def text_column(name: str, limit: int | None, *, required: bool = False) -> Column:
    """A free-text column; one longer than `limit` is refused."""
    bad = _too_long(limit) if limit is not None else None
    return Column(name, _text(limit, required), bad, required=required, free_text=True, limit=limit)


def _sampled(values: tuple[str, ...]) -> Callable[[], st.SearchStrategy[str]]:
    return lambda: st.sampled_from(values)


def _too_long(limit: int) -> Callable[[], st.SearchStrategy[str]]:
    return lambda: v.too_long(limit)


MONEY = {"good": v.money, "bad": _bad_number("money"), "kind": "number"}
COUNT = {"good": v.count, "bad": _bad_number("count"), "kind": "number"}
FLAG = {"good": v.flag, "bad": _sampled(v.BAD_FLAGS), "kind": "flag"}
DAY = {"good": v.day, "bad": _sampled(v.BAD_DATES)}


@dataclass(frozen=True)
class Entity:
    """A canonical file as generated: its columns, the ids it may update, and fixed cells its rows need."""

    file: str
    table: str
    columns: tuple[Column, ...]
    existing: tuple[str, ...] = ()
    prefix: str = "G"
    fixed: dict[str, str] = field(default_factory=dict)  # column -> cell text on every row

    def column(self, name: str) -> Column:
        """The column called `name`."""
        return next(c for c in self.columns if c.name == name)


ACCOUNTS = Entity(
    "accounts.csv",
    "accounts",
    (
        text_column("name", 200, required=True),
        text_column("industry", 80),
        Column("headcount", **COUNT),  # type: ignore[arg-type]
        text_column("hq_country", 64),
        text_column("region", 32),
        text_column("domain", 200),
        Column("customer_since", **DAY),  # type: ignore[arg-type]
        Column("renewal_date", **DAY),  # type: ignore[arg-type]
        Column("fiscal_year_start_month", v.month, _bad_number("month"), blank=1, kind="number"),
    ),
    existing=("ACME", "GLOBEX", "INITECH"),
    prefix="GA",
)
PRODUCTS = Entity(
    "products.csv",
    "products",
    (
        Column("kind", lambda: v.enum_cell(ProductKind), _sampled(v.BAD_ENUMS), required=True),
        Column("pricing_unit", lambda: v.enum_cell(PricingUnit), _sampled(v.BAD_ENUMS), required=True),
        Column("list_price", required=True, **MONEY),  # type: ignore[arg-type]
        text_column("family", 64),
        Column("tier_rank", **COUNT),  # type: ignore[arg-type]
        text_column("description", None),
        Column("active", blank=True, **FLAG),  # type: ignore[arg-type]
    ),
    existing=("PLAN-PRO", "ADDON-API"),
    prefix="GP",
)
CONTACTS = Entity(
    "contacts.csv",
    "contacts",
    (
        text_column("name", 160, required=True),
        text_column("title", 160),
        text_column("phone", 64),
        Column("is_executive", blank=False, **FLAG),  # type: ignore[arg-type]
        Column("active", blank=True, **FLAG),  # type: ignore[arg-type]
        Column("do_not_contact", blank=False, **FLAG),  # type: ignore[arg-type]
        Column("first_contact_on", **DAY),  # type: ignore[arg-type]
    ),
    existing=("P-ACME-1", "P-ACME-2"),
    prefix="GC",
    fixed={"account_id": "ACME"},
)
LINES = Entity(
    "contract_lines.csv",
    "contract_lines",
    (
        Column("quantity", lambda: v.count(10**6), required=True, **{k: COUNT[k] for k in ("bad", "kind")}),  # type: ignore[arg-type]
        # a line's annual value, quantity x unit price, must fit a money column: a valid price times the largest
        # valid quantity (10**6) still does
        Column("unit_price", required=True, **(MONEY | {"good": lambda: v.money(Decimal("999999.99"))})),  # type: ignore[arg-type]
        text_column("description", 200),
    ),
    existing=("L-ACME-1",),
    prefix="GL",
    fixed={"contract_id": "C-ACME-1", "account_id": "ACME", "product_id": "PLAN-PRO", "start_date": "2024-01-01"},
)
CHURN = Entity(
    "churn_events.csv",
    "churn_events",
    (
        Column("churned_on", required=True, **DAY),  # type: ignore[arg-type]
        text_column("reason_code", 64),
        Column("refund_amount", **MONEY),  # type: ignore[arg-type]
        Column("is_reactivation", blank=False, **FLAG),  # type: ignore[arg-type]
        text_column("feedback", None),
    ),
    existing=("CH-1",),
    prefix="GE",
    fixed={"account_id": "INITECH"},
)
USERS = Entity(
    "users.csv",
    "users",
    (
        text_column("name", 120, required=True),
        Column("role", lambda: v.enum_cell(UserRole), _sampled(v.BAD_ENUMS), required=True),
        Column("capacity", blank=12, **COUNT),  # type: ignore[arg-type]
        Column("active", blank=True, **FLAG),  # type: ignore[arg-type]
    ),
    prefix="GU",
)
TICKETS = Entity(
    "tickets.csv",
    "support_tickets",
    (
        Column("opened_at", v.instant, _sampled(v.BAD_INSTANTS), required=True),
        Column("severity", lambda: v.enum_cell(TicketSeverity), _sampled(v.BAD_ENUMS), required=True),
        text_column("subject", 200),
        Column("escalated", blank=False, **FLAG),  # type: ignore[arg-type]
        Column("first_response_minutes", **COUNT),  # type: ignore[arg-type]
    ),
    prefix="GT",
    fixed={"account_id": "ACME"},
)
ENTITIES = (ACCOUNTS, PRODUCTS, CONTACTS, LINES, CHURN, USERS, TICKETS)


@dataclass
class Drawn:
    """One generated file before it is written: header, rows of cells, and each row's expected values."""

    entity: Entity
    header: list[str]
    rows: list[list[str]]
    expect: list[dict[str, Any]]
    ids: list[str]


def _derived_cells(entity: Entity, row_id: str) -> dict[str, v.Cell]:
    """Cells every row of the entity needs that follow from its id (unique names and emails)."""
    if entity is PRODUCTS:
        return {"name": v.Cell(f"Product {row_id}", f"Product {row_id}")}
    if entity is USERS:
        return {"email": v.Cell(f"{row_id.lower()}@vendor.test", f"{row_id.lower()}@vendor.test")}
    return {}


@st.composite
def drawn_file(draw: st.DrawFn, entity: Entity, *, must: tuple[str, ...] = (), texts: Any = None) -> Drawn:
    """Rows of `entity` (new ids and some existing ones), a random choice of its optional columns, good cells."""
    optional = [c.name for c in entity.columns if not c.required]
    chosen = set(draw(st.lists(st.sampled_from(optional), unique=True))) if optional else set()
    chosen |= set(must)
    columns = [c for c in entity.columns if c.required or c.name in chosen]
    columns = draw(st.permutations(columns))
    ids = draw(st.lists(st.sampled_from(entity.existing), unique=True, max_size=2)) if entity.existing else []
    ids += [f"{entity.prefix}-{n}" for n in range(1, draw(st.integers(1 if not ids else 0, 3)) + 1)]
    ids = draw(st.permutations(ids))
    fixed = list(entity.fixed)
    header = ["id", *fixed, *_derived_cells(entity, "X"), *(c.name for c in columns)]
    rows, expect = [], []
    for row_id in ids:
        cells: dict[str, v.Cell] = {"id": v.Cell(row_id, row_id)}
        cells |= {name: v.Cell(text) for name, text in entity.fixed.items()}
        cells |= _derived_cells(entity, row_id)
        for column in columns:
            blank = not column.required and draw(st.integers(0, 5)) == 0
            if blank:
                cells[column.name] = v.Cell("", column.blank)
            elif texts is not None and column.free_text:
                cells[column.name] = draw(v.text(column.limit, column.required, texts))
            else:
                cells[column.name] = draw(column.good())
        rows.append([cells[name].text for name in header])
        expect.append({name: cell.value for name, cell in cells.items() if name not in entity.fixed})
    return Drawn(entity, header, rows, expect, ids)


_BREAK = re.compile(r"\r\n|\r|\n")


def _quote(cell: str, always: bool) -> str:
    if always or any(ch in cell for ch in ',"\r\n') or cell != cell.strip():
        return '"' + cell.replace('"', '""') + '"'
    return cell


@dataclass(frozen=True)
class Layout:
    """How a file is written: line endings, quoting, a byte-order mark, blank lines between rows."""

    newline: str = "\n"
    quote_all: bool = False
    bom: str = ""
    blank_lines: tuple[int, ...] = ()


layouts = st.builds(
    Layout,
    newline=st.sampled_from(["\n", "\r\n"]),
    quote_all=st.booleans(),
    bom=st.sampled_from(["", "", "\ufeff"]),
    blank_lines=st.lists(st.integers(0, 4), max_size=2).map(tuple),
)


def render(header: list[str], rows: list[list[str]], layout: Layout) -> tuple[bytes, list[int]]:
    """The file's bytes, and the line each row starts on (the header is line 1)."""
    out = layout.bom + ",".join(_quote(c, layout.quote_all) for c in header) + layout.newline
    starts = []
    for number, row in enumerate(rows):
        out += layout.newline * layout.blank_lines.count(number)
        starts.append(len(_BREAK.findall(out)) + 1)
        out += ",".join(_quote(c, layout.quote_all) for c in row) + layout.newline
    return out.encode("utf-8"), starts


def _expect(drawn: list[Drawn]) -> dict[str, dict[tuple[Any, ...], dict[str, Any]]]:
    expect: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {}
    for item in drawn:
        table = expect.setdefault(item.entity.table, {})
        for row_id, wanted in zip(item.ids, item.expect, strict=True):
            table[(row_id,)] = wanted
    return expect


folders = st.sampled_from(["export", "export [bold]", "[red]x[", "données 2024", "a[b]c"])


@st.composite
def valid_case(draw: st.DrawFn, family: str = "valid_rows", texts: Any = None) -> Case:
    """Files of one to three entities, every cell valid: the store must hold every value exactly."""
    entities = draw(st.lists(st.sampled_from(ENTITIES), min_size=1, max_size=3, unique_by=lambda e: e.file))
    drawn = [draw(drawn_file(e, texts=texts)) for e in entities]
    files = {d.entity.file: render(d.header, d.rows, draw(layouts))[0] for d in drawn}
    return Case(family, files, expect=_expect(drawn), folder=draw(folders))


@st.composite
def spoiled_case(draw: st.DrawFn, family: str, kinds: tuple[str, ...]) -> Case:
    """A valid case with one cell replaced by text the import must refuse, naming that cell."""
    choices = [e for e in ENTITIES if any(c.bad and c.kind in kinds for c in e.columns)]
    target = draw(st.sampled_from(choices))
    spoilable = [c for c in target.columns if c.bad and c.kind in kinds]
    column = draw(st.sampled_from(spoilable))
    others = draw(
        st.lists(st.sampled_from([e for e in ENTITIES if e is not target]), max_size=2, unique_by=lambda e: e.file)
    )
    spoilt = draw(drawn_file(target, must=(column.name,)))
    assert column.bad is not None
    bad = draw(column.bad())
    row = draw(st.integers(0, len(spoilt.rows) - 1))
    spoilt.rows[row][spoilt.header.index(column.name)] = bad
    text, starts = render(spoilt.header, spoilt.rows, draw(layouts))
    files = {target.file: text}
    for other in others:
        d = draw(drawn_file(other))
        files[other.file] = render(d.header, d.rows, draw(layouts))[0]
    error = Where(target.file, starts[row], column.name, bad.strip())
    return Case(family, files, error=error, folder=draw(folders))


def malformed_numbers() -> st.SearchStrategy[Case]:
    """Amounts and whole numbers in formats the import does not document, or out of range."""
    return spoiled_case("malformed_numbers", ("number",))


def malformed_flags() -> st.SearchStrategy[Case]:
    """True/false cells in undocumented words."""
    return spoiled_case("booleans", ("flag",))


def malformed_other() -> st.SearchStrategy[Case]:
    """Dates, date-times, enum values and too-long texts the import must refuse."""
    return spoiled_case("malformed_other", ("other",))


def markup_text() -> st.SearchStrategy[Case]:
    """Every free text drawn from markup-like pieces: stored exactly as written."""
    pieces = st.lists(st.sampled_from((*v.MARKUP, "x", " ", "é")), min_size=1, max_size=6).map("".join)
    return valid_case("markup_text", texts=pieces)


@st.composite
def markup_errors(draw: st.DrawFn) -> Case:
    """A header and a refused value that look like markup: the message shows them as written."""
    label = draw(st.sampled_from(v.MARKUP))
    bad = f"{label}{draw(st.integers(1, 99))}"
    header = ["id", "name", "headcount", f"{label}notes"]
    rows = [["GA-1", f"Acme {label}", bad, label]]
    text, starts = render(header, rows, draw(layouts))
    return Case(
        "markup_text",
        {"accounts.csv": text},
        error=Where("accounts.csv", starts[0], "headcount", bad),
        folder=draw(folders),
    )


def _yaml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


SOURCE_NAMES = ("Customer ID", "Kundenname", "[b]Name[/b]", "Größe", "naïve [x]", "Région", "col, with comma", "Ind.")
RISKY_TEXT = (
    "NO",
    "no",
    "on",
    "off",
    "yes",
    "y",
    "010",
    "0x10",
    "1:30",
    "2024-1-1",
    "1.0e5",
    "1_000",
    "~x",
    "01",
    "1.50",
)
RISKY_COUNT = {"010": 10, "0012": 12, "7": 7, "1_000": None, "0x10": None, "1:30": None, "1.0e5": None, "0o7": None}


@st.composite
def mapping_case(draw: st.DrawFn) -> Case:
    """An accounts export with its own column names, read through a mapping (UTF-8 or latin-1 bytes) that renames
    columns and sets constants written as YAML would be tempted to read as booleans, numbers or dates."""
    names = draw(st.permutations(SOURCE_NAMES))
    id_col, name_col, region_col = names[0], names[1], names[2]
    constant_text = draw(st.sampled_from(RISKY_TEXT))
    count_text = draw(st.sampled_from(sorted(RISKY_COUNT)))
    use_count = draw(st.booleans())
    rows_ids = [f"GA-{n}" for n in range(1, draw(st.integers(1, 3)) + 1)]
    header = [id_col, name_col, region_col]
    rows, expect = [], {}
    for row_id in rows_ids:
        name = draw(v.text(200, True))
        region = draw(v.text(32))
        rows.append([row_id, name.text, region.text])
        wanted: dict[str, Any] = {"name": name.value, "region": region.value, "hq_country": constant_text}
        if use_count:
            wanted["headcount"] = RISKY_COUNT[count_text]
        expect[(row_id,)] = wanted
    file_name = draw(st.sampled_from(["export.csv", "Kunden [2024].csv", "données.csv"]))
    constants = [f"      hq_country: {constant_text}"] + ([f"      headcount: {count_text}"] if use_count else [])
    yaml_text = "\n".join(
        [
            "version: 1",
            f"name: {_yaml_string(draw(st.sampled_from(['crm', '[bold]crm', 'crm é'])))}",
            "sources:",
            f"  - file: {_yaml_string(file_name)}",
            "    entity: accounts",
            "    rename:",
            f"      {_yaml_string(id_col)}: id",
            f"      {_yaml_string(name_col)}: name",
            f"      {_yaml_string(region_col)}: region",
            "    constants:",
            *constants,
            "",
        ]
    )
    text, starts = render(header, rows, draw(layouts))
    mapping_name = draw(st.sampled_from(["mapping.yaml", "[map] v2.yaml"]))
    latin = draw(st.booleans()) and all(ord(ch) < 256 for ch in yaml_text)
    case = Case("mapping_files", {file_name: text}, mapping=yaml_text.encode("latin-1" if latin else "utf-8"))
    case.mapping_name, case.folder = mapping_name, draw(folders)
    first = next((i for i, ch in enumerate(yaml_text) if ord(ch) > 127), None)
    if latin and first is not None:
        line = yaml_text.count("\n", 0, first) + 1
        column = first - (yaml_text.rfind("\n", 0, first) + 1) + 1
        case.error = Where(mapping_name, line, None, None, (f"column {column}", f"\\x{ord(yaml_text[first]):02x}"))
    elif use_count and RISKY_COUNT[count_text] is None:
        case.error = Where(file_name, starts[0], "headcount", count_text)
    else:
        case.expect = {"accounts": expect}
    return case


@st.composite
def header_case(draw: st.DrawFn) -> Case:
    """Headers with a duplicated, empty, missing or differently cased column, or rows of the wrong width."""
    problem = draw(st.sampled_from(["duplicate", "empty", "missing", "cased", "wide", "narrow", "spaced", "extra"]))
    header = ["id", "name", "industry"]
    rows = [[f"GA-{n}", f"Name {n}", "Tech"] for n in range(1, draw(st.integers(1, 3)) + 1)]
    expect = {(r[0],): {"name": r[1], "industry": r[2]} for r in rows}
    error = None
    row = draw(st.integers(0, len(rows) - 1))
    if problem == "duplicate":
        twice = draw(st.sampled_from(header))
        header.append(twice)
        for r in rows:
            r.append("dup")
        error = Where("accounts.csv", 1, twice, None, ("duplicate",))
    elif problem == "empty":
        header.insert(2, "")
        for r in rows:
            r.insert(2, "x")
        error = Where("accounts.csv", 1, None, None, ("column 3",))
    elif problem == "missing":
        gone = draw(st.sampled_from(["id", "name"]))
        at = header.index(gone)
        header.pop(at)
        for r in rows:
            r.pop(at)
        error = Where("accounts.csv", 1, gone)
    elif problem == "cased":
        header[1] = draw(
            st.sampled_from(["Name", "NAME", "name\u200b", "\ufeffname", "nаme"])
        )  # the last a is Cyrillic
        error = Where("accounts.csv", 1, "name", None, (header[1],))
    elif problem in ("wide", "narrow"):
        if problem == "wide":
            rows[row].append("extra")
        else:
            rows[row].pop()
    elif problem == "spaced":
        header = [f"  {name} " for name in header]
    else:
        header.append(draw(st.sampled_from(["notes", "[red]notes[/red", "Größe"])))
        for r in rows:
            r.append("ignored")
    text, starts = render(header, rows, draw(layouts))
    if problem in ("wide", "narrow"):
        error = Where("accounts.csv", starts[row], None, None, ("cells",))
    case = Case("headers", {"accounts.csv": text}, folder=draw(folders))
    if error is None:
        case.expect = {"accounts": expect}
    case.error = error
    return case


@st.composite
def bom_case(draw: st.DrawFn) -> Case:
    """Byte-order marks: one before the header is read away; any other is a character the message spells out."""
    problem = draw(st.sampled_from(["one", "double", "inner_header", "number", "text", "latin1", "latin1_header"]))
    header = ["id", "name", "headcount"]
    rows = [["GA-1", "Acme", "12"], ["GA-2", "Beta", "7"]]
    expect: dict[tuple[Any, ...], dict[str, Any]] = {("GA-1",): {"name": "Acme", "headcount": 12}}
    expect[("GA-2",)] = {"name": "Beta", "headcount": 7}
    bom, error = "\ufeff", None
    if problem == "double":
        bom = "\ufeff\ufeff"
        error = Where("accounts.csv", 1, "id", None, ("\ufeffid",))
    elif problem == "inner_header":
        header[1] = "\ufeffname"
        error = Where("accounts.csv", 1, "name", None, ("\ufeffname",))
    elif problem == "number":
        rows[1][2] = draw(st.sampled_from(["\ufeff7", "7\ufeff", "7\u200b", "\u200b7"]))
        error = Where("accounts.csv", 3, "headcount", rows[1][2])
    elif problem == "text":
        rows[0][1] = "\ufeffAcme"
        expect[("GA-1",)]["name"] = "\ufeffAcme"
    elif problem == "latin1":  # a file saved as latin-1: the cell with the byte is named, the byte spelled out
        rows[1][1] = draw(st.sampled_from(["Café", "Müller", "Øresund", "Straße"]))
        garbled = rows[1][1].encode("latin-1").decode("utf-8", "surrogateescape")
        error = Where("accounts.csv", 3, "name", garbled)
    elif problem == "latin1_header":
        header[2] = "Größe"
        error = Where("accounts.csv", 1, "Größe".encode("latin-1").decode("utf-8", "surrogateescape"))
    layout = draw(layouts)
    if problem == "double" and layout.quote_all:
        error = Where("accounts.csv", 1, "id", None, ('\ufeff"id"',))  # the second mark sits before the quote
    if problem.startswith("latin1"):
        bom = ""
    text, _ = render(header, rows, Layout(layout.newline, layout.quote_all, bom, ()))
    if problem.startswith("latin1"):
        text = text.decode("utf-8").encode("latin-1")
    case = Case("bom", {"accounts.csv": text}, error=error)
    if error is None:
        case.expect = {"accounts": expect}
    return case


@st.composite
def safety_case(draw: st.DrawFn) -> Case:
    """Contacts with blank, absent, true and false do-not-contact cells; a blank never clears a stored flag."""
    ids = draw(st.permutations([DNC_CONTACT, "P-ACME-1", "GC-1", "GC-2"]))[: draw(st.integers(1, 4))]
    carried = draw(st.booleans())
    header = ["id", "account_id", "name", *(["do_not_contact"] if carried else [])]
    rows, expect, error = [], {}, None
    for row_id in ids:
        name = draw(v.text(160, True))
        row = [row_id, "GLOBEX" if row_id == DNC_CONTACT else "ACME", name.text]
        wanted: dict[str, Any] = {"name": name.value}
        if carried:
            cell = draw(st.one_of(st.just(v.Cell("", None)), v.flag()))
            row.append(cell.text)
            if cell.text == "":
                if row_id.startswith("GC-"):
                    wanted["do_not_contact"] = False  # a new contact: the documented default
            else:
                wanted["do_not_contact"] = cell.value
            if row_id == DNC_CONTACT and cell.value is False:
                error = (len(rows), cell.text)
        rows.append(row)
        expect[(row_id,)] = wanted
    text, starts = render(header, rows, draw(layouts))
    case = Case("safety_flags", {"contacts.csv": text}, folder=draw(folders))
    if error is not None:
        case.error = Where("contacts.csv", starts[error[0]], "do_not_contact", error[1], ("--safety-reason",))
    else:
        case.expect = {"contacts": expect}
    return case


@st.composite
def reimport_case(draw: st.DrawFn) -> Case:
    """Existing accounts again with some columns only and no other file: what the file leaves out stays as it is."""
    ids = draw(st.lists(st.sampled_from(ACCOUNTS.existing), min_size=1, unique=True))
    optional = [c for c in ACCOUNTS.columns if not c.required]
    columns = draw(st.lists(st.sampled_from(optional), unique=True, max_size=3))
    status = draw(st.booleans())
    churned_on = status and draw(st.booleans())
    header = ["id", "name", *(c.name for c in columns)]
    header += ["status"] if status else []
    header += ["churned_on"] if churned_on else []
    rows, expect = [], {}
    for row_id in ids:
        name = draw(v.text(200, True))
        cells = [draw(c.good()) for c in columns]
        row = [row_id, name.text, *(c.text for c in cells)]
        wanted = {"name": name.value} | {c.name: cell.value for c, cell in zip(columns, cells, strict=True)}
        if status:
            state = draw(st.sampled_from(list(AccountStatus)))
            row.append(state.value)
            wanted["status"] = state
            if state != AccountStatus.CHURNED:
                wanted["churned_on"] = None  # an account that is not churned has no churn date
        if churned_on:
            day = draw(st.one_of(st.none(), st.dates(date(2020, 1, 1), date(2024, 1, 1))))
            row.append(day.isoformat() if day else "")
            wanted["churned_on"] = day  # as written; blank: no churn event in the import to date it
        rows.append(row)
        expect[(row_id,)] = wanted
    text, _ = render(header, rows, draw(layouts))
    return Case("reimport", {"accounts.csv": text}, expect={"accounts": expect}, folder=draw(folders))
