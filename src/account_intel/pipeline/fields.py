"""Field parsing shared by the pipeline's inputs, and turning pydantic errors into the form's messages.

`parse(Model, lead, **data)` raises one `FieldProblems` whose message starts with the lead-in (for creation,
"Failed to create opportunity. Check required fields.") followed by each field's problem.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from account_intel.pipeline.errors import FieldProblems
from account_intel.pipeline.stages import PROBABILITY_OPTIONS

MAX_VALUE = Decimal("9999999")

M = TypeVar("M", bound=BaseModel)


def choices(enum_cls: type[StrEnum]) -> str:
    """The values of an enum, comma-separated, for messages."""
    return ", ".join(member.value for member in enum_cls)


def enum_value(enum_cls: type[StrEnum], label: str, value: Any) -> Any:
    """An enum member from its value, forgiving case, spaces and dashes; else a message listing the choices."""
    if value is None or isinstance(value, enum_cls):
        return value
    text = str(value).strip().lower().replace("-", "_").replace(" ", "_")
    try:
        return enum_cls(text)
    except ValueError:
        raise ValueError(f"{label} must be one of {choices(enum_cls)} (got '{value}').") from None


def money_value(value: Any, label: str, *, required: bool = True, allow_zero: bool = False) -> Decimal | None:
    """Parse a dollar amount ("$150,000", 150000, Decimal) positive, at most $9,999,999, to the cent."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValueError(f"{label} is required.")
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).replace("$", "").replace(",", "").strip())
    except InvalidOperation:
        raise ValueError(f"{label} must be a number (got '{value}').") from None
    if not amount.is_finite():
        raise ValueError(f"{label} must be a number (got '{value}').")
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValueError(f"{label} must be a positive number.")
    if amount > MAX_VALUE:
        raise ValueError(f"{label} must be at most $9,999,999.")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"{label} must have at most two decimal places.")
    return amount.quantize(Decimal("0.01"))


def probability_value(value: Any) -> int | None:
    """One of the dropdown's values (10, 25, 40, 60, 75, 90), or None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    allowed = ", ".join(str(option) for option in PROBABILITY_OPTIONS)
    try:
        number = int(str(value).strip().rstrip("%"))
    except ValueError:
        raise ValueError(f"Probability must be one of {allowed} (got '{value}').") from None
    if number not in PROBABILITY_OPTIONS:
        raise ValueError(f"Probability must be one of {allowed} (got {number}).")
    return number


def _problems(exc: ValidationError, labels: dict[str, str]) -> list[tuple[str | None, str]]:
    """Each problem with the field it is about (None for a rule across fields)."""
    problems: list[tuple[str | None, str]] = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        label = labels.get(field, field.replace("_", " ").capitalize() or "Input")
        if error["type"] == "missing":
            text = f"{label} is required."
        elif error["type"] == "value_error":
            text = str(error["ctx"]["error"])
        elif error["type"] == "extra_forbidden":
            text = f"Unknown field '{field}'."
        else:
            text = f"{label}: {error['msg']}."
        problems.append((field or None, text))
    return problems


def parse(model: type[M], lead: str, **data: Any) -> M:
    """Validate `data` into `model`, or raise FieldProblems led by `lead`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        found = _problems(exc, getattr(model, "LABELS", {}))
        raise FieldProblems([text for _, text in found], lead=lead, fields=[field for field, _ in found]) from None
