"""Nothing a user reads names the documents the product was built from: CLI help, the demo's output, docs, content."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner

from account_intel.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
SOURCE_WORDS = re.compile(r"\bseeds?\b|\bseed's\b|\bA[0-9]\b|\bUC-AM-\d+|\bTC-\d{3}\b", re.IGNORECASE)
RANDOM_SEED = re.compile(r"--seed\b|random seed|the same seed", re.IGNORECASE)
runner = CliRunner()


def _commands(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [path]
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            paths += _commands(sub, (*path, name))
    return paths


def _source_words(text: str) -> list[str]:
    lines = [line for line in text.splitlines() if not RANDOM_SEED.search(line)]
    return [m.group(0) for line in lines for m in [SOURCE_WORDS.search(line)] if m]


def test_no_command_help_names_a_source_document() -> None:
    paths = _commands(typer.main.get_command(app))
    assert len(paths) > 30
    for path in paths:
        result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, (path, result.output)
        assert not _source_words(result.output), (path, _source_words(result.output))


def test_the_demo_names_its_story_accounts_in_the_products_words(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--accounts", "12", "--db", f"sqlite:///{tmp_path / 'demo.db'}"])
    assert result.exit_code == 0, result.output
    assert "Story accounts: TechFlow Inc. and RetailCo." in result.output
    assert not _source_words(result.output) and "ACCT-" not in result.output


def test_docs_readme_and_content_use_the_products_words() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "README.md", "docs", "agents", "prompts", "tools"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert tracked
    found = {name: words for name in tracked if (words := _source_words((ROOT / name).read_text(encoding="utf-8")))}
    assert not found, found
