"""Start-up stays light: `--help` and the read commands import only what they use.

Nothing here is timed (bench/cli_startup.py prints the figures); each command runs in a fresh process and the test
looks at which modules it loaded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from account_intel.cli.app import COMMANDS

# The model stack and the numeric stack: no read command and no help page needs them.
MODEL_STACK = ("langgraph", "langchain", "langchain_core", "langchain_openai", "openai", "numpy", "sklearn", "pandas")
# The schema check reads the migration files' revision ids; Alembic itself is for `db upgrade` only.
NEVER = (*MODEL_STACK, "alembic")
STORE = ("sqlalchemy", "pydantic_settings")
PROBE = (
    "import atexit, json, os, sys\n"
    "atexit.register(lambda: open(os.environ['MODULES_OUT'], 'w').write(json.dumps(sorted(sys.modules))))\n"
    "from account_intel.cli.app import main\n"
    "main()\n"
)


def loaded(*args: str, home: Path) -> set[str]:
    """The modules a fresh `account-intel ARGS` process had loaded when it exited; the command must succeed."""
    out = home / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        env={
            "ACCOUNT_INTEL_HOME": str(home),
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "COLUMNS": "160",
            "MODULES_OUT": str(out),
        },
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return set(json.loads(out.read_text()))


def packages(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


def command_modules(modules: set[str], *, besides: str) -> set[str]:
    """The modules of root commands other than `besides` that were imported."""
    others = {module for module, _ in COMMANDS.values()} - {COMMANDS[besides][0]}
    return others & modules


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home folder holding a small demo store, the default store of every command run here."""
    home = tmp_path_factory.mktemp("startup")
    done = subprocess.run(
        [sys.executable, "-c", "from account_intel.cli.app import main; main()", "demo", "--accounts", "3", "--json"],
        capture_output=True,
        text=True,
        env={"ACCOUNT_INTEL_HOME": str(home), "PATH": os.environ.get("PATH", "/usr/bin:/bin")},
    )
    assert done.returncode == 0, done.stderr
    return home


def test_help_loads_neither_the_store_nor_any_config_reader(home: Path) -> None:
    modules = loaded("--help", home=home)
    assert packages(modules) & {*NEVER, *STORE, "yaml", "jinja2"} == set()


def test_a_groups_help_imports_only_that_groups_module(home: Path) -> None:
    modules = loaded("accounts", "--help", home=home)
    assert packages(modules) & {*NEVER, *STORE, "yaml", "jinja2"} == set()
    assert "account_intel.cli.accounts" in modules
    assert command_modules(modules, besides="accounts") == set()


READ_COMMANDS: list[tuple[list[str], tuple[str, ...]]] = [
    # (command, packages it must not load besides NEVER); none renders a template, so none loads Jinja
    (["db", "status"], ("jinja2", "yaml")),
    (["accounts", "list"], ("jinja2", "yaml")),
    (["accounts", "show", "TechFlow", "--as-of", "2024-11-30"], ("jinja2", "yaml")),
    (["contacts", "list", "TechFlow"], ("jinja2", "yaml")),
    (["users", "list"], ("jinja2", "yaml")),
    (["health", "TechFlow", "--as-of", "2024-11-30"], ("jinja2",)),
    (["signals", "TechFlow", "--as-of", "2024-11-30"], ("jinja2",)),
    (["whitespace", "TechFlow", "--as-of", "2024-11-30"], ("jinja2",)),
    (["approvals", "list"], ("jinja2",)),
    (["opp", "list"], ("jinja2", "yaml")),
]


@pytest.mark.parametrize(("command", "unused"), READ_COMMANDS, ids=[" ".join(c[:2]) for c, _ in READ_COMMANDS])
def test_a_read_command_loads_only_what_it_uses(home: Path, command: list[str], unused: tuple[str, ...]) -> None:
    modules = loaded(*command, home=home)
    assert packages(modules) & {*NEVER, *unused} == set()
    assert command_modules(modules, besides=command[0]) == set()


def test_opp_show_does_not_load_the_proposal_template_engine(home: Path) -> None:
    listed = subprocess.run(
        [sys.executable, "-c", "from account_intel.cli.app import main; main()", "opp", "list", "--json"],
        capture_output=True,
        text=True,
        env={"ACCOUNT_INTEL_HOME": str(home), "PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        check=True,
    )
    opportunity = json.loads(listed.stdout)[0]["id"]
    modules = loaded("opp", "show", opportunity, home=home)
    assert packages(modules) & {*NEVER, "jinja2"} == set()
    assert command_modules(modules, besides="opp") == set()
