from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from account_intel.cli.app import app
from account_intel.domain.enums import UserRole
from account_intel.errors import NotFoundError
from account_intel.store.engine import Store
from tests.factories import add_account, add_user

runner = CliRunner()


@pytest.fixture
def db(db_url: str) -> str:
    store = Store(db_url)
    with store.transaction() as session:
        add_user(session, "U-AE1", UserRole.AE, "Avery Stone")
        add_user(session, "U-CSM1", UserRole.CSM, "Casey Moss")
        add_account(session, "ACCT-1", arr=Decimal("600000"), name="Globex", ae_id="U-AE1")
        add_account(session, "ACCT-2", arr=Decimal("30000"), name="Initech")
    store.dispose()
    return db_url


def rows(*args: str) -> list[dict[str, object]]:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.output)


def test_enum_options_ignore_case(db: str) -> None:
    assert [r["id"] for r in rows("accounts", "list", "--tier", "t1", "--db", db)] == ["ACCT-1"]
    assert [r["id"] for r in rows("accounts", "list", "--segment", "mid-market", "--db", db)] == ["ACCT-2"]
    assert [r["id"] for r in rows("users", "list", "--role", "CSM", "--db", db)] == ["U-CSM1"]


def test_users_list_shows_names_emails_roles_and_the_active_flag(db: str) -> None:
    assert rows("users", "list", "--db", db) == [
        {
            "id": "U-AE1",
            "name": "Avery Stone",
            "email": "u-ae1@vendor.test",
            "role": "ae",
            "manager": None,
            "active": True,
        },
        {
            "id": "U-CSM1",
            "name": "Casey Moss",
            "email": "u-csm1@vendor.test",
            "role": "csm",
            "manager": None,
            "active": True,
        },
    ]
    table = runner.invoke(app, ["users", "list", "--db", db], env={"COLUMNS": "160"})
    assert "Avery Stone" in table.output and "u-csm1@vendor.test" in table.output


@pytest.mark.parametrize("command", [["accounts", "list"], ["opp", "list"], ["opp", "metrics"]])
def test_an_unknown_owner_is_an_error_not_an_empty_table(db: str, command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--owner", "Avery Stoned", "--db", db])
    assert isinstance(result.exception, NotFoundError)
    message = str(result.exception)
    assert "--owner 'Avery Stoned'" in message and "account-intel users list" in message


def test_a_known_owner_still_filters(db: str) -> None:
    assert [r["id"] for r in rows("accounts", "list", "--owner", "u-ae1@vendor.test", "--db", db)] == ["ACCT-1"]


def test_the_command_line_loads_no_model_or_numeric_stack() -> None:
    heavy = ("langchain", "langchain_core", "langgraph", "openai", "numpy", "alembic")
    code = (
        "import sys, account_intel.cli.app; "
        f"print(','.join(sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r}))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_help_loads_no_model_or_numeric_stack() -> None:
    code = (
        "import sys\n"
        "from account_intel.cli.app import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "print('loaded:' + ','.join(m for m in ('langchain', 'langgraph', 'openai', 'numpy') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "Usage" in done.stdout and done.stdout.strip().splitlines()[-1] == "loaded:"


def test_an_unknown_opportunity_filter_is_an_error(db: str) -> None:
    result = runner.invoke(
        app, ["opp", "tasks", "--assignee", "Avery Stone", "--opportunity", "EXP-1999-0001", "--db", db]
    )
    assert isinstance(result.exception, NotFoundError) and "EXP-1999-0001" in str(result.exception)
