"""`account-intel brief ACCOUNT` and `account-intel qbr ACCOUNT`: one account through the agent graph."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.markdown import Markdown

from account_intel.cli.common import AsOfOption, DbOption, JsonOption, as_of_or_today, console, open_store, print_json
from account_intel.clock import SystemClock
from account_intel.runs.brief import BriefResult, run_brief
from account_intel.runs.engine import BrainChoice, resolve_brain

BrainOption = Annotated[
    str, typer.Option("--brain", help="auto (llm when an endpoint is configured), rules or llm.", case_sensitive=False)
]
OutOption = Annotated[Path | None, typer.Option("--out", help="Folder for the deliverables (default: HOME/runs).")]


def _brain(value: str) -> BrainChoice:
    if value not in ("auto", "rules", "llm"):
        raise typer.BadParameter(f"'{value}' is not one of auto, rules, llm.", param_hint="--brain")
    return value  # type: ignore[return-value]


def _run(
    account: str, kind: Literal["brief", "qbr"], brain: str, as_of: str | None, db: str | None, out: Path | None
) -> BriefResult:
    store, settings = open_store(db)
    day = as_of_or_today(as_of)
    return run_brief(
        store=store,
        settings=settings,
        account=account,
        as_of=day,
        brain=resolve_brain(_brain(brain), settings),
        out_dir=out or Path(settings.home).expanduser() / "runs",
        clock=SystemClock(),
        kind=kind,
    )


def _show(result: BriefResult, json_out: bool, key: str) -> None:
    if json_out:
        print_json(result)
        return
    path = result.deliverables.get(key)
    if path and Path(path).exists():
        console.print(Markdown(Path(path).read_text(encoding="utf-8")))
    console.print(
        f"[bold]{result.status}[/] · thread {result.thread_id} · deliverables: "
        + ", ".join(result.deliverables.values())
    )
    for draft in result.drafts:
        if draft["gated"] and draft["status"] == "draft":
            console.print(
                f"Awaiting approval: {draft['message_id']} to {draft['to']} — "
                f"`account-intel approvals show {draft['message_id']}`"
            )
    if result.error:
        console.print(f"[red]Error:[/] {result.error}")


def brief(
    account: Annotated[str, typer.Argument(help="Account id or an unambiguous part of its name.")],
    brain: BrainOption = "auto",
    as_of: AsOfOption = None,
    out: OutOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Account brief: health, whitespace map, prioritised opportunities with evidence, scenarios, gaps, drafts."""
    _show(_run(account, "brief", brain, as_of, db, out), json_out, "brief_md")


def qbr(
    account: Annotated[str, typer.Argument(help="Account id or an unambiguous part of its name.")],
    brain: BrainOption = "auto",
    as_of: AsOfOption = None,
    out: OutOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """QBR packet for the account's next QBR (ready 7 days before it), plus a gated QBR invitation draft."""
    _show(_run(account, "qbr", brain, as_of, db, out), json_out, "qbr_md")
