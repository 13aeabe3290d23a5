"""Rich rendering of pipeline views for `account-intel opp`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from account_intel.cli.common import console, money
from account_intel.domain.wording import count, without_prefix
from account_intel.pipeline.stages import STAGE_NAME

if TYPE_CHECKING:
    from account_intel.pipeline.metrics import PipelineMetrics
    from account_intel.pipeline.sending import SendOutcome
    from account_intel.pipeline.views import (
        ActivityView,
        LossResult,
        OpportunityDetail,
        OpportunityView,
        ProposalSummary,
        TaskView,
        WinResult,
    )
    from account_intel.store.models import Opportunity

__all__ = ["console"]


def _who(ref: object) -> str:
    return getattr(ref, "name", None) or "-"


def created(view: OpportunityView) -> None:
    """The toast and summary after creation."""
    console.print(Text.assemble("Expansion opportunity created successfully: ", (view.id, "bold")))
    moved(view)


def moved(view: OpportunityView) -> None:
    """One line with the opportunity's stage and probability."""
    console.print(
        f"{view.id} {view.name} ({view.account_name}): {view.stage_name} ({view.probability}%), "
        f"{money(view.estimated_value)} annually",
        markup=False,
    )


def opportunity_table(rows: list[OpportunityView]) -> None:
    """Opportunities as a table."""
    table = Table(title=f"Expansion opportunities ({len(rows)})")
    for column in ("Id", "Account", "Name", "Type", "Stage", "Prob.", "Value", "Close", "Owner"):
        table.add_column(column, justify="right" if column in ("Prob.", "Value") else "left")
    for r in rows:
        table.add_row(
            r.id,
            r.account_name,
            r.name,
            r.type.value,
            r.stage_name,
            f"{r.probability}%",
            money(r.closed_value or r.estimated_value),
            str(r.closed_on or r.expected_close_date or "-"),
            r.owner_name or "-",
        )
    console.print(table)


def task_table(rows: list[TaskView], *, title: str) -> None:
    """Tasks as a table."""
    table = Table(title=title)
    for column in ("Id", "Opportunity", "Title", "Due", "Assignee", "Status"):
        table.add_column(column)
    for t in rows:
        table.add_row(
            t.id, t.opportunity_id or "-", t.title, str(t.due_date or "-"), t.assignee_name or "-", t.status.value
        )
    console.print(table)


def opportunity_detail(d: OpportunityDetail) -> None:
    """The opportunity workspace: summary, stakeholders, history, tasks, activities, proposals."""
    head = Table.grid(padding=(0, 2))
    head.add_row("Status", f"{d.stage_name} ({d.probability}%)   Owner {d.owner_name or '-'}")
    head.add_row("Value", f"{money(d.estimated_value)} annually   Expected close {d.expected_close_date or '-'}")
    if d.closed_on:
        closed = money(d.closed_value) if d.closed_value is not None else f"lost: {d.loss_reason} {d.loss_note or ''}"
        head.add_row("Closed", f"{d.closed_on}   {closed}")
    head.add_row("Type", f"{d.type.value}   Source {d.source.value if d.source else '-'} ({_who(d.source_contact)})")
    head.add_row("Target", ", ".join(d.target_departments) or "-")
    note = d.decision_maker_note if d.decision_maker_note not in (None, "TBD") else None
    dm = _who(d.decision_maker) if d.decision_maker else ("TBD" + (f" ({note})" if note else ""))
    influencers = ", ".join(i.name for i in d.influencers) or "-"
    head.add_row("Stakeholders", f"Champion {_who(d.champion)}   Decision maker {dm}   Influencers {influencers}")
    if d.discovery_notes:
        head.add_row("Notes", d.discovery_notes)
    if d.override_reason:
        head.add_row("Override", d.override_reason)
    if d.evidence:
        head.add_row("Evidence", ", ".join(e.id for e in d.evidence))
    console.print(Panel(head, title=Text(f"{d.account_name} - {d.name} ({d.id})")))
    history = Table(title="Stage history")
    for column in ("When", "From", "To", "Prob.", "By"):
        history.add_column(column)
    for h in d.stage_history:
        history.add_row(
            h.changed_at.date().isoformat(),
            STAGE_NAME[h.from_stage] if h.from_stage else "-",
            STAGE_NAME[h.to_stage],
            f"{h.probability}%",
            h.changed_by_name or h.changed_by or "-",
        )
    console.print(history)
    task_table(d.tasks, title="Tasks")
    activities = Table(title="Activity")
    for column in ("When", "Kind", "Contacts", "Subject", "Outcome"):
        activities.add_column(column, overflow="fold")
    for a in d.activities:
        activities.add_row(
            a.occurred_at.date().isoformat(),
            a.kind.value,
            ", ".join(c.name for c in a.contacts) or "-",
            a.subject or "-",
            a.outcome or "-",
        )
    console.print(activities)
    for p in d.proposals:
        console.print(
            f"Proposal {p.id}: {without_prefix(p.title, 'Proposal:')} ({p.status}), net {money(p.net_value)}",
            markup=False,
        )


def logged_summary(view: ActivityView, opportunity: Opportunity) -> str:
    """The toast after logging an activity."""
    return (
        f"{view.kind.value.capitalize()} logged ({view.id}) and opportunity updated: "
        f"{STAGE_NAME[opportunity.stage]} ({opportunity.probability}%), {money(opportunity.estimated_value)} annually"
    )


def won(r: WinResult) -> None:
    """The Closed Won screen: what winning did to the account."""
    body = Table.grid(padding=(0, 2))
    body.add_row("Closed", f"{r.close_date}   Contract value {money(r.closed_value)} annually")
    change = f" (+{r.arr_change_pct}%)" if r.arr_change_pct is not None else ""
    body.add_row("Account ARR", f"{money(r.old_arr)} -> {money(r.new_arr)}{change}")
    tier = f"Tier {r.old_tier.value[1]} -> Tier {r.new_tier.value[1]}" if r.old_tier != r.new_tier else r.new_tier.value
    body.add_row("Account tier", tier)
    nrr = f"{r.nrr_contribution_pct}%" if r.nrr_contribution_pct is not None else "-"
    body.add_row("NRR contribution", nrr)
    kind = "amendment to" if r.amendment else "new expansion contract"
    body.add_row("Contract", f"{kind} {r.contract_id}, line {r.contract_line_id}")
    body.add_row("Time to close", count(r.days_to_close, "day", zero="0"))
    steps = "\n".join(f"[ ] {t.title} (due {t.due_date})" for t in r.tasks)
    console.print(
        Panel(Group(body, "", "NEXT STEPS", steps), title=Text(f"OPPORTUNITY WON! {r.opportunity.account_name}"))
    )


def lost(r: LossResult) -> None:
    """The Closed Lost summary."""
    console.print(
        f"{r.opportunity.id} closed lost ({r.reason}{': ' + r.note if r.note else ''}); no ARR impact. "
        f"Follow-up reminder {r.follow_up.id} on {r.follow_up.due_date}.",
        markup=False,
    )


def proposal(p: ProposalSummary, files: dict[str, Path], outcome: SendOutcome | None) -> None:
    """What was generated, written and sent."""
    discount = f", {p.discount_pct.normalize():f}% package discount" if p.discount_pct else ""
    console.print(
        f"Proposal {p.id}: {without_prefix(p.title, 'Proposal:')}, {money(p.net_value)} net{discount}", markup=False
    )
    for fmt, path in files.items():
        console.print(f"  {fmt}: {path}")
    if outcome is None:
        return
    to = outcome.to + "".join(f"; {label} {line}" for label, line in (("cc", outcome.cc), ("bcc", outcome.bcc)) if line)
    if outcome.status.value == "sent":
        console.print(
            f"Proposal sent successfully to {to} ({outcome.message_id}); written to {outcome.eml_path}", markup=False
        )
        for opp_id in outcome.stage_moves:
            console.print(f"  {opp_id} moved to Proposal (60%)")
        if outcome.follow_up_task_id:
            console.print(f"  Follow-up reminder {outcome.follow_up_task_id} set")
        return
    console.print(
        f"[yellow]Proposal email {outcome.message_id} to {escape(to)} is waiting for approval:[/] "
        + escape("; ".join(outcome.gate_reasons))
        + f". It stays a draft until approved: {escape(outcome.approve_hint or '')}",
        soft_wrap=True,
        markup=True,
    )


def metrics(m: PipelineMetrics) -> None:
    """The three metric tables."""
    ttc = Table(title="Time to close (won)")
    for column in ("Type", "Won", "Avg days", "Median", "Target days", "Status"):
        ttc.add_column(column)
    for row in m.time_to_close:
        ttc.add_row(
            row.type.value,
            str(row.won),
            str(row.average_days or "-"),
            str(row.median_days or "-"),
            f"{row.target_days[0]}-{row.target_days[1]}",
            row.status,
        )
    wins = Table(title="Win rate by stage reached")
    for column in ("Stage", "Reached", "Won", "Win rate", "Benchmark", "Status"):
        wins.add_column(column)
    for w in m.win_rates:
        rate = f"{w.win_rate_pct}%" if w.win_rate_pct is not None else "-"
        bench = f"{w.benchmark_pct[0]}-{w.benchmark_pct[1]}%"
        wins.add_row(w.stage_name, str(w.reached), str(w.won), rate, bench, w.status)
    owners = Table(title=f"Owners, {m.quarter}")
    for column in ("Owner", "Identified", "Qualified", "Won", "Revenue", "Portfolio ARR", "% of ARR"):
        owners.add_column(column)
    for o in m.owners:
        pct = f"{o.revenue_pct}%" if o.revenue_pct is not None else "-"
        owners.add_row(
            o.owner_name,
            str(o.identified),
            str(o.qualified),
            str(o.won),
            money(o.expansion_revenue),
            money(o.portfolio_arr),
            pct,
        )
    console.print(Group(ttc, wins, owners))
