"""What every evaluator gets: the scenario's expectations for one account, the run's result, and the store."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from account_intel.evals.scenario import Expectations, Scenario
from account_intel.settings import Settings
from account_intel.store.engine import Store

if TYPE_CHECKING:  # the use case imports the whole graph; evaluators only read its result
    from account_intel.runs.brief import BriefResult

_NON_WORD = re.compile(r"[^a-z0-9]+")


@dataclass
class EvalInput:
    """One account's run in one repeat of a scenario, with everything an evaluator may check it against."""

    scenario: Scenario
    expect: Expectations
    account_id: str
    result: BriefResult
    store: Store
    settings: Settings
    as_of: date
    brain: str
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """brief or qbr."""
        return self.scenario.run_kind


def norm(text: str | None) -> str:
    """Lower case, every run of non-alphanumerics one space: 'London, UK' -> 'london uk'."""
    return _NON_WORD.sub(" ", (text or "").lower()).strip()


def contains(haystack: str | None, needle: str, *, whole_words: bool = True) -> bool:
    """Case- and punctuation-insensitive test that `needle` occurs in `haystack` starting at a word boundary;
    `whole_words` also needs it to end on one ('London' finds 'London, UK'; without it 'campaign' finds
    'campaigns')."""
    tail = " " if whole_words else ""
    return f" {norm(needle)}{tail}" in f" {norm(haystack)} "
