"""CLI attacks: every change is made by the signed-in user, and no command line gets mail to a gated or foreign
recipient without the right person's approval."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from typer.testing import Result

from account_intel.domain.enums import ApprovalDecision, MessageStatus
from account_intel.errors import ApprovalRequiredError, ValidationFailed
from account_intel.store.engine import Store
from tests.factories import token_env
from tests.pipeline_support import create, day, move
from tests.redteam.world import (
    AE,
    AM,
    CSM,
    GONE_AE,
    KEMAL,
    MANAGER,
    OTHER_AE,
    RETAILCO,
    T1_TOM,
    World,
    decide_as,
    draft,
    send,
    status,
)
from tests.test_import_safety import _export, _import


def _said(result: Result) -> str:
    """What a refused command said: its output, or the domain error the CLI's edge prints in one line."""
    return f"{result.output} {result.exception or ''}"


def _proposal(world: World, *extra: str) -> dict[str, object]:
    opp = create(world.store)
    move(world.store, opp.id, "qualified", day(12, 3))
    result = world.cli("opp", "proposal", opp.id, "--send", "--to", "Tom Wilson", *extra, "--json", user=AM)
    assert result.exit_code == 0, result.output
    send = json.loads(result.output)["send"]
    assert isinstance(send, dict)
    return send


def _proposal_with(*extra: str, reason: str) -> Callable[[World], None]:
    def attack(world: World) -> None:
        send = _proposal(world, *extra)
        assert send["status"] == "draft" and send["eml_path"] is None
        assert any(reason in r for r in send["gate_reasons"]), send["gate_reasons"]  # type: ignore[union-attr]

    return attack


def _agent_draft(world: World, to: str = KEMAL) -> str:
    return draft(world, to_address=to, origin="agent", created_by="agent")


def _send_as(user: str | None, says: str) -> Callable[[World], None]:
    def attack(world: World) -> None:
        message_id = _agent_draft(world)
        result = world.cli("approvals", "send", message_id, user=user)
        assert result.exit_code == 1 and says in _said(result), _said(result)
        approve = world.cli("approvals", "approve", message_id, user=user)
        assert approve.exit_code == 1, approve.output
        assert status(world, message_id) == MessageStatus.DRAFT

    return attack


def _approve_after_rejection(world: World) -> None:
    message_id = _agent_draft(world)
    decide_as(world, message_id, MANAGER, ApprovalDecision.REJECTED, note="Kemal opted out")
    approved = world.cli("approvals", "approve", message_id, user=AE)
    assert approved.exit_code == 1 and "A rejection is final" in _said(approved), _said(approved)
    sent = world.cli("approvals", "send", message_id, user=AE)
    assert sent.exit_code == 1 and "rejected" in _said(sent), _said(sent)
    assert status(world, message_id) == MessageStatus.REJECTED


def _send_a_gated_draft_unapproved(world: World) -> None:
    message_id = _agent_draft(world)
    sent = world.cli("approvals", "send", message_id, user=AE)
    assert sent.exit_code == 1 and "needs `approvals approve`" in _said(sent), _said(sent)


def _bad_contact_email(email: str) -> Callable[[World], None]:
    def attack(world: World) -> None:
        added = world.cli("contacts", "add", "RetailCo", "--name", "Alias", "--email", email, user=AM)
        assert added.exit_code != 0 and isinstance(added.exception, ValidationFailed), added.output
        opp = create(world.store)
        move(world.store, opp.id, "qualified", day(12, 3))
        proposal = world.cli("opp", "proposal", opp.id, "--send", "--to", "Alias", user=AM)
        assert proposal.exit_code == 1 and "not found" in _said(proposal), _said(proposal)

    return attack


def _contacts_add_unsigned(world: World) -> None:
    added = world.cli("contacts", "add", "RetailCo", "--name", "Mallory", "--email", "m@acct-2001.test")
    assert added.exit_code == 1, added.output


def _import_lifting(dnc: str, override: str, says: str) -> Callable[[World], None]:
    """A re-import of the canonical export that clears Dana's do-not-contact flag or demotes Acme from T1 without an
    authorised reason (none; an AE's or a CSM's token), then mail to Dana: refused, and Dana stays gated."""

    def attack(world: World) -> None:
        url = f"sqlite:///{world.home.parent / 'imported.db'}"
        first = _import(_export(world.home.parent, "first", dnc="true", override="T1"), url)
        assert first["ok"], first["errors"]
        lift = _export(world.home.parent, "lift", dnc=dnc, override=override)
        for extra, user in (((), None), (("--safety-reason", "asked"), "U-AE1"), (("--safety-reason", "x"), "U-CSM1")):
            report = _import(lift, url, *extra, env=token_env(url, user) if user else None)
            if says:  # refused, naming the row
                assert not report["ok"] and any(says in e["rule"] for e in report["errors"]), report["errors"]
            else:  # a blank cell keeps the flag: the import goes through and Dana stays do-not-contact
                assert report["ok"], report["errors"]
        imported = World(store=Store(url), home=world.home, sink=world.sink, tokens={})
        try:
            message_id = draft(imported, account_id="ACME", contact_id="P-ACME-1", created_by=None)
            with pytest.raises(ApprovalRequiredError, match="Dana Cruz is marked do-not-contact"):
                send(imported, message_id)
            imported.assert_nothing_forbidden_reached("ACME")
        finally:
            imported.store.dispose()

    return attack


ATTACKS: dict[str, Callable[[World], None]] = {
    "opp proposal --send --cc a do-not-contact contact": _proposal_with(
        "--cc", "Kemal Patel", reason="Kemal Patel is marked do-not-contact"
    ),
    "opp proposal --send --bcc a do-not-contact contact by email": _proposal_with(
        "--bcc", KEMAL.upper(), reason="Kemal Patel is marked do-not-contact"
    ),
    "approvals send with no token": _send_as(None, "token"),
    "approvals send with a CSM's token": _send_as(CSM, "may not approve"),
    "approvals send with the AM's token": _send_as(AM, "may not approve"),
    "approvals send with another account's AE's token": _send_as(OTHER_AE, "only its AE or a manager"),
    "approvals send with a deactivated AE's token": _send_as(GONE_AE, "deactivated"),
    "approvals send of a gated draft, unapproved": _send_a_gated_draft_unapproved,
    "approvals approve after a manager's rejection": _approve_after_rejection,
    "contacts add with an angle-bracket email, then a proposal to it": _bad_contact_email(f"<{T1_TOM}>"),
    "contacts add with a display-name email, then a proposal to it": _bad_contact_email(f'"Kemal" <{KEMAL}>'),
    "contacts add with an address list, then a proposal to it": _bad_contact_email(f"x@acct-2001.test, {KEMAL}"),
    "contacts add without a token": _contacts_add_unsigned,
    "import clearing a do-not-contact cell without --safety-reason": _import_lifting(
        "false", "T1", "clears the do-not-contact flag of Dana Cruz"
    ),
    "import blanking a do-not-contact cell": _import_lifting("", "T1", ""),
    "import demoting a T1 account (tier_override T3)": _import_lifting("true", "T3", "demotes Acme Corp from T1"),
}


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_cli_attack_reaches_no_gated_or_foreign_recipient(world: World, attack: str) -> None:
    ATTACKS[attack](world)
    world.assert_nothing_forbidden_reached(RETAILCO)
