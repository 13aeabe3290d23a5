"""Nothing a user or the model reads names the documents the product was built from.

The product was designed from internal source documents: numbered "seeds" with steps ("Step 3-4"), use-case ids
("UC-AM-004"), alternative-flow ids ("A1", "A3"), test-case ids ("TC-006"), playbook numbers ("play 02") and
campaign weeks ("weeks 3-4"). None of them may reach CLI help, printed output, tool descriptions, the JSON schemas
the model reads, templates, agent prompts, configs, docs or the README; nor the source's docstrings, messages and
comments, which become those texts. The demo's *random seed* (`--seed`) is product vocabulary and stays.
"""

from __future__ import annotations

import ast
import importlib
import io
import json
import pkgutil
import re
import subprocess
import tokenize
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from pydantic import BaseModel
from typer.testing import CliRunner

from account_intel.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "account_intel"
SOURCE_WORDS = re.compile(
    r"\bseeds?\b|\bseed's\b|\bA[0-9]\b|\bUC-[A-Z]+-\d+|\bTC-\d{3}\b|\bStep \d|\bplay 0\d\b|\bweeks \d",
    re.IGNORECASE,
)
RANDOM_SEED = re.compile(r"--seed\b|random seeds?\b|the same seed\b", re.IGNORECASE)
CONTENT = ("README.md", "docs", "agents", "prompts", "tools", "src/account_intel/analytics/config")
MODEL_MODULES = ("account_intel.tools", "account_intel.agents", "account_intel.evals.evaluators.judge")
runner = CliRunner()


def _source_words(text: str) -> list[str]:
    """Every mention of a source document in `text`; the demo's random seed is not one."""
    return [m.group(0) for m in SOURCE_WORDS.finditer(RANDOM_SEED.sub("", text))]


@pytest.mark.parametrize(
    "text",
    [
        "seed 003's arithmetic",
        "Seeds 003 and 004",
        "the seed's dropdown",
        "the creation form of Step 1",
        "closes as lost (A2)",
        "the UC-AM-004 pipeline",
        "Sending a proposal (TC-006)",
        "seed 004 play 02",
        "the campaign of weeks 3-4",
    ],
)
def test_the_check_catches_every_kind_of_mention(text: str) -> None:
    assert _source_words(text)


@pytest.mark.parametrize(
    "text",
    [
        "--seed 11 builds another portfolio",
        "Random seed: the same seed gives the same portfolio.",
        "As of 2024-11-30, random seed 7: 12 accounts",
        "a seeded generator",
        "Portfolio Expansion Pipeline - week 47",
        "T1 accounts, priority P1, a 2-week decision, steps 1-2 above",
    ],
)
def test_product_vocabulary_is_not_a_mention(text: str) -> None:
    assert not _source_words(text)


def _commands(command: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    found = [(path, command)]
    for name, sub in getattr(command, "commands", {}).items():
        found += _commands(sub, (*path, name))
    return found


def test_no_command_help_names_a_source_document() -> None:
    commands = _commands(typer.main.get_command(app))
    assert len(commands) > 30
    for path, command in commands:
        texts = [command.help or "", command.short_help or "", command.epilog or ""]
        texts += [getattr(param, "help", None) or "" for param in command.params]
        assert not _source_words("\n".join(texts)), (path, _source_words("\n".join(texts)))
        result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, (path, result.output)
        assert not _source_words(result.output), (path, _source_words(result.output))


def test_the_demo_names_its_story_accounts_in_the_products_words(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--accounts", "12", "--db", f"sqlite:///{tmp_path / 'demo.db'}"])
    assert result.exit_code == 0, result.output
    assert "Story accounts: TechFlow Inc. and RetailCo." in result.output
    assert not _source_words(result.output) and "ACCT-" not in result.output


def test_docs_readme_content_and_configs_use_the_products_words() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", *CONTENT], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert {"README.md", "prompts/account_brief.md.j2", "src/account_intel/analytics/config/propensity.yaml"} <= set(
        tracked
    )
    assert any(name.startswith("agents/") for name in tracked) and any(name.startswith("tools/") for name in tracked)
    found = {name: words for name in tracked if (words := _source_words((ROOT / name).read_text(encoding="utf-8")))}
    assert not found, found


def _models() -> list[type[BaseModel]]:
    """Every pydantic model defined in the tool, agent and judge modules: what the model is shown or answers in."""
    modules = []
    for name in MODEL_MODULES:
        module = importlib.import_module(name)
        modules.append(module)
        for info in pkgutil.iter_modules(getattr(module, "__path__", []), prefix=f"{name}."):
            modules.append(importlib.import_module(info.name))
    found = {
        value
        for module in modules
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, BaseModel) and value.__module__ == module.__name__
    }
    return sorted(found, key=lambda m: (m.__module__, m.__name__))


def test_what_the_model_reads_names_no_source_document() -> None:
    from account_intel.agents.schemas import OUTPUT_SCHEMAS
    from account_intel.tools.registry import all_tools

    tools = all_tools()
    assert len(tools) > 10
    texts = {f"tool {t.name}": t.description for t in tools}
    texts |= {f"tool {t.name} arguments": json.dumps(t.tool_call_schema.model_json_schema()) for t in tools}
    models = _models()
    assert set(OUTPUT_SCHEMAS.values()) <= set(models) and len(models) > 30
    texts |= {f"{m.__module__}.{m.__name__}": json.dumps(m.model_json_schema(), default=str) for m in models}
    found = {name: words for name, text in texts.items() if (words := _source_words(text))}
    assert not found, found


def _texts(path: Path) -> Iterator[tuple[int, str]]:
    """The strings (docstrings, messages, help, the literal parts of f-strings) and comments of a Python file."""
    source = path.read_text(encoding="utf-8")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            yield token.start[0], token.string


def test_no_docstring_message_or_comment_of_the_product_names_a_source_document() -> None:
    files = sorted(SOURCE.rglob("*.py"))
    assert len(files) > 100
    found = [
        f"{path.relative_to(ROOT)}:{line}: {words}"
        for path in files
        for line, text in _texts(path)
        if (words := _source_words(text))
    ]
    assert not found, "\n".join(found)
