"""Rich rendering of an account profile for `accounts show`."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from account_intel.cli.common import money
from account_intel.domain.wording import count
from account_intel.queries.account_profile import AccountProfile

NOT_SERVED = Text("no", "yellow")


def _days(days: int | None) -> str:
    return (
        ""
        if days is None
        else (f" (in {count(days, 'day', zero='0')})" if days >= 0 else f" ({count(-days, 'day')} ago)")
    )


def render_profile(console: Console, p: AccountProfile) -> None:
    """Print the profile as panels and tables."""
    owners = ", ".join(f"{role.upper()}: {name}" for role, name in p.owners.items() if name) or "none"
    override = f" (manual: {p.tier_override_reason})" if p.tier_override_reason else ""
    head = Table.grid(padding=(0, 2))
    head.add_row(
        "ARR",
        f"{money(p.arr)}   Account tier {p.tier.value}{override}   Segment {p.segment.value}   Plan {p.plan or '-'}",
    )
    head.add_row(
        "Status",
        f"{p.status.value}   Industry {p.industry or '-'}   Headcount {p.headcount or '-'}   HQ {p.hq_country or '-'}"
        f"   Language {p.language or 'default'}",
    )
    since = f"{p.customer_since} ({count(p.months_as_customer, 'month', zero='0')})" if p.customer_since else "-"
    head.add_row("Customer since", since)
    head.add_row("Renewal", f"{p.renewal_date or '-'}{_days(p.days_to_renewal)}")
    head.add_row("Next QBR", f"{p.next_qbr_date or '-'}{_days(p.days_to_qbr)}")
    head.add_row("Owners", owners)
    champion = Text(p.champion) if p.champion else Text("none", "bold red")
    head.add_row("Champion", Text.assemble(champion, f"   Active contacts {p.active_contacts}"))
    a = p.adoption
    head.add_row(
        "Adoption",
        f"{a.features_used} of {a.features_available} features, "
        f"{a.integrations_used} of {a.integrations_available} integrations",
    )
    t = p.tickets
    cats = ", ".join(f"{k} {v}" for k, v in sorted(t.by_category.items())) or "none"
    head.add_row("Tickets", f"{t.opened} in {t.window_days} days ({t.escalated} escalated): {cats}")
    s = p.surveys
    head.add_row(
        "Surveys",
        f"NPS {'-' if s.latest_nps is None else s.latest_nps}   CSAT {'-' if s.latest_csat is None else s.latest_csat}",
    )
    console.print(Panel(head, title=Text(f"{p.name} ({p.id}) as of {p.as_of}")))

    lines = Table(title="Contract lines in force")
    for col in ("Product", "Qty", "Unit price", "Annual", "Department", "Geography", "Since"):
        lines.add_column(col)
    for line in p.lines:
        lines.add_row(
            line.product,
            str(line.quantity),
            money(line.unit_price),
            money(line.annual_value),
            line.department or "-",
            line.geography or "-",
            str(line.start_date),
        )
    depts = Table(title="Departments")
    for col in ("Department", "Headcount", "Served", "Seats"):
        depts.add_column(col)
    for d in p.departments:
        depts.add_row(d.name, str(d.headcount or "-"), "yes" if d.served else NOT_SERVED, str(d.seats))
    geos = Table(title="Geographies")
    for col in ("Location", "Headcount", "Served"):
        geos.add_column(col)
    for g in p.geographies:
        geos.add_row(g.name + (" (HQ)" if g.is_hq else ""), str(g.headcount or "-"), "yes" if g.served else NOT_SERVED)
    usage = Table(title="Usage (latest period)")
    for col in ("Metric", "Period", "Value", "Limit", "Use"):
        usage.add_column(col)
    for u in p.usage:
        pct = f"{u.utilisation * 100:.0f}%" if u.utilisation is not None else "-"
        usage.add_row(u.metric, str(u.period_start), f"{u.value:,}", f"{u.plan_limit:,}" if u.plan_limit else "-", pct)
    contacts = Table(title="Contacts")
    for col in ("Name", "Title", "Department", "Role", "Flags"):
        contacts.add_column(col)
    for c in p.contacts:
        flags = ", ".join(f for f, on in (("inactive", not c.active), ("do-not-contact", c.do_not_contact)) if on)
        contacts.add_row(
            c.name, c.title or "-", c.department or "-", c.meddicc_role.value if c.meddicc_role else "-", flags
        )
    opps = Table(title="Expansion opportunities")
    for col in ("Id", "Name", "Type", "Stage", "Value", "Closed"):
        opps.add_column(col)
    for o in p.opportunities:
        opps.add_row(o.id, o.name, o.type, o.stage.value, money(o.value), str(o.closed_on or "-"))
    events = Table(title="Org events")
    for col in ("Date", "Kind", "Description"):
        events.add_column(col)
    for e in p.org_events:
        events.add_row(str(e.occurred_on), e.kind, e.description)
    notes = Table(title="Recent activities")
    for col in ("Date", "Kind", "Subject", "Text"):
        notes.add_column(col, overflow="fold")
    for act in p.recent_activities:
        notes.add_row(str(act.occurred_on), act.kind, act.subject or "-", (act.body or "")[:240])
    console.print(Group(lines, depts, geos, usage, contacts, opps, events, notes))
