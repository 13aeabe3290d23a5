"""`account-intel approvals`: decide on outbound drafts that wait for a human (T1 or do-not-contact recipients).

The decision logic lives in `account_intel.approvals`, and the decision flow (record it, then resume the paused
run) in `account_intel.approval_flow`, which the web app calls too; this module only reads options and prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from account_intel.cli.common import DbOption, JsonOption, console, open_store, print_json
from account_intel.clock import SystemClock
from account_intel.domain.enums import ApprovalDecision, MessageStatus, RecipientKind
from account_intel.errors import InvalidStateError, ValidationFailed
from account_intel.store.probe import Intent

if TYPE_CHECKING:
    from account_intel.approvals import MessageView

app = typer.Typer(help="Human approvals of outbound messages.", no_args_is_help=True)

NoteOption = Annotated[str | None, typer.Option("--note", help="Why (required to reject).")]


@app.command("list")
def list_command(
    account: Annotated[str | None, typer.Option("--account", help="Only this account.")] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Messages waiting for a decision or for sending."""
    from account_intel import approvals as service
    from account_intel.store.accounts import find_account
    from account_intel.tools.policy import load_policy

    store, settings = open_store(db, Intent.READ)
    policy = load_policy(settings.content_dir)
    with store.transaction() as session:
        account_id = find_account(session, account).id if account else None
        rows = service.list_pending(session, account_id=account_id, policy=policy)
    if json_out:
        print_json([row.model_dump(mode="json") for row in rows])
        return
    table = Table(title=f"Pending messages ({len(rows)})")
    for column in ("Id", "Account", "Account tier", "Recipients", "Subject", "Status", "Needs approval because"):
        table.add_column(column, overflow="fold")
    for m in rows:
        table.add_row(
            m.id,
            m.account_name,
            m.account_tier.value,
            "\n".join(_recipient_lines(m)),
            m.subject,
            m.status.value,
            "; ".join(m.gate_reasons) or "-",
        )
    console.print(table)


def _recipient(name: str | None, address: str) -> str:
    """'Sofia Patel <spatel@example.com>', or the address alone."""
    return f"{name} <{address}>" if name else address


def _recipient_lines(view: MessageView) -> list[str]:
    """'To: Sofia Patel <spatel@example.com>', then 'Cc: ...' and 'Bcc: ...': every recipient, named where known."""
    lines = []
    for kind in RecipientKind:
        people = [r.label() for r in view.recipients if r.kind == kind]
        if people:
            lines.append(f"{kind.value.capitalize()}: {', '.join(people)}")
    return lines or [f"To: {_recipient(view.to_name, view.to)}"]


@app.command("show")
def show_command(
    message: Annotated[str, typer.Argument(help="Message id.")], db: DbOption = None, json_out: JsonOption = False
) -> None:
    """Show a message, why it needs approval, and the decisions so far."""
    from account_intel import approvals as service
    from account_intel.tools.policy import load_policy

    store, settings = open_store(db, Intent.READ)
    policy = load_policy(settings.content_dir)
    with store.transaction() as session:
        view = service.message_view(session, service.get_message(session, message), policy)
    if json_out:
        print_json(view)
        return
    console.print(
        f"[bold]{escape(view.id)}[/] to {escape(_recipient(view.to_name, view.to))} ({escape(view.account_name)}, "
        f"account tier {view.account_tier.value}): {view.status.value}",
        markup=True,
    )
    for line in _recipient_lines(view):
        console.print(line, markup=False)
    if view.gate_reasons:
        console.print("Needs approval: " + "; ".join(view.gate_reasons), markup=False)
    console.print(f"Subject: {view.subject}\n\n{view.body}", markup=False, highlight=False)  # exactly what is sent
    for d in view.decisions:
        by = d.approver_name or d.approver_id
        console.print(
            f"{d.decided_at:%Y-%m-%d} {d.decision.value} by {by}{': ' + d.note if d.note else ''}", markup=False
        )


def _decide(
    message: str,
    decision: ApprovalDecision,
    *,
    db: str | None,
    note: str | None,
    text: str | None,
    json_out: bool,
) -> None:
    from account_intel.approval_flow import take_decision
    from account_intel.auth.principal import current_user

    store, settings = open_store(db)
    done = take_decision(
        store,
        settings,
        message_id=message,
        decision=decision,
        approver=lambda session: current_user(session, settings),
        clock=SystemClock(),  # the server's clock: a decision is never backdated
        text=text,
        note=note,
    )
    outcome, thread, approver_name = done.outcome, done.thread, done.approver_name
    if json_out:
        print_json({**outcome.model_dump(mode="json"), "thread": thread} if thread else outcome)
        return
    m = outcome.message
    if thread:
        console.print(
            f"Resumed the {m.account_name} run: {thread['status']}; delivered {thread['delivered'] or 'nothing'}."
        )
    console.print(f"{m.id}: {outcome.decision.value} by {approver_name}.")
    if outcome.sent:
        eml = (outcome.result or {}).get("eml_path")
        to = ", ".join(r.label() for r in m.recipients if r.kind == RecipientKind.TO) or _recipient(m.to_name, m.to)
        copies = "".join(f"; {line}" for line in _recipient_lines(m) if not line.startswith("To: "))
        console.print(f"Sent to {to}{copies}" + (f"; written to {eml}" if eml else "") + ".", markup=False)
        moves = (outcome.result or {}).get("stage_moves")
        for opp_id in moves if isinstance(moves, list) else []:
            console.print(f"  {opp_id} moved to Proposal (60%)")
    elif outcome.decision != ApprovalDecision.REJECTED:
        console.print("Approved; it will be sent by its origin.")


@app.command("approve")
def approve_command(
    message: Annotated[str, typer.Argument(help="Message id.")],
    note: NoteOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Approve a message as it is; a proposal email is then sent."""
    _decide(message, ApprovalDecision.APPROVED, db=db, note=note, text=None, json_out=json_out)


@app.command("edit")
def edit_command(
    message: Annotated[str, typer.Argument(help="Message id.")],
    text_file: Annotated[Path, typer.Option("--text-file", help="File with the new body.")],
    note: NoteOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Approve a message with an edited body; the edited text is what is sent."""
    try:
        text = text_file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationFailed(f"Cannot read {text_file}: {exc.strerror}.") from None
    _decide(message, ApprovalDecision.EDITED, db=db, note=note, text=text, json_out=json_out)


@app.command("reject")
def reject_command(
    message: Annotated[str, typer.Argument(help="Message id.")],
    note: NoteOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Reject a message with a reason; it will not be sent."""
    _decide(message, ApprovalDecision.REJECTED, db=db, note=note, text=None, json_out=json_out)


@app.command("send")
def send_command(
    message: Annotated[str, typer.Argument(help="Message id.")],
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Send an agent draft: an approved one (or one whose delivery failed), or an ungated draft a person releases."""
    from account_intel import approvals as service
    from account_intel.auth.permissions import Action, authorize
    from account_intel.auth.principal import current_user
    from account_intel.deliverables.outreach import ORIGIN as AGENT_ORIGIN
    from account_intel.deliverables.outreach import send_and_deliver
    from account_intel.store.models import Account
    from account_intel.tools.policy import load_policy

    store, settings = open_store(db)
    with store.sessions() as session:
        sender = current_user(session, settings)
        found = service.get_message(session, message)
        account = session.get(Account, found.account_id)
        authorize(sender, Action.DECIDE, account)
        status, origin, as_user = found.status, found.origin, sender.id
        gated = bool(service.message_view(session, found, load_policy(settings.content_dir)).gate_reasons)
    if origin != AGENT_ORIGIN:
        raise InvalidStateError(f"Message {message} is a {origin} message; it is sent by its origin, not here.")
    if status == MessageStatus.DRAFT and gated:
        raise InvalidStateError(
            f"Message {message} goes to a gated recipient; it needs `approvals approve` by the account's AE or a "
            "manager before it can be sent."
        )
    if status not in (MessageStatus.APPROVED, MessageStatus.DRAFT):
        raise InvalidStateError(f"Message {message} is {status.value}; only a draft or an approved message is sent.")
    delivery = send_and_deliver(
        store, settings, message, at=SystemClock().now(), actor=as_user
    )  # a failure is recorded
    if json_out:
        print_json(
            {"message_id": message, "status": "sent", "delivered_to": delivery.where, "refused": delivery.refused}
        )
        return
    console.print(f"{message}: sent; delivered to {delivery.where}.")
    for address, reply in delivery.refused.items():
        console.print(
            f"[yellow]The server refused {escape(address)} ({escape(str(reply))}); the other recipients got the "
            "message. Correct that address on the contact and send a new message to reach it.[/yellow]",
            markup=True,
        )
