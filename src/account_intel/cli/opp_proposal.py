"""`account-intel opp proposal`: generate a proposal (Markdown, HTML, PDF) or send it by email."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from account_intel.cli import opp_render as show
from account_intel.cli.common import DbOption, JsonOption, open_store, print_json
from account_intel.cli.pipeline_options import (
    AtOption,
    home_of,
    moment,
    opportunity_account,
    signed_in,
    split_values,
)
from account_intel.errors import ValidationFailed

Opt = typer.Option


def proposal_command(
    opportunity: Annotated[str, typer.Argument(help="Opportunity id (the primary one of a bundle).")],
    bundle: Annotated[list[str] | None, Opt("--bundle", help="Another opportunity of the account to bundle.")] = None,
    discount: Annotated[str | None, Opt("--discount", help="Package discount in percent.")] = None,
    line: Annotated[list[str] | None, Opt("--line", help="Scope line 'DESCRIPTION|VOLUME|VALUE'.")] = None,
    fmt: Annotated[list[str] | None, Opt("--format", help="md, html or pdf (repeatable; default md).")] = None,
    out: Annotated[Path | None, Opt("--out", help="Folder for the files; default: HOME/proposals.")] = None,
    send: Annotated[bool, Opt("--send", help="Send the proposal by email (or queue it for approval).")] = False,
    to: Annotated[str | None, Opt("--to", help="Recipient contact (with --send).")] = None,
    cc: Annotated[list[str] | None, Opt("--cc", help="Contact to copy (repeatable).")] = None,
    bcc: Annotated[list[str] | None, Opt("--bcc", help="Contact to copy blind (repeatable).")] = None,
    subject: Annotated[str | None, Opt("--subject", help="Email subject.")] = None,
    db: DbOption = None,
    at: AtOption = None,
    json_out: JsonOption = False,
) -> None:
    """Generate a proposal (Markdown, HTML, PDF), or send it with --send --to CONTACT."""
    from account_intel.auth.permissions import Action
    from account_intel.pipeline import proposals, sending, service
    from account_intel.pipeline.schemas import ProposalRequest, parse

    scope = []
    for spec in line or []:
        parts = [p.strip() for p in spec.split("|")]
        if len(parts) != 3:
            raise ValidationFailed(f"--line '{spec}' needs three parts: DESCRIPTION|VOLUME|VALUE.")
        scope.append({"description": parts[0], "volume": parts[1] or None, "value": parts[2]})
    request = parse(
        ProposalRequest,
        "Failed to generate proposal.",
        opportunity_id=opportunity,
        bundle=split_values(bundle),
        discount_pct=discount or "0",
        scope=scope,
    )
    formats = [f.strip().lower() for f in split_values(fmt)] or ["md"]
    if unknown := [f for f in formats if f not in proposals.FORMATS]:
        raise ValidationFailed(f"Unknown --format {', '.join(unknown)}; use md, html or pdf.")
    if send and not to:
        raise ValidationFailed("Name the recipient contact with --to.")
    store, settings = open_store(db)
    when = moment(at, store, quiet=json_out)
    with store.transaction() as session:
        actor = signed_in(session, settings, Action.PIPELINE, opportunity_account(session, opportunity)).id
        existing = proposals.latest_proposal(session, service.get_opportunity(session, opportunity).id)
        reuse = (
            send and existing is not None and existing.status.value == "generated" and not (bundle or discount or line)
        )
        if reuse and existing is not None:
            proposal_id = existing.id
        else:
            doc = proposals.generate_proposal(
                session, request=request, at=when, actor=actor, content_dir=settings.content_dir
            )
            proposal_id = doc.summary.id
        record = proposals.get_proposal(session, proposal_id)
        files = (
            {}
            if send
            else proposals.write_proposal_files(record, formats=formats, out_dir=out or home_of(settings) / "proposals")
        )
        generated = proposals.summary(session, record)
        outcome = None
        if send and to:
            outcome = sending.send_proposal(
                session,
                proposal_id=proposal_id,
                to=to,
                cc=split_values(cc),
                bcc=split_values(bcc),
                subject=subject,
                at=when,
                actor=actor,
                home=home_of(settings),
                content_dir=settings.content_dir,
                default_language=settings.default_language,
            )
    if json_out:
        print_json(
            {
                "proposal": generated.model_dump(mode="json"),
                "files": {k: str(v) for k, v in files.items()},
                "send": outcome.model_dump(mode="json") if outcome else None,
            }
        )
        return
    show.proposal(generated, files, outcome)
