"""Scenarios: a fixture, a question and the expectations, loaded from `evals/datasets/*.yaml` and checked at load.

A dataset file is a mapping `{description: ..., scenarios: [...]}`. Every scenario is validated against the
`Scenario` model (its JSON schema is committed as `evals/scenario.schema.json`); an error names the file, the
scenario id and the field. Expectations marked `needs: llm` are ones only a model can meet (signals that exist
only in free text): the report shows them apart, so the rules/llm difference is visible instead of hidden.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from account_intel.errors import DomainError
from account_intel.evals.fixture_dsl import Fixture

AS_OF = date(2024, 11, 30)
Needs = Literal["any", "llm"]
Band = Literal["Green", "Yellow", "Red"]
OppType = Literal[
    "any",
    "seat_expansion",
    "tier_upgrade",
    "cross_sell",
    "geographic_expansion",
    "new_service",
    "volume_increase",
    "rate_increase",
    "contract_extension",
]
RunStatus = Literal["completed", "awaiting_approval", "failed"]
FINISHED: tuple[RunStatus, ...] = ("completed", "awaiting_approval")
SCHEMA_FILE = "scenario.schema.json"
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built in: 10x faster on big datasets


class ScenarioError(DomainError):
    """A dataset file or scenario is invalid; the message names the file, scenario and field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OpportunityRef(_Strict):
    """An opportunity by type and target (department, location, product or plan), matched case-insensitively."""

    type: OppType = "any"
    target: str | None = Field(default=None, description="Department, location, product or plan name.")
    needs: Needs = "any"
    note: str | None = None


class OpportunityExpectations(_Strict):
    """What must be found, what may be, what must not, and which items are an acceptable first place."""

    must_find: list[OpportunityRef] = Field(default_factory=list)
    may_find: list[OpportunityRef] = Field(default_factory=list, description="Acceptable when `exhaustive`.")
    must_not_find: list[OpportunityRef] = Field(default_factory=list)
    top: list[OpportunityRef] = Field(default_factory=list, description="Any of these is a right first item.")
    exhaustive: bool = Field(default=False, description="Anything not listed in must/may find is a false positive.")
    none: bool = Field(default=False, description="No recommendation at all (Red: rescue play; churned: nothing).")
    top_needs: Needs = "any"


class GateRef(_Strict):
    """A recipient whose drafts must be gated (and never sent without a recorded approval)."""

    contact: str = Field(description="Contact name or id.")
    needs: Needs = "any"


class TextRef(_Strict):
    """Something the brief must say: any of `any_of` (case-insensitive substrings)."""

    any_of: list[str] = Field(min_length=1)
    where: Literal["brief", "qbr", "stakeholder_gaps", "risks", "text_signals"] = "brief"
    needs: Needs = "any"
    note: str | None = None


class Expectations(_Strict):
    """What a right answer for one account looks like."""

    health_band: list[Band] = Field(default_factory=list, description="Acceptable bands; empty: not checked.")
    segment: Literal["Enterprise", "Mid-Market", "SMB"] | None = None
    tier: Literal["T1", "T2", "T3"] | None = None
    route: Literal["expand", "rescue", "none"] | None = None
    decline_flagged: bool | None = None
    opportunities: OpportunityExpectations = Field(default_factory=OpportunityExpectations)
    gated: list[GateRef] = Field(default_factory=list)
    never_sent_to: list[str] = Field(default_factory=list, description="Contacts no message may be sent to.")
    stakeholder_gaps: list[TextRef] = Field(default_factory=list)
    mentions: list[TextRef] = Field(default_factory=list)
    status: list[RunStatus] = Field(default_factory=lambda: list(FINISHED))


class Question(_Strict):
    """What is asked: a brief, a QBR packet, or a portfolio pass over several accounts."""

    kind: Literal["brief", "qbr", "portfolio"] = "brief"
    text: str = Field(description='The question as a person would ask it, e.g. "brief for TechFlow".')
    account: str | None = Field(default=None, description="Account id (default: the fixture's account).")
    accounts: list[str] = Field(default_factory=list, description="Portfolio: the accounts of the pass.")


class Scenario(_Strict):
    """One eval case."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{2,80}$")
    title: str
    covers: list[str] = Field(
        min_length=1, description="Coverage tags: trigger:..., play:..., story:..., hard:... (see docs/evals.md)."
    )
    fixture: Fixture = Field(default_factory=Fixture)
    question: Question
    expect: Expectations = Field(default_factory=Expectations)
    expect_by_account: dict[str, Expectations] = Field(
        default_factory=dict, description="Portfolio: expectations per account id."
    )
    smoke: bool = Field(default=False, description="Part of the small replayed llm set.")

    @model_validator(mode="after")
    def _accounts(self) -> Scenario:
        if self.question.kind == "portfolio":
            if not self.question.accounts:
                raise ValueError("a portfolio question needs `question.accounts`")
            if unknown := sorted(set(self.expect_by_account) - set(self.question.accounts)):
                raise ValueError(f"expect_by_account names accounts not in the pass: {unknown}")
        elif not (self.question.account or self.fixture.account or self.fixture.written):
            raise ValueError("name the account: `question.account`, `fixture.account` or `fixture.written`")
        return self

    @property
    def accounts(self) -> list[str]:
        """The accounts this scenario runs, in order."""
        if self.question.kind == "portfolio":
            return list(self.question.accounts)
        written = self.fixture.written.id if self.fixture.written else None
        return [self.question.account or self.fixture.account or written]  # type: ignore[list-item]

    def expectations_for(self, account_id: str) -> Expectations:
        """The expectations for one account of the scenario."""
        if self.question.kind == "portfolio":
            return self.expect_by_account.get(account_id, Expectations())
        return self.expect

    @property
    def run_kind(self) -> Literal["brief", "qbr"]:
        """The run kind passed to run_brief."""
        return "qbr" if self.question.kind == "qbr" else "brief"


class Dataset(_Strict):
    """One dataset file; `shared` holds YAML anchors the scenarios reuse (a quiet account, a history)."""

    description: str = ""
    shared: dict[str, Any] = Field(default_factory=dict, description="Anchors for reuse; not read otherwise.")
    scenarios: list[Scenario] = Field(min_length=1)


class LoadedScenario(BaseModel):
    """A scenario with the dataset file it came from."""

    dataset: str
    scenario: Scenario


def _where(loc: tuple[int | str, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".") or "(top level)"


def _scenario_problem(path: Path, raw: object, exc: ValidationError) -> str:
    """`file: scenario 'id': field: message` for each error."""
    lines = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        scenario_id = "?"
        if len(loc) >= 2 and loc[0] == "scenarios" and isinstance(loc[1], int) and isinstance(raw, dict):
            items = raw.get("scenarios") or []
            item = items[loc[1]] if loc[1] < len(items) else None
            scenario_id = str(item.get("id", f"#{loc[1] + 1}")) if isinstance(item, dict) else f"#{loc[1] + 1}"
            field = _where(loc[2:])
            lines.append(f"{path}: scenario '{scenario_id}': {field}: {error['msg']}")
        else:
            lines.append(f"{path}: {_where(loc)}: {error['msg']}")
    return "\n".join(lines)


def load_dataset(path: Path) -> Dataset:
    """Read and validate one dataset file."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ScenarioError(f"{path}: a dataset is a mapping with a `scenarios` list.")
    try:
        return Dataset.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(_scenario_problem(path, raw, exc)) from None


def load_scenarios(folder: Path, pattern: str = "*.yaml") -> list[LoadedScenario]:
    """Every scenario of the dataset files matching `pattern` under `folder`; ids are unique over all files."""
    files = sorted(folder.glob(pattern))
    if not files:
        raise ScenarioError(f"No dataset files match {pattern!r} under {folder}.")
    out: list[LoadedScenario] = []
    seen: dict[str, str] = {}
    for path in files:
        for scenario in load_dataset(path).scenarios:
            if scenario.id in seen:
                raise ScenarioError(f"{path}: scenario '{scenario.id}' is already defined in {seen[scenario.id]}.")
            seen[scenario.id] = path.name
            out.append(LoadedScenario(dataset=path.name, scenario=scenario))
    return out


def scenario_schema() -> dict[str, object]:
    """The JSON schema of a dataset file (committed as evals/scenario.schema.json)."""
    return Dataset.model_json_schema()


def schema_text() -> str:
    """The schema as the committed file holds it."""
    return json.dumps(scenario_schema(), indent=2, sort_keys=True) + "\n"
