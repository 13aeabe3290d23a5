"""The `account-intel` command line: Typer commands over the service layer; domain errors become one line.

A command's module is imported, and its Click command built, only when that command is looked up, so a command
starts without loading the others (`--help` still lists them all).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, MutableMapping
from importlib import import_module
from typing import Any

import typer
from typer.core import TyperGroup

from account_intel.cli.common import print_error
from account_intel.cli.failures import failure_line
from account_intel.errors import DomainError

# name -> (module, attribute): a command function or a Typer sub-app, in the order `--help` lists them
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("account_intel.cli.demo", "demo"),
    "import": ("account_intel.cli.importer", "import_command"),
    "whitespace": ("account_intel.cli.whitespace", "whitespace"),
    "signals": ("account_intel.cli.signals", "signals_command"),
    "portfolio": ("account_intel.cli.portfolio", "portfolio"),
    "backtest": ("account_intel.cli.backtest", "backtest"),
    "brief": ("account_intel.cli.brief", "brief"),
    "qbr": ("account_intel.cli.brief", "qbr"),
    "db": ("account_intel.cli.db", "app"),
    "accounts": ("account_intel.cli.accounts", "app"),
    "opp": ("account_intel.cli.opp", "app"),
    "contacts": ("account_intel.cli.contacts", "app"),
    "users": ("account_intel.cli.users", "app"),
    "approvals": ("account_intel.cli.approvals", "app"),
    "health": ("account_intel.cli.health", "app"),
    "eval": ("account_intel.cli.evals", "app"),
    "run": ("account_intel.cli.run", "app"),
    "serve": ("account_intel.cli.serve", "serve"),
    "mcp": ("account_intel.cli.mcp", "mcp_command"),
}


def build_command(name: str) -> Any:  # Any: typer vendors its own click Command
    """The Click command `name` names, built exactly as registering it on the root app would build it."""
    module, attribute = COMMANDS[name]
    target = getattr(import_module(module), attribute)
    holder = typer.Typer(
        rich_markup_mode=app.rich_markup_mode,
        pretty_exceptions_short=app.pretty_exceptions_short,
        suggest_commands=app.suggest_commands,
    )
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name)
    else:
        holder.command(name)(target)
    return typer.main.get_group(holder).commands[name]


class _CommandsOnUse(MutableMapping[str, Any]):
    """The root's commands by name, in `--help` order; each is built the first time it is looked up."""

    def __init__(self, built: MutableMapping[str, Any]) -> None:
        self._entries: dict[str, Any] = dict.fromkeys(COMMANDS)
        self._entries.update(built)

    def __getitem__(self, name: str) -> Any:
        command = self._entries[name]
        if command is None:
            command = self._entries[name] = build_command(name)
        return command

    def __setitem__(self, name: str, command: Any) -> None:
        self._entries[name] = command

    def __delitem__(self, name: str) -> None:
        del self._entries[name]

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


class _LoadOnUse(TyperGroup):
    """The root group: its commands are built when looked up; listing their names builds none."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = _CommandsOnUse(self.commands)

    def list_commands(self, ctx: Any) -> list[str]:  # Any: typer vendors its own click Context
        """Every command name, in registration order, without building any command."""
        return list(self.commands)


def _root() -> None:
    """The root group's callback: nothing to do before a command."""


app = typer.Typer(
    name="account-intel",
    cls=_LoadOnUse,
    callback=_root,
    help="Account intelligence: find, size and help close expansion revenue inside existing customer accounts.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def main() -> None:
    """Console entry point: usage errors exit 2 (Typer); domain errors, database and disk failures: one line, exit 1."""
    try:
        app()
    except DomainError as exc:
        print_error(str(exc))
        sys.exit(1)
    except Exception as exc:
        message = failure_line(exc)
        if message is None:
            raise
        print_error(message)
        sys.exit(1)
