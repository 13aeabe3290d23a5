"""An import never lifts a safety flag on its own: a blank do-not-contact cell keeps the flag; clearing it or
demoting a T1 account is refused, naming the row, unless a manager or an admin gives a reason with their token."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from account_intel.cli.app import app
from account_intel.domain.enums import Tier
from account_intel.store.engine import Store
from account_intel.store.models import Account, Contact, Event
from tests.factories import token_env

CANONICAL = Path(__file__).parent / "fixtures" / "import" / "canonical"
runner = CliRunner()


def _export(tmp_path: Path, name: str, *, dnc: str, override: str) -> Path:
    """The canonical export with P-ACME-1's do-not-contact cell and ACME's tier override set."""
    folder = tmp_path / name
    shutil.copytree(CANONICAL, folder)
    _edit(folder / "contacts.csv", "P-ACME-1", {"do_not_contact": dnc})
    _edit(folder / "accounts.csv", "ACME", {"tier_override": override, "tier_override_reason": "strategic logo"})
    return folder


def _edit(path: Path, row_id: str, values: dict[str, str]) -> None:
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    fields = list(rows[0]) + [k for k in values if k not in rows[0]]
    for row in rows:
        for key in values:
            row.setdefault(key, "")
        if row["id"] == row_id:
            row.update(values)
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def _import(folder: Path, url: str, *extra: str, env: dict[str, str] | None = None) -> dict:  # type: ignore[type-arg]
    result = runner.invoke(app, ["import", str(folder), "--db", url, "--json", *extra], env=env)
    assert result.stdout.strip(), (result.output, result.exception)
    return json.loads(result.stdout)


def _state(url: str) -> tuple[bool, Tier]:
    store = Store(url)
    try:
        with store.sessions() as session:
            contact = session.get(Contact, "P-ACME-1")
            account = session.get(Account, "ACME")
            assert contact is not None and account is not None
            return contact.do_not_contact, account.tier
    finally:
        store.dispose()


@pytest.fixture
def imported(tmp_path: Path, db_url: str) -> str:
    first = _import(_export(tmp_path, "first", dnc="true", override="T1"), db_url)
    assert first["ok"], first["errors"]
    assert _state(db_url) == (True, Tier.T1)
    return db_url


def test_a_blank_do_not_contact_cell_keeps_the_flag(tmp_path: Path, imported: str) -> None:
    again = _import(_export(tmp_path, "blank", dnc="", override="T1"), imported)
    assert again["ok"], again["errors"]
    assert _state(imported) == (True, Tier.T1)


@pytest.mark.parametrize(
    ("dnc", "override", "says", "column"),
    [
        ("false", "T1", "clears the do-not-contact flag of Dana Cruz", "do_not_contact"),
        ("true", "T3", "demotes Acme Corp from T1", "tier_override"),
        ("true", "", "demotes Acme Corp from T1", "tier_override"),
    ],
)
def test_lifting_a_safety_flag_is_refused_without_an_authorised_reason(
    tmp_path: Path, imported: str, dnc: str, override: str, says: str, column: str
) -> None:
    folder = _export(tmp_path, "lift", dnc=dnc, override=override)
    for extra, env in (
        ((), None),
        (("--dry-run",), None),
        (("--safety-reason", "customer asked"), token_env(imported, "U-CSM1")),  # a CSM may not
        (("--safety-reason", "customer asked"), token_env(imported, "U-AE1")),  # nor an AE
    ):
        report = _import(folder, imported, *extra, env=env)
        assert not report["ok"] and not report["written"]
        issue = next(e for e in report["errors"] if says in e["rule"])
        assert issue["column"] == column and issue["line"] == 2 and "--safety-reason" in issue["rule"]
        assert _state(imported) == (True, Tier.T1)


def test_a_manager_lifts_a_flag_with_a_reason_and_it_is_an_event(tmp_path: Path, imported: str) -> None:
    folder = _export(tmp_path, "lift", dnc="false", override="T3")
    no_token = runner.invoke(app, ["import", str(folder), "--db", imported, "--safety-reason", "asked us to"])
    assert no_token.exit_code == 1
    report = _import(folder, imported, "--safety-reason", "the customer asked us to", env=token_env(imported, "U-MGR"))
    assert report["ok"], report["errors"]
    assert _state(imported) == (False, Tier.T3)
    store = Store(imported)
    try:
        with store.sessions() as session:
            events = session.scalars(
                select(Event).where(Event.kind.in_(("contact.do_not_contact_cleared", "account.t1_demoted")))
            ).all()
    finally:
        store.dispose()
    assert sorted((e.kind, e.entity_id, e.actor) for e in events) == [
        ("account.t1_demoted", "ACME", "U-MGR"),
        ("contact.do_not_contact_cleared", "P-ACME-1", "U-MGR"),
    ]
    assert all(e.payload["reason"] == "the customer asked us to" for e in events)


def test_the_python_api_demotes_a_t1_account_only_with_a_reason(store: Store) -> None:
    from datetime import UTC, datetime
    from decimal import Decimal

    from account_intel.domain.tiering import Thresholds
    from account_intel.errors import ValidationFailed
    from account_intel.store.accounts import override_tier
    from tests.factories import add_account, add_user

    with store.transaction() as session:
        add_user(session, "U-AE")
        session.flush()
        account = add_account(session, "ACCT-1", arr=Decimal("600000"), ae_id="U-AE")
        account.tier = Tier.T1
    at = datetime(2024, 12, 1, tzinfo=UTC)
    for tier in (Tier.T3, None):
        with store.transaction() as session, pytest.raises(ValidationFailed, match="needs a reason"):
            target = session.get(Account, "ACCT-1")
            assert target is not None
            override_tier(
                session, account=target, tier=tier, reason=None if tier is None else " ", at=at, actor="U-AE",
                thresholds=Thresholds(t1_min=Decimal("700000")),
            )  # fmt: skip
    with store.transaction() as session:
        target = session.get(Account, "ACCT-1")
        assert target is not None
        override_tier(
            session, account=target, tier=Tier.T3, reason="reseller owns it", at=at, actor="U-AE",
            thresholds=Thresholds(),
        )  # fmt: skip
    with store.sessions() as session:
        event = session.scalars(select(Event).where(Event.kind == "account.t1_demoted")).one()
        assert (event.actor, event.payload["reason"]) == ("U-AE", "reseller owns it")
