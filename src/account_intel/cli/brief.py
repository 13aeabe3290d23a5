"""`account-intel brief ACCOUNT` and `account-intel qbr ACCOUNT`: one account through the agent graph."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.text import Text

from account_intel.cli.common import AsOfOption, DbOption, JsonOption, as_of_for, console, open_store, print_json
from account_intel.clock import SystemClock

if TYPE_CHECKING:
    from account_intel.runs.brief import BriefResult
    from account_intel.runs.engine import BrainChoice

BrainOption = Annotated[
    str, typer.Option("--brain", help="auto (llm when an endpoint is configured), rules or llm.", case_sensitive=False)
]
OutOption = Annotated[Path | None, typer.Option("--out", help="Folder for the deliverables (default: HOME/runs).")]
RefreshOption = Annotated[
    bool, typer.Option("--refresh", help="Compute a new deliverable even when one with the same inputs exists.")
]


def brain_choice(value: str) -> BrainChoice:
    """The --brain choice, in any case."""
    choice = value.strip().lower()
    if choice not in ("auto", "rules", "llm"):
        raise typer.BadParameter(f"'{value}' is not one of auto, rules, llm.", param_hint="--brain")
    return choice  # type: ignore[return-value]


def _run(
    account: str,
    kind: Literal["brief", "qbr"],
    brain: str,
    as_of: str | None,
    db: str | None,
    out: Path | None,
    json_out: bool,
    refresh: bool = False,
) -> BriefResult:
    from account_intel.runs.brief import run_brief
    from account_intel.runs.engine import resolve_brain

    store, settings = open_store(db)
    day = as_of_for(as_of, store, quiet=json_out)
    return run_brief(
        store=store,
        settings=settings,
        account=account,
        as_of=day,
        brain=resolve_brain(brain_choice(brain), settings),
        out_dir=out or Path(settings.home).expanduser() / "runs",
        clock=SystemClock(),
        kind=kind,
        refresh=refresh,
    )


def _show(result: BriefResult, json_out: bool, key: str) -> None:
    if json_out:
        print_json(result)
        return
    from rich.markdown import Markdown

    path = result.deliverables.get(key)
    if path and Path(path).exists():
        console.print(Markdown(Path(path).read_text(encoding="utf-8")))
    when = f"computed {result.computed_at}" if result.computed_at else "computed earlier"
    origin = f"from cache ({when}; --refresh to recompute)" if result.cached else when
    console.print(
        Text.assemble(
            (str(result.status), "bold"),
            f" · {origin} · thread {result.thread_id} · deliverables: " + ", ".join(result.deliverables.values()),
        )
    )
    for draft in result.drafts:
        if draft["gated"] and draft["status"] == "draft":
            console.print(
                f"Awaiting approval: {draft['message_id']} to {draft['to']} — "
                f"`account-intel approvals show {draft['message_id']}`"
            )
    if result.error:
        console.print(Text.assemble(("Error:", "red"), f" {result.error}"))


def brief(
    account: Annotated[str, typer.Argument(help="Account id or an unambiguous part of its name.")],
    brain: BrainOption = "auto",
    as_of: AsOfOption = None,
    out: OutOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
    refresh: RefreshOption = False,
) -> None:
    """Account brief: health, whitespace map, prioritised opportunities with evidence, scenarios, gaps, drafts."""
    _show(_run(account, "brief", brain, as_of, db, out, json_out, refresh), json_out, "brief_md")


def qbr(
    account: Annotated[str, typer.Argument(help="Account id or an unambiguous part of its name.")],
    brain: BrainOption = "auto",
    as_of: AsOfOption = None,
    out: OutOption = None,
    db: DbOption = None,
    json_out: JsonOption = False,
    refresh: RefreshOption = False,
) -> None:
    """QBR packet for the account's next QBR (ready 7 days before it), plus a gated QBR invitation draft."""
    _show(_run(account, "qbr", brain, as_of, db, out, json_out, refresh), json_out, "qbr_md")
