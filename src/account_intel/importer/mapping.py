"""The mapping file: which source CSV feeds which canonical entity, and how its columns become canonical columns.

A mapping is YAML validated by `MappingFile`; an unknown key anywhere is an error that names the key and where it is.
Without a mapping, the files of a folder named like the canonical files (`accounts.csv`, ...) are read as they are.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from account_intel.domain.wording import with_article
from account_intel.errors import ValidationFailed
from account_intel.importer.entities import BY_NAME, ENTITY_NAMES
from account_intel.importer.mapping_yaml import read_yaml


def _as_text(value: Any) -> str:
    """YAML scalars as the text a CSV cell would hold (`true` -> `True`, `2024-01-01` stays a date string)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str | int | float | bool):
        return str(value)
    raise ValueError(f"must be a single value, not {type(value).__name__}")


Text = Annotated[str, BeforeValidator(_as_text)]


class MappingModel(BaseModel):
    """Base of the mapping file's models: unknown keys are refused."""

    model_config = ConfigDict(extra="forbid")


class TemplateTransform(MappingModel):
    """`template`: build a value from source columns, e.g. `{subscription_id}-L1` or `feature:{feature_name}`."""

    transform: Literal["template"]
    column: str = Field(description="Canonical column to fill.")
    template: str = Field(description="Text with {source_column} placeholders; a blank placeholder gives a blank.")

    def outputs(self) -> list[str]:
        """Canonical columns this transform fills."""
        return [self.column]


class MrrToArrTransform(MappingModel):
    """`mrr_to_arr`: an annual amount from a monthly one (x 12)."""

    transform: Literal["mrr_to_arr"]
    column: str
    source: str

    def outputs(self) -> list[str]:
        """Canonical columns this transform fills."""
        return [self.column]


class DatePartTransform(MappingModel):
    """`date_part`: the date of a date-time (`part: date`) or the first day of its month (`part: month`)."""

    transform: Literal["date_part"]
    column: str
    source: str
    part: Literal["date", "month"] = "date"

    def outputs(self) -> list[str]:
        """Canonical columns this transform fills."""
        return [self.column]


class ContractKindTransform(MappingModel):
    """`contract_kind`: upgrade/downgrade/expansion from flag columns, else new (first of its account) or renewal.

    With `product` (a source column), a later contract that carries a product its account has not bought before is
    an expansion: the history decides, in order of start date within the account.
    """

    transform: Literal["contract_kind"]
    column: str = "kind"
    upgrade: str | None = None
    downgrade: str | None = None
    expansion: str | None = None
    product: str | None = Field(default=None, description="Source column of the product (first buy = expansion).")

    def outputs(self) -> list[str]:
        """Canonical columns this transform fills."""
        return [self.column]


class ContractStatusTransform(MappingModel):
    """`contract_status`: active until `end_date` has passed (as of the import date), then expired.

    With a `churned` flag column, a churned contract with no end date is cancelled (it cannot be bounded).
    Without `end_date`, the contract's own end_date is used (for example one derived by `date_offset`).
    """

    transform: Literal["contract_status"]
    column: str = "status"
    end_date: str | None = Field(default=None, description="Source end date column (default: the contract's).")
    churned: str | None = None

    def outputs(self) -> list[str]:
        """Canonical columns this transform fills."""
        return [self.column]


class LinePriceTransform(MappingModel):
    """`line_price`: quantity and annual unit price from a total amount and a quantity, keeping the total exact.

    unit_price = amount / quantity when that is exact to the cent; otherwise one flat line (quantity 1, unit_price
    = amount). A quantity of zero also gives the flat line.
    """

    transform: Literal["line_price"]
    amount: str
    quantity: str
    quantity_column: str = "quantity"
    price_column: str = "unit_price"

    def outputs(self) -> list[str]:
        """Canonical columns this transform fills."""
        return [self.quantity_column, self.price_column]


class LookupWindow(MappingModel):
    """Count rows whose `date` falls outside the looked-up row's [`start`, `end`] (they are kept)."""

    date: str = Field(description="Date column of this file.")
    start: str = Field(description="Start date column of the looked-up file.")
    end: str | None = Field(default=None, description="End date column of the looked-up file (blank = open).")
    label: str = Field(default="row", description="What a looked-up row is, for the report (e.g. subscription).")


class LookupTransform(MappingModel):
    """`lookup`: take a value from another file of the folder by a key, e.g. the account of a subscription."""

    transform: Literal["lookup"]
    column: str
    file: str
    key: str = Field(description="Column of this file holding the key.")
    match: str | None = Field(default=None, description="Key column in the other file (default: same name as key).")
    take: str = Field(description="Column of the other file whose value is copied.")
    window: LookupWindow | None = None

    def outputs(self) -> list[str]:
        """Canonical columns this transform fills."""
        return [self.column]


class DateOffsetTransform(MappingModel):
    """`date_offset`: a date plus or minus a number of months or days taken from a column.

    The base is a source date column (`date:`) or the import's `--snapshot-date` (`snapshot: true`). Month arithmetic
    keeps the day of the month, clamped to the month's end (2024-01-31 + 1 month = 2024-02-29).
    """

    transform: Literal["date_offset"]
    column: str
    date: str | None = Field(default=None, description="Source date column to start from.")
    snapshot: bool = Field(default=False, description="Start from the --snapshot-date given on the command line.")
    months: str | None = Field(default=None, description="Source column holding a whole number of months.")
    days: str | None = Field(default=None, description="Source column holding a whole number of days.")
    subtract: bool = Field(default=False, description="Go back in time by the months or days instead of forward.")

    @model_validator(mode="after")
    def _one_of_each(self) -> DateOffsetTransform:
        if (self.date is None) == (not self.snapshot):
            raise ValueError("date_offset needs exactly one base: `date: <column>` or `snapshot: true`")
        if (self.months is None) == (self.days is None):
            raise ValueError("date_offset needs exactly one of `months: <column>` or `days: <column>`")
        return self

    def outputs(self) -> list[str]:
        """Canonical columns this transform fills."""
        return [self.column]


class KeyDateTransform(MappingModel):
    """`key_date`: the first or last date of another file's rows sharing this row's key (e.g. first contract start
    per account as customer_since). Rows of that file failing its `where` are not counted."""

    transform: Literal["key_date"]
    column: str
    file: str
    key: str = Field(description="Column of this file holding the key.")
    match: str | None = Field(default=None, description="Key column in the other file (default: same name as key).")
    date: str = Field(description="Date column of the other file.")
    pick: Literal["first", "last"] = "first"
    where: str | None = Field(default=None, description="Only the other file's rows this condition holds for.")

    @model_validator(mode="after")
    def _valid_where(self) -> KeyDateTransform:
        if self.where is not None:
            from account_intel.importer.filters import parse_filter

            parse_filter(self.where, field="key_date.where")
        return self

    def outputs(self) -> list[str]:
        """Canonical columns this transform fills."""
        return [self.column]


Transform = Annotated[
    TemplateTransform
    | MrrToArrTransform
    | DatePartTransform
    | ContractKindTransform
    | ContractStatusTransform
    | LinePriceTransform
    | LookupTransform
    | DateOffsetTransform
    | KeyDateTransform,
    Field(discriminator="transform"),
]
TRANSFORM_MODELS: dict[str, type[MappingModel]] = {
    get_args(model.model_fields["transform"].annotation)[0]: model
    for model in (
        TemplateTransform,
        MrrToArrTransform,
        DatePartTransform,
        ContractKindTransform,
        ContractStatusTransform,
        LinePriceTransform,
        LookupTransform,
        DateOffsetTransform,
        KeyDateTransform,
    )
}


class Aggregate(MappingModel):
    """Sum `sum` columns over rows sharing the `by` columns (other columns: the first row's value)."""

    by: list[str]
    sum: list[str]


class SourceMapping(MappingModel):
    """How one source file feeds one canonical entity (a file may feed several entities, one entry each).

    Steps per row, in order: derived columns (from raw values), value maps (on source columns), renames, constants,
    defaults.
    """

    file: str
    entity: str
    optional: bool = Field(default=False, description="Skip silently when the file is absent.")
    rename: dict[str, str] = Field(default_factory=dict, description="source column -> canonical column.")
    derive: list[Transform] = Field(default_factory=list, description="Named transforms, applied in order.")
    values: dict[str, dict[Text, Text]] = Field(
        default_factory=dict, description="source column -> {source value: value}; unmapped values pass through."
    )
    constants: dict[str, Text] = Field(default_factory=dict, description="canonical column -> value on every row.")
    defaults: dict[str, Text] = Field(default_factory=dict, description="canonical column -> value when blank/absent.")
    attributes: list[str] = Field(default_factory=list, description="accounts only: source columns kept as attributes.")
    aggregate: Aggregate | None = None
    distinct: bool = Field(default=False, description="Collapse identical rows with the same key (reference rows).")
    source_id: str | None = Field(default=None, description="A source id column checked for duplicates (reported).")
    where: str | None = Field(
        default=None, description='Import only the rows this condition holds for, e.g. `stage == "Won"`.'
    )
    round: dict[str, int] = Field(
        default_factory=dict, description="source column -> decimal places its amounts are rounded to (0-2)."
    )
    rounding: Literal["half_up", "half_even"] = Field(default="half_up", description="How `round` rounds a tie.")
    note: str | None = None

    @model_validator(mode="after")
    def _check_columns(self) -> SourceMapping:
        if self.entity not in BY_NAME:
            raise ValueError(f"entity '{self.entity}' is not one of: {', '.join(ENTITY_NAMES)}")
        spec = BY_NAME[self.entity]
        known = set(spec.columns)
        where = f"{self.file} -> {self.entity}"
        produced: dict[str, str] = {}

        def claim(column: str, how: str) -> None:
            if column not in known:
                columns = ", ".join(spec.columns)
                raise ValueError(
                    f"{where}: {how} names '{column}', which is not {with_article(self.entity)} column ({columns})"
                )
            if column in produced:
                raise ValueError(f"{where}: column '{column}' comes from both {produced[column]} and {how}")
            produced[column] = how

        for source, target in self.rename.items():
            claim(target, f"rename of '{source}'")
        for transform in self.derive:
            for column in transform.outputs():
                claim(column, f"transform {transform.transform}")
        for column in self.constants:
            claim(column, "constants")
        for column in self.defaults:
            if column not in known:
                raise ValueError(f"{where}: defaults names '{column}', which is not {with_article(self.entity)} column")
        if self.where is not None:
            from account_intel.importer.filters import parse_filter

            parse_filter(self.where, field=f"{where}: where")
        for column, places in self.round.items():
            if not 0 <= places <= 2:
                raise ValueError(f"{where}: round of '{column}' must be 0, 1 or 2 decimal places (cents), not {places}")
        if self.attributes and self.entity != "accounts":
            raise ValueError(f"{where}: attributes are only kept for accounts")
        if self.aggregate is not None:
            if self.distinct:
                raise ValueError(f"{where}: use either aggregate or distinct, not both")
            for column in [*self.aggregate.by, *self.aggregate.sum]:
                if column not in known:
                    raise ValueError(
                        f"{where}: aggregate names '{column}', which is not {with_article(self.entity)} column"
                    )
        return self


class MappingFile(MappingModel):
    """A whole mapping file."""

    version: Literal[1] = 1
    name: str | None = None
    description: str | None = None
    inline: dict[str, list[dict[str, Text]]] = Field(
        default_factory=dict, description="Canonical rows declared in the mapping itself, by entity (e.g. a catalog)."
    )
    sources: list[SourceMapping] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_inline(self) -> MappingFile:
        for name, rows in self.inline.items():
            if name not in BY_NAME:
                raise ValueError(f"inline entity '{name}' is not one of: {', '.join(ENTITY_NAMES)}")
            known = BY_NAME[name].columns
            for number, row in enumerate(rows, start=1):
                unknown = sorted(set(row) - set(known))
                if unknown:
                    raise ValueError(f"inline {name} item {number}: unknown column '{unknown[0]}' ({', '.join(known)})")
        if not self.sources and not self.inline:
            raise ValueError("the mapping has no sources")
        return self


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _allowed_keys(loc: tuple[int | str, ...]) -> list[str] | None:
    """The keys allowed where an unknown key was found, by walking the models along the error location."""
    model: type[BaseModel] | None = MappingFile
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if part in TRANSFORM_MODELS:
            model = TRANSFORM_MODELS[part]
        elif model is not None and part in model.model_fields:
            model = _model_of(model.model_fields[part].annotation)
        else:
            model = None
    return sorted(model.model_fields) if model is not None else None


def _where(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part in TRANSFORM_MODELS:
            continue
        else:
            text += f".{part}" if text else str(part)
    return text or "the top level"


def describe_errors(error: ValidationError) -> list[str]:
    """Readable problems from a pydantic error on a mapping: unknown keys name the key and list the allowed ones."""
    problems = []
    for item in error.errors():
        loc = tuple(item["loc"])
        if item["type"] == "extra_forbidden":
            allowed = _allowed_keys(loc)
            hint = f" (allowed: {', '.join(allowed)})" if allowed else ""
            problems.append(f"unknown key '{loc[-1]}' in {_where(loc[:-1])}{hint}")
        elif item["type"] == "missing":
            problems.append(f"missing key '{loc[-1]}' in {_where(loc[:-1])}")
        else:
            message = str(item["msg"]).removeprefix("Value error, ")
            problems.append(f"{_where(loc)}: {message}" if loc else message)
    return problems


def parse_mapping(data: Any, *, label: str) -> MappingFile:
    """Validate mapping data already read from YAML; `label` names the file in errors."""
    if not isinstance(data, dict):
        raise ValidationFailed(f"Mapping file {label} must hold a YAML mapping with a `sources` list.")
    try:
        return MappingFile.model_validate(data)
    except ValidationError as exc:
        problems = describe_errors(exc)
        raise ValidationFailed(f"Mapping file {label} is not valid: " + "; ".join(problems)) from None


def load_mapping(path: Path) -> MappingFile:
    """Read and validate a mapping file; every problem is named in one `ValidationFailed`."""
    return parse_mapping(read_yaml(path), label=path.name)


def identity_mapping(directory: Path) -> MappingFile:
    """A mapping that reads every canonically named file of `directory` (`accounts.csv`, `usage.csv`, ...) as is."""
    sources = [
        SourceMapping(file=spec.file_name, entity=name)
        for name, spec in BY_NAME.items()
        if (directory / spec.file_name).is_file()
    ]
    if not sources:
        expected = ", ".join(spec.file_name for spec in BY_NAME.values())
        raise ValidationFailed(f"No canonical CSV files in {directory} (expected any of {expected}); pass --mapping.")
    return MappingFile(name="canonical", sources=sources)
