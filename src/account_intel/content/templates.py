"""Named Jinja2 templates from prompts/, each declaring its variables in a front-matter comment.

A template starts with a Jinja comment holding YAML::

    {#---
    name: proposal
    description: Expansion proposal in seven sections.
    variables:
      account: the account profile
      opportunity: the opportunity being proposed
    ---#}

Loading refuses a template whose body uses a variable it does not declare, or declares one it never uses;
rendering refuses a missing or unknown variable. Text from CRM notes is passed in as data.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined, Template, meta
from jinja2.exceptions import TemplateSyntaxError, UndefinedError

from account_intel.content import ContentError, content_root
from account_intel.content.filecache import by_file_text
from account_intel.domain import wording

_FRONT = re.compile(r"\A\{#---\n(?P<yaml>.*?)\n---#\}\n?", re.DOTALL)


@dataclass(frozen=True)
class TemplateSpec:
    """A loaded, validated template."""

    name: str
    description: str
    variables: dict[str, str]
    source: str
    path: Path


FILTERS = {
    "plural": wording.plural,
    "counted": wording.count,
    "article": wording.with_article,
    "label": wording.label,
    "without_prefix": wording.without_prefix,
}


_ENTITY = re.compile(r"&(?=#?\w+;)")


def markdown_safe(value: Any) -> Any:
    """A value as a Markdown document may show it: CRM text cannot open an HTML tag (`<script>`) or spell an
    entity; everything else reads as written (`AT&T`, `O'Brien`, `health >= 70`)."""
    if not isinstance(value, str):
        return value
    return _ENTITY.sub("&amp;", value).replace("<", "&lt;")


def _environment(autoescape: bool, document: bool = False) -> Environment:
    env = Environment(
        undefined=StrictUndefined,
        autoescape=autoescape,
        finalize=markdown_safe if document else None,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    return env


@by_file_text
def parse_template(path: Path) -> TemplateSpec:
    """Read and validate one template file."""
    text = path.read_text(encoding="utf-8")
    match = _FRONT.match(text)
    if match is None:
        raise ContentError(
            f"{path}: a template must start with a '{{#---' front-matter comment declaring its variables."
        )
    try:
        front = yaml.safe_load(match.group("yaml")) or {}
    except yaml.YAMLError as exc:
        raise ContentError(f"{path}: front matter is not valid YAML: {exc}") from exc
    unknown_keys = set(front) - {"name", "description", "variables"}
    if unknown_keys:
        raise ContentError(
            f"{path}: unknown front-matter keys {sorted(unknown_keys)}; allowed: name, description, variables."
        )
    for key in ("name", "description", "variables"):
        if key not in front:
            raise ContentError(f"{path}: front matter lacks '{key}'.")
    declared = dict(front["variables"] or {})
    body = text[match.end() :]
    try:
        used = meta.find_undeclared_variables(_environment(False).parse(body))
    except TemplateSyntaxError as exc:
        raise ContentError(f"{path}: line {exc.lineno}: {exc.message}") from exc
    if missing := sorted(used - set(declared)):
        raise ContentError(f"{path}: uses undeclared variables {missing}; declare them under 'variables'.")
    if unused := sorted(set(declared) - used):
        raise ContentError(f"{path}: declares variables it never uses: {unused}.")
    return TemplateSpec(front["name"], front["description"], declared, body, path)


def template_path(name: str, root: Path | None = None) -> Path:
    """Where the template `name` lives under prompts/ (searching sub-folders)."""
    base = (root or content_root()) / "prompts"
    matches = sorted(base.rglob(f"{name}.*.j2"))
    if not matches:
        raise ContentError(f"Template '{name}' not found under {base}.")
    return matches[0]


def load_template(name: str, root: Path | None = None) -> TemplateSpec:
    """Load and validate the template `name` from the content folder."""
    return parse_template(template_path(name, root))


def render(spec: TemplateSpec, *, autoescape: bool = False, document: bool = False, **variables: Any) -> str:
    """Render with exactly the declared variables. `autoescape` for HTML; `document` for a Markdown deliverable
    people open in a viewer: every value is made `markdown_safe`."""
    if missing := sorted(set(spec.variables) - set(variables)):
        raise ContentError(f"Template '{spec.name}' needs variables {missing}.")
    if unknown := sorted(set(variables) - set(spec.variables)):
        raise ContentError(f"Template '{spec.name}' does not declare {unknown}.")
    try:
        return _compiled(spec.source, autoescape, document).render(**variables)
    except UndefinedError as exc:
        raise ContentError(f"Template '{spec.name}': {exc.message}") from exc


@functools.lru_cache(maxsize=128)
def _compiled(source: str, autoescape: bool, document: bool = False) -> Template:
    """The compiled template of this source (compiling is most of a small render's cost)."""
    return _environment(autoescape, document).from_string(source)


def all_templates(root: Path | None = None) -> list[TemplateSpec]:
    """Every template under prompts/, validated (start-up check and tests)."""
    base = (root or content_root()) / "prompts"
    specs = [parse_template(path) for path in sorted(base.rglob("*.j2"))]
    names = [spec.name for spec in specs]
    if duplicates := sorted({n for n in names if names.count(n) > 1}):
        raise ContentError(f"Duplicate template names under prompts/: {duplicates}.")
    return specs
