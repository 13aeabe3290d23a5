"""Shaping tool results for the model: compact evidence, fenced customer text, and handing a result to the sink.

A tool result is a pydantic model turned into JSON only when it is handed to the model. Evidence travels in a
compact form (id, metric, period, value) while the sink keeps the full `Evidence` objects that grounding checks.
Customer text (notes, tickets, survey comments, event descriptions) is wrapped in « » so the model reads it as
quoted data; the fence characters are removed from inside the text so it cannot close the fence early.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Annotated, TypeVar

from pydantic import BaseModel, Field, PlainSerializer

from account_intel.analytics.evidence import Evidence
from account_intel.tools.context import ToolContext

OPEN, CLOSE = "«", "»"
EVIDENCE_SHOWN = 4
_SPACE = re.compile(r"\s+")
T = TypeVar("T")


def _plain(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


Amount = Annotated[Decimal, PlainSerializer(_plain, when_used="json")]
"""A Decimal shown to the model as a bare JSON number (85000, not "85000.00"); the sink keeps the Decimal."""


class EvidenceRef(BaseModel):
    """An evidence item as the model sees it: the id to cite, what it measures, when, and its value."""

    id: str = Field(description="Evidence id to cite, e.g. usage:ACCT-3421:api_calls:2024-11.")
    metric: str | None = Field(default=None, description="What the value measures (omitted when the id says it).")
    period: str | None = Field(default=None, description="Month or date of the value (omitted when the id says it).")
    value: int | Amount | bool | str | None = Field(default=None, description="The value; text is fenced in « ».")


def fence(text: str | None, limit: int = 240) -> str | None:
    """Customer text as quoted data: one line, at most `limit` characters, inside « »."""
    if text is None:
        return None
    clean = _SPACE.sub(" ", text.replace(OPEN, '"').replace(CLOSE, '"')).strip()
    if not clean:
        return None
    if len(clean) > limit:
        clean = clean[: limit - 1].rstrip() + "…"
    return f"{OPEN}{clean}{CLOSE}"


def ref(item: Evidence) -> EvidenceRef:
    """The compact form of one evidence item; a usage id already names its metric and month."""
    value = item.value
    if isinstance(value, str) and " " in value:
        value = fence(value, 120)
    if item.id.startswith("usage:"):
        return EvidenceRef(id=item.id, value=value)
    return EvidenceRef(id=item.id, metric=item.metric, period=item.period, value=value)


def refs(items: Iterable[Evidence], limit: int = EVIDENCE_SHOWN) -> tuple[list[EvidenceRef], int]:
    """The first `limit` distinct evidence items in compact form, and how many more there were."""
    distinct = list({item.id: item for item in items}.values())
    return [ref(item) for item in distinct[:limit]], max(0, len(distinct) - limit)


def top(items: Sequence[T], limit: int) -> tuple[list[T], int]:
    """The first `limit` items and how many were left out."""
    return list(items[:limit]), max(0, len(items) - limit)


def emit(context: ToolContext, result: BaseModel, evidence: Iterable[Evidence] = ()) -> str:
    """Record the result (and the full evidence behind it) in the run's sink; return its compact JSON."""
    context.sink.add_evidence(evidence)
    context.sink.add_result(result)
    return result.model_dump_json(exclude_none=True)
