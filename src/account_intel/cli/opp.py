"""`account-intel opp`: the expansion pipeline over the pipeline service layer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from account_intel.cli import opp_render as show
from account_intel.cli.common import DbOption, JsonOption, open_store, parse_date, print_json, thresholds_for
from account_intel.cli.opp_proposal import proposal_command
from account_intel.cli.pipeline_options import (
    AtOption,
    moment,
    named_user,
    opportunity_account,
    read_file,
    signed_in,
    split_values,
)
from account_intel.errors import ValidationFailed
from account_intel.store.probe import Intent

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from account_intel.settings import Settings
    from account_intel.store.models import Account

app = typer.Typer(help="Expansion pipeline: opportunities, stages, tasks, activities, proposals.", no_args_is_help=True)

Opt = typer.Option
Many = Annotated[list[str] | None, Opt(help="Repeat for several.")]


def _actor(session: Session, settings: Settings, account: Account | None) -> str:
    """The signed-in user's id, once they are shown to be allowed to work this account's pipeline."""
    from account_intel.auth.permissions import Action

    return signed_in(session, settings, Action.PIPELINE, account).id


def _task_account(session: Session, task_id: str) -> Account | None:
    """The account of a task (None for an unknown task, which completing then names)."""
    from account_intel.store.models import Account, Task

    task = session.get(Task, task_id)
    return session.get(Account, task.account_id) if task is not None else None


@app.command("create")
def create_command(
    account: Annotated[str | None, Opt("--account", help="Account id or name.")] = None,
    name: Annotated[str | None, Opt("--name", help="Opportunity name (at most 100 characters).")] = None,
    type_: Annotated[str | None, Opt("--type", help="new_department, new_location, new_service, ...")] = None,
    value: Annotated[str | None, Opt("--value", help="Estimated annual value in dollars.")] = None,
    probability: Annotated[str | None, Opt("--probability", help="10, 25, 40, 60, 75 or 90 (default 40).")] = None,
    close_date: Annotated[str | None, Opt("--close-date", help="Expected close date (YYYY-MM-DD).")] = None,
    source: Annotated[str | None, Opt("--source", help="client_mention, news_linkedin, qbr_discussion, ...")] = None,
    source_contact: Annotated[str | None, Opt("--source-contact", help="Contact id, name or email.")] = None,
    notes: Annotated[str | None, Opt("--notes", help="Discovery notes (at most 1,000 characters).")] = None,
    notes_file: Annotated[Path | None, Opt("--notes-file", help="Read the discovery notes from a file.")] = None,
    champion: Annotated[str | None, Opt("--champion", help="Champion contact.")] = None,
    decision_maker: Annotated[str | None, Opt("--decision-maker", help="Decision maker contact, or TBD.")] = None,
    decision_maker_note: Annotated[str | None, Opt("--decision-maker-note", help="Who it may be, when TBD.")] = None,
    influencer: Many = None,
    target: Annotated[list[str] | None, Opt("--target", help="Target department or area (repeatable).")] = None,
    owner: Annotated[str | None, Opt("--owner", help="Owner (user); default: the acting user.")] = None,
    client_initiated: Annotated[bool, Opt("--client-initiated", help="The client asked: start at Qualified.")] = False,
    evidence_file: Annotated[Path | None, Opt("--evidence-file", help="JSON list of analytics evidence.")] = None,
    recommendation: Annotated[str | None, Opt("--recommendation", help="Analytics recommendation id.")] = None,
    override: Annotated[str | None, Opt("--override", help="Reason to create despite failed preconditions.")] = None,
    db: DbOption = None,
    at: AtOption = None,
    json_out: JsonOption = False,
) -> None:
    """Create an expansion opportunity (Identified; Qualified when client-initiated or CS-driven)."""
    from account_intel.pipeline import service
    from account_intel.pipeline.errors import CREATE_FAILED
    from account_intel.pipeline.schemas import OpportunityCreate, parse
    from account_intel.store.accounts import find_account

    try:
        evidence = json.loads(read_file(evidence_file) or "[]")
    except json.JSONDecodeError as exc:
        raise ValidationFailed(f"--evidence-file is not JSON ({exc.msg}); give a list of evidence objects.") from None
    data = parse(
        OpportunityCreate,
        CREATE_FAILED,
        account=account or "",
        name=name,
        type=type_,
        estimated_value=value,
        probability=probability,
        expected_close_date=parse_date(close_date, option="--close-date"),
        source=source,
        source_contact=source_contact,
        discovery_notes=read_file(notes_file) if notes_file else notes,
        champion=champion,
        decision_maker=decision_maker,
        decision_maker_note=decision_maker_note,
        influencers=split_values(influencer),
        target_departments=split_values(target),
        owner=owner,
        client_initiated=client_initiated,
        evidence=evidence,
        recommendation_id=recommendation,
        override_reason=override,
    )
    store, settings = open_store(db)
    when = moment(at, store, quiet=json_out)
    with store.transaction() as session:
        actor = _actor(session, settings, find_account(session, data.account) if data.account else None)
        view = service.create_opportunity(session, data=data, at=when, actor=actor)
    if json_out:
        print_json(view)
        return
    show.created(view)


@app.command("list")
def list_command(
    account: Annotated[str | None, Opt("--account", help="Only this account.")] = None,
    owner: Annotated[str | None, Opt("--owner", help="Only this owner (user).")] = None,
    stage: Annotated[str | None, Opt("--stage", help="Only this stage.")] = None,
    open_only: Annotated[bool, Opt("--open", help="Only open opportunities.")] = False,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """List opportunities, open first."""
    from account_intel.pipeline import service
    from account_intel.pipeline.schemas import StageMove, parse
    from account_intel.store.accounts import find_account

    move = parse(StageMove, "Invalid filter.", stage=stage) if stage else None
    store, _ = open_store(db, Intent.READ)
    with store.transaction() as session:
        rows = service.list_opportunities(
            session,
            account_id=find_account(session, account).id if account else None,
            owner_id=named_user(session, owner, option="--owner").id if owner else None,
            stage=move.stage if move else None,
            open_only=open_only,
        )
    if json_out:
        print_json([row.model_dump(mode="json") for row in rows])
        return
    show.opportunity_table(rows)


@app.command("show")
def show_command(
    opportunity: Annotated[str, typer.Argument(help="Opportunity id (EXP-YYYY-NNNN).")],
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Show an opportunity with its stage history, tasks, activities and proposals."""
    from account_intel.pipeline import detail

    store, _ = open_store(db, Intent.READ)
    with store.transaction() as session:
        view = detail.opportunity_detail(session, opportunity_id=opportunity)
    if json_out:
        print_json(view)
        return
    show.opportunity_detail(view)


@app.command("move")
def move_command(
    opportunity: Annotated[str, typer.Argument(help="Opportunity id.")],
    stage: Annotated[str, typer.Argument(help="identified, qualified, proposal, negotiation, verbal_agreement.")],
    probability: Annotated[str | None, Opt("--probability", help="Override the stage's probability.")] = None,
    note: Annotated[str | None, Opt("--note", help="Why it moved.")] = None,
    db: DbOption = None,
    at: AtOption = None,
    json_out: JsonOption = False,
) -> None:
    """Move an opportunity to the next stage (one at a time; back to an earlier one is allowed)."""
    from account_intel.pipeline import service
    from account_intel.pipeline.errors import MOVE_FAILED
    from account_intel.pipeline.schemas import StageMove, parse

    move = parse(StageMove, MOVE_FAILED, stage=stage, probability=probability, note=note)
    store, settings = open_store(db)
    when = moment(at, store, quiet=json_out)
    with store.transaction() as session:
        actor = _actor(session, settings, opportunity_account(session, opportunity))
        view = service.move_stage(session, opportunity_id=opportunity, move=move, at=when, actor=actor)
    if json_out:
        print_json(view)
        return
    show.moved(view)


@app.command("win")
def win_command(
    opportunity: Annotated[str, typer.Argument(help="Opportunity id.")],
    value: Annotated[str | None, Opt("--value", help="Closed annual value; default: the estimate.")] = None,
    close_date: Annotated[str | None, Opt("--date", hidden=True, help="Old name of --at.")] = None,
    product: Annotated[str | None, Opt("--product", help="Catalog product for the contract line.")] = None,
    db: DbOption = None,
    at: AtOption = None,
    json_out: JsonOption = False,
) -> None:
    """Close as won on --at (default today): add the contract line, update ARR and account tier, add delivery tasks."""
    from account_intel.pipeline import closing
    from account_intel.pipeline.schemas import WinInput, parse

    if close_date and at and close_date != at:
        raise ValidationFailed("--date is the old name of --at; give the close date once, with --at.")
    data = parse(WinInput, closing.CLOSE_FAILED, closed_value=value, product_id=product)
    store, settings = open_store(db)
    when = moment(at or close_date, store, quiet=json_out)
    with store.transaction() as session:
        actor = _actor(session, settings, opportunity_account(session, opportunity))
        result = closing.win_opportunity(
            session, opportunity_id=opportunity, data=data, at=when, actor=actor, thresholds=thresholds_for(settings)
        )
    if json_out:
        print_json(result)
        return
    show.won(result)


@app.command("lose")
def lose_command(
    opportunity: Annotated[str, typer.Argument(help="Opportunity id.")],
    reason: Annotated[str | None, Opt("--reason", help="budget, timing, competitor, no_decision or other.")] = None,
    note: Annotated[str | None, Opt("--note", help="What happened; lessons learned.")] = None,
    follow_up_days: Annotated[int | None, Opt("--follow-up-days", help="90-180 (default 90).")] = None,
    db: DbOption = None,
    at: AtOption = None,
    json_out: JsonOption = False,
) -> None:
    """Close as lost from any open stage, with a reason and a follow-up reminder; no ARR impact."""
    from account_intel.pipeline import closing
    from account_intel.pipeline.schemas import LossInput, parse

    data = parse(LossInput, closing.CLOSE_FAILED, reason=reason, note=note, follow_up_days=follow_up_days)
    store, settings = open_store(db)
    when = moment(at, store, quiet=json_out)
    with store.transaction() as session:
        actor = _actor(session, settings, opportunity_account(session, opportunity))
        result = closing.lose_opportunity(session, opportunity_id=opportunity, data=data, at=when, actor=actor)
    if json_out:
        print_json(result)
        return
    show.lost(result)


def _task_specs(values: list[str] | None) -> list[dict[str, object]]:
    specs: list[dict[str, object]] = []
    for value in values or []:
        title, _, due = value.partition("|")
        specs.append({"title": title, "due_date": parse_date(due.strip() or None, option="--task")})
    return specs


@app.command("log")
def log_command(
    opportunity: Annotated[str, typer.Argument(help="Opportunity id.")],
    kind: Annotated[str | None, Opt("--kind", help="call, email, meeting or note.")] = None,
    contact: Many = None,
    subject: Annotated[str | None, Opt("--subject")] = None,
    notes: Annotated[str | None, Opt("--notes", help="Notes text.")] = None,
    notes_file: Annotated[Path | None, Opt("--notes-file", help="Read the notes from a file.")] = None,
    outcome: Annotated[str | None, Opt("--outcome")] = None,
    sentiment: Annotated[str | None, Opt("--sentiment", help="very_negative ... very_positive.")] = None,
    duration: Annotated[int | None, Opt("--duration", help="Minutes.")] = None,
    stage: Annotated[str | None, Opt("--stage", help="Move to this stage in the same step.")] = None,
    probability: Annotated[str | None, Opt("--probability")] = None,
    value: Annotated[str | None, Opt("--value", help="Refined estimated annual value.")] = None,
    close_date: Annotated[str | None, Opt("--close-date", help="Refined expected close date.")] = None,
    task: Annotated[list[str] | None, Opt("--task", help="Follow-up task 'TITLE|YYYY-MM-DD' (repeatable).")] = None,
    db: DbOption = None,
    at: AtOption = None,
    json_out: JsonOption = False,
) -> None:
    """Log a call, email, meeting or note; optionally move the stage and refine the value at once."""
    from account_intel.pipeline import activities, service
    from account_intel.pipeline.schemas import ActivityInput, parse

    data = parse(
        ActivityInput,
        "Failed to log activity.",
        kind=kind,
        contacts=split_values(contact),
        subject=subject,
        notes=read_file(notes_file) if notes_file else notes,
        outcome=outcome,
        sentiment=sentiment,
        duration_minutes=duration,
        stage=stage,
        probability=probability,
        estimated_value=value,
        expected_close_date=parse_date(close_date, option="--close-date"),
        tasks=_task_specs(task),
    )
    store, settings = open_store(db)
    when = moment(at, store, quiet=json_out)
    with store.transaction() as session:
        actor = _actor(session, settings, opportunity_account(session, opportunity))
        view = activities.log_activity(session, opportunity_id=opportunity, data=data, at=when, actor=actor)
        after = service.get_opportunity(session, opportunity)
        summary = show.logged_summary(view, after)
    if json_out:
        print_json(view)
        return
    show.console.print(summary)


@app.command("task")
def task_command(
    ref: Annotated[str, typer.Argument(help="Opportunity id (to create) or task id (with --complete).")],
    title: Annotated[str | None, typer.Argument(help="Task title.")] = None,
    due: Annotated[str | None, Opt("--due", help="Due date (YYYY-MM-DD).")] = None,
    assignee: Annotated[str | None, Opt("--assignee", help="User; default: the opportunity's owner.")] = None,
    complete: Annotated[bool, Opt("--complete", help="Mark the task REF done.")] = False,
    db: DbOption = None,
    at: AtOption = None,
    json_out: JsonOption = False,
) -> None:
    """Create a task on an opportunity, or complete a task with --complete."""
    from account_intel.pipeline import tasks
    from account_intel.pipeline.schemas import TaskInput, parse

    store, settings = open_store(db)
    when = moment(at, store, quiet=json_out)
    with store.transaction() as session:
        if complete:
            actor = _actor(session, settings, _task_account(session, ref))
            view = tasks.complete_task(session, task_id=ref, at=when, actor=actor)
        else:
            data = parse(
                TaskInput,
                "Failed to create task.",
                title=title,
                due_date=parse_date(due, option="--due"),
                assignee=assignee,
            )
            actor = _actor(session, settings, opportunity_account(session, ref))
            view = tasks.create_task(session, opportunity_id=ref, task=data, at=when, actor=actor)
    if json_out:
        print_json(view)
        return
    show.task_table([view], title="Task")


@app.command("tasks")
def tasks_command(
    opportunity: Annotated[str | None, Opt("--opportunity", help="Only this opportunity.")] = None,
    assignee: Annotated[
        str | None,
        Opt("--assignee", help="Whose open tasks (user); default: yours, the signed-in user.", metavar="USER"),
    ] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """List a user's open tasks across opportunities (the AM's task list)."""
    from account_intel.auth.principal import current_user
    from account_intel.pipeline import service, tasks

    store, settings = open_store(db, Intent.READ)
    with store.transaction() as session:
        user = named_user(session, assignee, option="--assignee") if assignee else current_user(session, settings)
        opportunity_id = service.get_opportunity(session, opportunity).id if opportunity else None
        rows = tasks.list_open_tasks(session, assignee_id=user.id, opportunity_id=opportunity_id)
    if json_out:
        print_json([row.model_dump(mode="json") for row in rows])
        return
    show.task_table(rows, title=f"Open tasks of {user.name} ({len(rows)})")


app.command("proposal")(proposal_command)


@app.command("metrics")
def metrics_command(
    quarter: Annotated[str | None, Opt("--quarter", help="Quarter like 2024-Q4; default: the quarter of --at.")] = None,
    owner: Annotated[str | None, Opt("--owner", help="Only this owner.")] = None,
    db: DbOption = None,
    at: AtOption = None,
    json_out: JsonOption = False,
) -> None:
    """Time to close by type, win rate by stage reached, and per-owner quarter results against the targets."""
    from account_intel.pipeline import metrics

    store, _ = open_store(db, Intent.READ)
    day = moment(at, store, quiet=json_out).date()
    with store.transaction() as session:
        owner_id = named_user(session, owner, option="--owner").id if owner else None
        result = metrics.pipeline_metrics(session, as_of=day, quarter=quarter, owner_id=owner_id)
    if json_out:
        print_json(result)
        return
    show.metrics(result)
