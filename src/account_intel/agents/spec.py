"""Agent specs from the content's agents/ folder: YAML front matter, then the system prompt."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from account_intel.agents.schemas import OUTPUT_SCHEMAS
from account_intel.content import ContentError, content_root

AGENT_NAMES = ("health-scorer", "segmentation-analyst", "opportunity-identifier")
MODEL_ROLES = ("analyst", "writer")


class AgentSpec(BaseModel):
    """One agent: who it is, which model role, which tools it may call, and its output schema."""

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str
    model_role: str
    tools: list[str] = Field(min_length=1)
    output_schema: str
    max_model_calls: int = Field(default=8, ge=1, le=20)
    system_prompt: str = ""
    path: Path | None = None


def parse_agent(path: Path, known_tools: set[str] | None = None) -> AgentSpec:
    """Read and validate one agent file."""
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise ContentError(f"{path}: an agent spec starts with '---' YAML front matter.")
    front, sep, body = text[4:].partition("\n---\n")
    if not sep:
        raise ContentError(f"{path}: the front matter has no closing '---' line.")
    try:
        data = yaml.safe_load(front) or {}
        spec = AgentSpec(**data, system_prompt=body.strip(), path=path)
    except (yaml.YAMLError, ValidationError, TypeError) as exc:
        raise ContentError(f"{path}: invalid front matter: {exc}") from exc
    if spec.model_role not in MODEL_ROLES:
        raise ContentError(f"{path}: unknown model_role '{spec.model_role}'; known: {', '.join(MODEL_ROLES)}.")
    if spec.output_schema not in OUTPUT_SCHEMAS:
        raise ContentError(
            f"{path}: unknown output_schema '{spec.output_schema}'; known: {', '.join(sorted(OUTPUT_SCHEMAS))}."
        )
    if known_tools is not None and (unknown := sorted(set(spec.tools) - known_tools)):
        raise ContentError(f"{path}: unknown tools {unknown}; known: {', '.join(sorted(known_tools))}.")
    if not spec.system_prompt:
        raise ContentError(f"{path}: the system prompt after the front matter is empty.")
    return spec


def load_agents(root: Path | None = None, known_tools: set[str] | None = None) -> dict[str, AgentSpec]:
    """All three agents, validated; a missing or unexpected agent file is an error."""
    folder = (root or content_root()) / "agents"
    specs = {
        spec.name: spec
        for spec in (parse_agent(p, known_tools) for p in sorted(folder.glob("*.md")) if p.name != "README.md")
    }
    if missing := sorted(set(AGENT_NAMES) - set(specs)):
        raise ContentError(f"{folder}: missing agent specs {missing}.")
    if unknown := sorted(set(specs) - set(AGENT_NAMES)):
        raise ContentError(f"{folder}: unknown agents {unknown}; the graph runs {', '.join(AGENT_NAMES)}.")
    return specs
