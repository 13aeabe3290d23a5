"""The weekly run's portfolio report: Markdown (template `portfolio_summary`) and JSON under the week's folder.

The figures come from `analytics.portfolio` (pipeline by priority, type and segment; GRR and NRR; the campaign target
list assigned within owner capacity), the run's own outcome from the weekly summary, and capacity per owner from the
team's capacity, the open opportunities they already own and what the target list assigned to them.
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field
from sqlalchemy import select

from account_intel.analytics.health.config import HealthConfig
from account_intel.analytics.portfolio.pipeline import PortfolioReport, owners, portfolio_report
from account_intel.content.templates import load_template, render
from account_intel.deliverables.whitespace_text import short_money
from account_intel.domain.pipeline_priority import PRIORITY_MEANING, priority_code
from account_intel.domain.tiering import Thresholds
from account_intel.domain.wording import label
from account_intel.files import write_text
from account_intel.graph.portfolio import AccountRunItem
from account_intel.queries.names import account_names
from account_intel.settings import Settings
from account_intel.store.engine import Store
from account_intel.store.models import Account, User

if TYPE_CHECKING:
    from account_intel.runs.weekly import WeeklySummary

TARGETS_SHOWN = 25
CHUNK = 500


class OwnerCapacityRow(BaseModel):
    """One owner's expansion capacity before and after the target list was assigned."""

    owner_id: str
    name: str
    role: str
    accounts: int = Field(description="Accounts in scope this person owns (as CSM, AE or AM).")
    capacity: int = Field(description="Open opportunities this person can carry.")
    open_before: int = Field(description="Open opportunities already owned.")
    assigned: int = Field(description="Target-list opportunities assigned this week.")
    open_after: int
    room: int = Field(description="capacity - open_after (negative: over capacity).")


def capacity_rows(store: Store, report: PortfolioReport, account_ids: list[str]) -> list[OwnerCapacityRow]:
    """Capacity per active AE, CSM and AM, with the accounts in scope each one owns."""
    owned: Counter[str] = Counter()
    with store.sessions() as session:
        team = owners(session)
        people = {u.id: u for u in session.scalars(select(User).where(User.id.in_([o.id for o in team])))}
        for start in range(0, len(account_ids), CHUNK):
            chunk = account_ids[start : start + CHUNK]
            stmt = select(Account.csm_id, Account.ae_id, Account.am_id).where(Account.id.in_(chunk))
            for row in session.execute(stmt):
                owned.update({person for person in row if person})
    rows = []
    for o in team:
        after = report.owner_load.get(o.id, o.open_count)
        rows.append(
            OwnerCapacityRow(
                owner_id=o.id,
                name=people[o.id].name if o.id in people else o.id,
                role=people[o.id].role.value if o.id in people else "",
                accounts=owned.get(o.id, 0),
                capacity=o.capacity,
                open_before=o.open_count,
                assigned=after - o.open_count,
                open_after=after,
                room=o.capacity - after,
            )
        )
    return sorted(rows, key=lambda r: (r.role, r.owner_id))


def _money(value: Decimal | None) -> str:
    return "-" if value is None else short_money(value)


def _pct(value: Decimal | None) -> str:
    return "-" if value is None else f"{value}%"


def portfolio_view(report: PortfolioReport, owner_names: dict[str, str] | None = None) -> dict[str, Any]:
    """The report with its money and percentages formatted for the template (numbers stay in the JSON)."""
    named = owner_names or {}
    f = report.retention.forecast
    churn = report.retention.churn
    return {
        "as_of": report.as_of.isoformat(),
        "segment": report.segment_expression,
        "active_accounts": report.active_accounts,
        "accounts_with_opportunities": report.accounts_with_opportunities,
        "rescue_accounts": report.rescue_accounts,
        "opportunities": report.opportunities,
        "total_potential": _money(report.total_potential),
        "expected_value": _money(report.expected_value),
        "active_arr": _money(report.retention.starting_arr),
        "average_potential": _money(report.average_potential),
        "tiers": [
            {
                "priority": priority_code(t.tier),
                "meaning": PRIORITY_MEANING.get(t.tier or 0, "below every priority"),
                "accounts": t.accounts,
                "potential": _money(t.total_potential),
                "average": _money(t.average_potential),
                "propensity": f"{t.average_propensity:.0f}",
                "expected": _money(t.expected),
            }
            for t in report.tiers
        ],
        "types": [
            {
                "type": t.type,
                "count": t.opportunities,
                "potential": _money(t.total_potential),
                "share": _pct(t.share_pct),
                "expected": _money(t.expected),
            }
            for t in report.types
        ],
        "segments": [
            {
                "segment": s.segment,
                "accounts": s.accounts,
                "arr": _money(s.arr),
                "with": s.accounts_with_opportunities,
                "potential": _money(s.total_potential),
                "share": _pct(s.share_pct),
            }
            for s in report.segments
        ],
        "retention": {
            "starting_arr": _money(report.retention.starting_arr),
            "churn": _money(churn.expected_churn),
            "expansion": _money(report.retention.expansion.conservative),
            "grr": _pct(f.grr_pct) if f else "-",
            "nrr": _pct(f.nrr_pct) if f else "-",
            "period": f"{report.retention.period_start} to {report.retention.period_end}",
        },
        "campaign": [
            {"list": c.campaign_tier.value, "count": c.opportunities, "potential": _money(c.total_potential)}
            for c in report.campaign
        ],
        "targets": [
            {
                "account": row.account_name,
                "opportunity": f"{label(row.type)}: {row.target}",
                "campaign": row.campaign_tier.value,
                "priority": priority_code(row.pipeline_tier),
                "potential": _money(row.potential),
                "probability": f"{row.probability:.0%}",
                "owner": named.get(row.owner_id, row.owner_id) if row.owner_id else "unassigned",
            }
            for row in report.target_list[:TARGETS_SHOWN]
        ],
        "targets_total": len(report.target_list),
        "unassigned": report.unassigned,
    }


def write_weekly_report(
    store: Store,
    settings: Settings,
    *,
    folder: Path,
    summary: WeeklySummary,
    items: list[AccountRunItem],
    health: HealthConfig,
    thresholds: Thresholds,
) -> dict[str, str]:
    """Build the portfolio report for the run's scope and write `report.md` and `report.json`; return their paths."""
    with store.sessions() as session:
        report = portfolio_report(
            session,
            summary.as_of,
            segment=summary.segment,
            health_config=health,
            thresholds=thresholds,
            url=store.url,
            workers=1,  # the graph's thread pool is alive here: no forking
        )
    capacity = capacity_rows(store, report, [i.account_id for i in items])
    run = summary.model_dump(mode="json")
    with store.sessions() as session:
        names = account_names(session, ids=[f["account_id"] for f in run["failures"]])
    for failure in run["failures"]:
        failure["account_name"] = names.get(failure["account_id"], failure["account_id"])
    folder.mkdir(parents=True, exist_ok=True)
    md_path, json_path = folder / "report.md", folder / "report.json"
    markdown = render(
        load_template("portfolio_summary", settings.content_dir),
        document=True,
        run=run,
        portfolio=portfolio_view(report, {row.owner_id: row.name for row in capacity}),
        capacity=[row.model_dump(mode="json") for row in capacity],
    )
    write_text(md_path, markdown)
    document = {
        "run": summary.model_dump(mode="json"),
        "portfolio": report.model_dump(mode="json"),
        "capacity": [row.model_dump(mode="json") for row in capacity],
        "accounts": [item.model_dump(mode="json") for item in items],
    }
    write_text(json_path, json.dumps(document, indent=2))
    return {"report_md": str(md_path), "report_json": str(json_path)}
