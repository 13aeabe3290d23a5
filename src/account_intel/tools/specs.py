"""The model-facing words of each tool: `tools/<name>.yaml` in the content folder, loaded and validated.

A file holds the tool's `name` (equal to the file name), its `side_effect` class (`read`, `write` or `outbound`),
the `description` the model reads, and optional `args`: descriptions of input fields that replace the ones in code.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from account_intel.content import ContentError, content_root
from account_intel.content.filecache import by_file_text

POLICY_FILE = "outbound-policy.yaml"
UNTRUSTED_TEXT_FILE = "untrusted-text.yaml"
NOT_TOOL_FILES = frozenset({POLICY_FILE, UNTRUSTED_TEXT_FILE})  # policy files beside the tool descriptions


class SideEffect(StrEnum):
    """What calling a tool can change: nothing, the store, or the outside world (a message to a customer)."""

    READ = "read"
    WRITE = "write"
    OUTBOUND = "outbound"


class ToolSpec(BaseModel):
    """One tool's YAML file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Tool name, equal to the file name.")
    side_effect: SideEffect
    description: str = Field(min_length=1, description="What the model reads about the tool.")
    args: dict[str, str] = Field(default_factory=dict, description="Input field descriptions shown to the model.")


def tools_folder(root: Path | None = None) -> Path:
    """The tools/ folder of the content root (the setting's copy, the package data or the source tree)."""
    return (root or content_root()) / "tools"


def _problem(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "file"
        if item["type"] == "extra_forbidden":
            parts.append(f"unknown key '{where}' (allowed: name, side_effect, description, args)")
        elif item["type"] == "enum":
            parts.append(f"{where}: {item['input']!r} is not one of read, write, outbound")
        elif item["type"] == "missing":
            parts.append(f"missing '{where}'")
        else:
            parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


@by_file_text
def parse_spec(path: Path) -> ToolSpec:
    """Read and validate one tool file; every error names the file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ContentError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ContentError(f"{path}: a tool file is a mapping with name, side_effect and description.")
    if not str(data.get("description") or "").strip():
        name = data.get("name") or path.stem
        raise ContentError(f"{path}: tool '{name}' has no description; the model needs one.")
    try:
        spec = ToolSpec.model_validate(data)
    except ValidationError as exc:
        raise ContentError(f"{path}: {_problem(exc)}") from exc
    if spec.name != path.stem:
        raise ContentError(f"{path}: name '{spec.name}' differs from the file name '{path.stem}'.")
    return spec.model_copy(update={"description": spec.description.strip()})


def load_specs(root: Path | None = None) -> dict[str, ToolSpec]:
    """Every tool file under tools/ (the outbound policy excluded), by tool name."""
    folder = tools_folder(root)
    if not folder.is_dir():
        raise ContentError(f"{folder} does not exist: the tool descriptions are missing.")
    specs = [parse_spec(path) for path in sorted(folder.glob("*.yaml")) if path.name not in NOT_TOOL_FILES]
    if strays := sorted(p.name for p in folder.glob("*.yml")):
        raise ContentError(f"{folder}: rename {strays} to .yaml; only .yaml files are read.")
    return {spec.name: spec for spec in specs}
