"""What a tool call can reach: live objects passed in the LangGraph runtime context, never in graph state."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker

from account_intel.analytics.evidence import Evidence
from account_intel.clock import Clock
from account_intel.settings import Settings

NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")  # a figure as written in text: 1,250 or 0.85


@dataclass
class EvidenceSink:
    """Every evidence item and every number the tools handed out in one run: the ground truth for grounding."""

    evidence: dict[str, Evidence] = field(default_factory=dict)
    numbers: set[Decimal] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add_evidence(self, items: Iterable[Evidence]) -> None:
        """Remember evidence items (and their numeric values)."""
        with self._lock:
            for item in items:
                self.evidence[item.id] = item
                if isinstance(item.value, int | Decimal) and not isinstance(item.value, bool):
                    self.numbers.add(Decimal(item.value))

    def add_result(self, result: BaseModel) -> None:
        """Remember every number and evidence item inside a tool result, however deeply nested."""
        found_evidence: list[Evidence] = []
        found_numbers: list[Decimal] = []
        _walk(result, found_evidence, found_numbers)
        self.add_evidence(found_evidence)
        with self._lock:
            self.numbers.update(found_numbers)

    def add_quoted(self, text: str) -> None:
        """Remember the figures in words quoted verbatim from a stored text (grounded in that text)."""
        with self._lock:
            self.numbers.update(_figures(text))

    def has(self, evidence_id: str) -> bool:
        """True when a tool returned this evidence id in this run."""
        return evidence_id in self.evidence


def _figures(text: str) -> list[Decimal]:
    return [Decimal(n.replace(",", "")) for n in NUMBER.findall(text)]


def _walk(value: Any, evidence: list[Evidence], numbers: list[Decimal]) -> None:
    if isinstance(value, Evidence):
        evidence.append(value)
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            _walk(getattr(value, name), evidence, numbers)
    elif isinstance(value, bool):
        return
    elif isinstance(value, str):
        numbers.extend(_figures(value))  # quoted figures are tool values
    elif isinstance(value, int | Decimal):
        numbers.append(Decimal(value))
    elif isinstance(value, float):
        numbers.append(Decimal(repr(value)))
    elif isinstance(value, dict):
        for item in value.values():
            _walk(item, evidence, numbers)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _walk(item, evidence, numbers)


@dataclass
class ToolContext:
    """Runtime context of an agent run: session factory, as-of date, the account in scope, the evidence sink."""

    sessions: sessionmaker[Session]
    settings: Settings
    as_of: date
    account_id: str | None = None
    sink: EvidenceSink = field(default_factory=EvidenceSink)
    run_id: str | None = None
    actor: str = "agent"
    clock: Clock | None = None  # the run's clock: when drafts are created, and what the outreach cooldown counts from
    memo: dict[tuple[Any, ...], Any] = field(default_factory=dict, repr=False)  # results computed once per run
