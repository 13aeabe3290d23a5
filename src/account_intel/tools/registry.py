"""The tool registry: the tools in code joined with their words in tools/*.yaml, ready for an agent.

Each tool module lists its tools in `TOOLS` and its side-effect class in `SIDE_EFFECT`. The registry checks that every
tool in code has a YAML file and every YAML file has a tool, that the file's side-effect class is the code's, and that
its `args` name real input fields; then it builds each LangChain tool with the YAML description and arg descriptions,
`handle_tool_error=True` (a ToolException reaches the model as an error message) and the side-effect class in its
metadata (`tool.metadata["side_effect"]`).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, create_model

from account_intel.content import ContentError
from account_intel.tools import (
    account_tools,
    analytics_tools,
    engagement_tools,
    opportunity_tools,
    outbound_tools,
    portfolio_tools,
    telemetry_tools,
)
from account_intel.tools.specs import SideEffect, ToolSpec, load_specs, tools_folder

MODULES: tuple[ModuleType, ...] = (
    account_tools,
    telemetry_tools,
    engagement_tools,
    analytics_tools,
    opportunity_tools,
    portfolio_tools,
    outbound_tools,
)


class ToolRegistryError(ContentError):
    """Tools in code and their descriptions in tools/ do not match."""


@dataclass(frozen=True)
class CodeTool:
    """A tool as written in code, with the side-effect class its module declares."""

    tool: StructuredTool
    side_effect: SideEffect


def code_tools() -> dict[str, CodeTool]:
    """Every tool in code, by name."""
    found: dict[str, CodeTool] = {}
    for module in MODULES:
        for item in module.TOOLS:
            if item.name in found:
                raise ToolRegistryError(f"Two tools in code are named '{item.name}'.")
            found[item.name] = CodeTool(item, SideEffect(module.SIDE_EFFECT))
    return found


def check_parity(root: Path | None = None) -> dict[str, ToolSpec]:
    """Refuse a tool in code without a YAML file, a YAML file without a tool, or a side-effect class that differs."""
    specs, code = load_specs(root), code_tools()
    folder = tools_folder(root)
    problems = []
    if missing := sorted(set(code) - set(specs)):
        problems.append(f"tools in code without a description file: {', '.join(f'{n}.yaml' for n in missing)}")
    if orphans := sorted(set(specs) - set(code)):
        problems.append(f"description files without a tool in code: {', '.join(f'{n}.yaml' for n in orphans)}")
    for name in sorted(set(specs) & set(code)):
        if specs[name].side_effect != code[name].side_effect:
            problems.append(
                f"{name}.yaml says side_effect {specs[name].side_effect.value}, "
                f"the tool in code is {code[name].side_effect.value}"
            )
    if problems:
        raise ToolRegistryError(f"{folder}: " + "; ".join(problems) + ".")
    return specs


def _described(schema: type[BaseModel], args: dict[str, str], name: str) -> type[BaseModel]:
    if unknown := sorted(set(args) - set(schema.model_fields)):
        known = ", ".join(schema.model_fields) or "none"
        raise ToolRegistryError(f"{name}.yaml: args {unknown} are not inputs of {name} (its inputs: {known}).")
    if not args:
        return schema
    fields = {}
    for field_name, text in args.items():
        info = copy.copy(schema.model_fields[field_name])
        info.description = text.strip()
        fields[field_name] = (info.annotation, info)
    return create_model(schema.__name__, __base__=schema, __doc__=schema.__doc__, **fields)  # type: ignore[call-overload]


def _build(spec: ToolSpec, code: CodeTool) -> BaseTool:
    original = code.tool
    schema = original.args_schema
    if not (isinstance(schema, type) and issubclass(schema, BaseModel)):
        raise ToolRegistryError(f"Tool '{spec.name}' needs a pydantic args_schema.")
    return StructuredTool(
        name=spec.name,
        description=spec.description,
        args_schema=_described(schema, spec.args, spec.name),
        func=original.func,
        coroutine=original.coroutine,
        handle_tool_error=True,
        metadata={"side_effect": spec.side_effect.value},
        tags=[f"side_effect:{spec.side_effect.value}"],
    )


def all_tools(root: Path | None = None) -> list[BaseTool]:
    """Every tool, described by its YAML file, in the modules' order."""
    specs = check_parity(root)
    return [_build(specs[name], code) for name, code in code_tools().items()]


def tools_named(names: Iterable[str], root: Path | None = None) -> list[BaseTool]:
    """The named tools in the order given; an unknown name is refused with the list of known ones."""
    wanted = list(names)
    by_name = {t.name: t for t in all_tools(root)}
    if unknown := [n for n in wanted if n not in by_name]:
        raise ToolRegistryError(f"Unknown tools {unknown}; known tools: {', '.join(sorted(by_name))}.")
    return [by_name[n] for n in wanted]


def side_effect_of(name: str, root: Path | None = None) -> SideEffect:
    """The side-effect class of a tool, from its YAML file."""
    specs = check_parity(root)
    if name not in specs:
        raise ToolRegistryError(f"Unknown tool '{name}'; known tools: {', '.join(sorted(specs))}.")
    return specs[name].side_effect
