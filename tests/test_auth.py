"""Proven identities: personal tokens (hash only), one permission table, decisions by the authenticated user at the
server's time, and database guards that hold whatever writes to the tables."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from account_intel.auth.permissions import ALLOWED, Action, may
from account_intel.auth.tokens import issue_token, revoke_token, token_hash, user_for_token
from account_intel.cli.app import app
from account_intel.domain.enums import ApprovalDecision, MessageStatus, UserRole
from account_intel.errors import AuthenticationError, PermissionDenied
from account_intel.store.engine import Store
from account_intel.store.models import Account, ApiToken, MessageApproval, OutboundMessage, User
from account_intel.store.outbound import draft_message
from tests.factories import T0, add_account, add_contact, add_user, token_env

runner = CliRunner()


@pytest.fixture
def seeded(store: Store) -> Store:
    """A T1 account whose AE is U-AE, another AE, a CSM, a manager, a deactivated AE, and a gated draft."""
    with store.transaction() as session:
        add_user(session, "U-AE", name="Dana AE")
        add_user(session, "U-AE2", name="Omar Other")
        add_user(session, "U-CSM", UserRole.CSM, name="Casey CSM")
        add_user(session, "U-MGR", UserRole.MANAGER, name="Max Manager")
        gone = add_user(session, "U-GONE", name="Gale Gone")
        gone.active = False
        session.flush()
        add_account(session, "ACCT-1", arr=Decimal("600000"), ae_id="U-AE")
        add_contact(session, "C-1", "ACCT-1")
        session.flush()
        draft_message(
            session, account_id="ACCT-1", contact_id="C-1", subject="Hello", body="Hi", at=T0, created_by="agent"
        )
    return store


def _message_id(store: Store) -> str:
    with store.sessions() as session:
        return session.query(OutboundMessage.id).one()[0]


class Said:
    """A CLI call's exit code and what it said: its output and, for a refusal, the one-line error."""

    def __init__(self, exit_code: int, output: str, exception: BaseException | None) -> None:
        self.exit_code, self.exception = exit_code, exception
        error = str(exception) if exception is not None and not isinstance(exception, SystemExit) else ""
        self.output = " ".join((output + " " + error).split())


def _cli(store: Store, *args: str, env: dict[str, str] | None = None) -> Said:
    result = runner.invoke(app, [*args, "--db", store.url], env={"COLUMNS": "200", **(env or {})})
    return Said(result.exit_code, result.output, result.exception)


# --- tokens ----------------------------------------------------------------------------------------------------


def test_a_token_is_stored_only_as_its_hash_and_proves_its_user(seeded: Store) -> None:
    with seeded.transaction() as session:
        user = session.get(User, "U-AE")
        assert user is not None
        row, plaintext = issue_token(session, user=user, name="laptop", at=T0, created_by="test")
        token_id = row.id
    with seeded.sessions() as session:
        stored = session.get(ApiToken, token_id)
        assert stored is not None and stored.token_hash == token_hash(plaintext) and plaintext not in repr(stored)
        columns = session.execute(text("SELECT * FROM api_tokens")).all()
        assert all(plaintext not in str(value) for row in columns for value in row)
        assert user_for_token(session, f"  {plaintext}\n").id == "U-AE"
        for wrong in ("", "ai_", plaintext[:-1], plaintext + "x", "Bearer " + plaintext):
            with pytest.raises(AuthenticationError, match="not valid"):
                user_for_token(session, wrong)
    with seeded.transaction() as session:
        revoke_token(session, token_id=token_id, at=T0, actor="U-MGR")
    with seeded.sessions() as session, pytest.raises(AuthenticationError, match="not valid"):
        user_for_token(session, plaintext)


def test_a_deactivated_users_token_proves_nothing(seeded: Store) -> None:
    env = token_env(seeded.url, "U-AE")
    with seeded.transaction() as session:
        user = session.get(User, "U-AE")
        assert user is not None
        user.active = False
    result = _cli(seeded, "approvals", "approve", _message_id(seeded), env=env)
    assert result.exit_code == 1 and isinstance(result.exception, AuthenticationError)
    assert "deactivated" in str(result.exception)


def test_no_token_or_a_wrong_one_is_one_clear_refusal(seeded: Store) -> None:
    message_id = _message_id(seeded)
    missing = _cli(seeded, "approvals", "approve", message_id)
    assert missing.exit_code == 1 and "ACCOUNT_INTEL_TOKEN" in missing.output and "Traceback" not in missing.output
    wrong = _cli(seeded, "approvals", "approve", message_id, env={"ACCOUNT_INTEL_TOKEN": "ai_0_guess"})
    assert wrong.exit_code == 1 and "not valid" in wrong.output
    with seeded.sessions() as session:
        assert session.get(OutboundMessage, message_id).status == MessageStatus.DRAFT  # type: ignore[union-attr]


def test_the_credentials_file_is_read_only_when_its_owner_alone_can_read_it(
    seeded: Store, _isolated_home: Path
) -> None:
    token = token_env(seeded.url, "U-MGR")["ACCOUNT_INTEL_TOKEN"]
    path = _isolated_home / "credentials"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(token + "\n")
    os.chmod(path, 0o644)
    loose = _cli(seeded, "approvals", "reject", _message_id(seeded), "--note", "not now")
    assert loose.exit_code == 1 and "chmod 600" in loose.output
    os.chmod(path, 0o600)
    decided = _cli(seeded, "approvals", "reject", _message_id(seeded), "--note", "not now")
    assert decided.exit_code == 0, decided.output
    assert "rejected by Max Manager" in decided.output


# --- who may decide: the permission table, the service and the CLI --------------------------------------------------


@given(
    role=st.sampled_from(list(UserRole)),
    active=st.booleans(),
    own=st.booleans(),
    action=st.sampled_from(list(Action)),
)
def test_the_permission_table_is_the_one_rule(role: UserRole, active: bool, own: bool, action: Action) -> None:
    user = User(id="U-1", name="U", email="u@v.test", role=role, active=active)
    account = Account(id="A-1", name="A", ae_id="U-1" if own else "U-2")
    expected = active and action in ALLOWED[role] and (action != Action.DECIDE or role != UserRole.AE or own)
    assert may(user, action, account) is expected
    if action == Action.DECIDE:  # the CLI and the store share it: only an active manager or the account's AE
        assert expected is (active and (role == UserRole.MANAGER or (role == UserRole.AE and own)))


@pytest.mark.parametrize(
    ("user", "says"),
    [
        ("U-CSM", "is neither the account's AE nor a manager"),
        ("U-AE2", "is neither the account's AE nor a manager"),
    ],
)
def test_only_the_accounts_ae_or_a_manager_decides(seeded: Store, user: str, says: str) -> None:
    result = _cli(seeded, "approvals", "approve", _message_id(seeded), env=token_env(seeded.url, user))
    assert result.exit_code == 1 and says in result.output
    assert _decision_rows(seeded) == 0


def test_a_decision_records_the_authenticated_user_at_the_servers_time(seeded: Store) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)
    result = _cli(seeded, "approvals", "approve", _message_id(seeded), env=token_env(seeded.url, "U-AE"))
    assert result.exit_code == 0, result.output
    assert "approved by Dana AE" in result.output
    with seeded.sessions() as session:
        decision = session.query(MessageApproval).one()
        assert decision.approver_id == "U-AE"
        assert decision.decided_at >= before  # the server's clock, not the store's data date (T0)
    backdated = _cli(seeded, "approvals", "approve", _message_id(seeded), "--at", "2019-01-01")
    assert backdated.exit_code == 2 and "--at" in backdated.output  # no such option: a decision is never backdated


def _decision_rows(store: Store) -> int:
    with store.sessions() as session:
        return session.query(MessageApproval).count()


# --- users and tokens at the CLI ------------------------------------------------------------------------------------


def test_the_first_admin_bootstraps_then_only_an_admin_manages_users(seeded: Store) -> None:
    no_admin = _cli(seeded, "users", "token", "create", "--user", "U-AE")
    assert no_admin.exit_code == 1 and "no admin yet" in no_admin.output
    added = _cli(
        seeded, "users", "add", "--id", "U-ADM", "--name", "Ada Admin", "--email", "ada@v.test", "--role", "admin"
    )
    assert added.exit_code == 0, added.output
    first = _cli(seeded, "users", "token", "create", "--user", "U-ADM", "--json")
    assert first.exit_code == 0, first.output
    admin = {"ACCOUNT_INTEL_TOKEN": json.loads(_json(first))["token"]}
    again = _cli(seeded, "users", "token", "create", "--user", "U-ADM")
    assert again.exit_code == 1 and "ACCOUNT_INTEL_TOKEN" in again.output  # the bootstrap is over
    csm = token_env(seeded.url, "U-CSM")
    refused = _cli(
        seeded, "users", "add", "--id", "U-X", "--name", "X", "--email", "x@v.test", "--role", "manager", env=csm
    )
    assert refused.exit_code == 1 and isinstance(refused.exception, PermissionDenied)
    made = _cli(seeded, "users", "token", "create", "--user", "Dana AE", "--json", env=admin)
    assert made.exit_code == 0, made.output
    ae = {"ACCOUNT_INTEL_TOKEN": json.loads(_json(made))["token"]}
    listed = _cli(seeded, "users", "token", "list", "--json", env=admin)
    assert listed.exit_code == 0 and ae["ACCOUNT_INTEL_TOKEN"] not in listed.output
    assert _cli(seeded, "approvals", "approve", _message_id(seeded), env=ae).exit_code == 0
    gone = _cli(seeded, "users", "deactivate", "Dana AE", "--reason", "left the company", env=admin)
    assert gone.exit_code == 0, gone.output
    after = _cli(seeded, "approvals", "list", env=ae)
    assert after.exit_code == 0  # reading does not need a token; deciding does
    token_id = json.loads(_json(made))["token_id"]
    assert _cli(seeded, "users", "token", "revoke", token_id, env=admin).exit_code == 0


def _json(said: Said) -> str:
    return said.output[said.output.index("{") :]


# --- the database is the last line ----------------------------------------------------------------------------------


def _insert_decision(store: Store, approver: str) -> None:
    message_id = _message_id(store)
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO message_approvals (message_id, approver_id, decision, decided_at, text_before, final_text)"
                " VALUES (:m, :a, 'approved', :t, 'Hi', 'Hi')"
            ),
            {"m": message_id, "a": approver, "t": T0},
        )


@pytest.mark.parametrize("approver", ["U-CSM", "U-AE2", "U-GONE", "nobody"])
def test_raw_sql_cannot_record_a_decision_by_the_wrong_person(seeded: Store, approver: str) -> None:
    with pytest.raises(DBAPIError, match="active approver"):
        _insert_decision(seeded, approver)
    assert _decision_rows(seeded) == 0


def test_raw_sql_cannot_change_delete_or_double_a_decision(seeded: Store) -> None:
    _insert_decision(seeded, "U-MGR")
    with pytest.raises(DBAPIError, match="one decision"):
        _insert_decision(seeded, "U-AE")
    for statement in (
        "UPDATE message_approvals SET approver_id = 'U-CSM'",
        f"UPDATE message_approvals SET decision = '{ApprovalDecision.REJECTED.value}'",
        "DELETE FROM message_approvals",
    ):
        with pytest.raises(DBAPIError, match="immutable"), seeded.engine.begin() as conn:
            conn.execute(text(statement))
    with pytest.raises(DBAPIError, match=r"status must be|ck_outbound_messages_status"), seeded.engine.begin() as conn:
        conn.execute(text("UPDATE outbound_messages SET status = 'queued'"))
    assert _decision_rows(seeded) == 1


BAD_EMAILS = ['"Ada" <ada@v.test>', "<ada@v.test>", "ada@v.test, bob@v.test", "ada", "ada @v.test"]


@pytest.mark.parametrize("email", BAD_EMAILS)
def test_a_users_email_is_one_bare_address(seeded: Store, email: str) -> None:
    added = _cli(seeded, "users", "add", "--id", "U-ADM", "--name", "Ada", "--email", email, "--role", "admin")
    assert added.exit_code == 1 and "--email" in added.output
    with seeded.sessions() as session:
        assert session.get(User, "U-ADM") is None
