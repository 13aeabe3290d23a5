"""Evidence: the data points behind every number and claim, with ids that resolve to store rows.

Ids are stable across rebuilds of the same data because they use natural keys:
`usage:ACCT-3421:api_calls:2024-11`, `ticket:T-0042`, `survey:SR-9`, `activity:ACT-7`, `contact:C-1`,
`line:CL-3`, `org_event:OE-2`, `account:ACCT-3421:arr`, `department:D-1`, `geography:G-1`, `feature:feat_x`,
`opportunity:EXP-2024-0412`, `product:compliance_suite`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from account_intel.store.models import (
    Account,
    Activity,
    Contact,
    ContractLine,
    Department,
    Feature,
    Geography,
    Opportunity,
    OrgEvent,
    Product,
    SupportTicket,
    SurveyResponse,
    UsageMetric,
)

EvidenceValue = int | Decimal | str | bool | None


class Evidence(BaseModel):
    """One data point: where it comes from (table and row), what it measures, when, and its value."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="Stable evidence id, e.g. usage:ACCT-3421:api_calls:2024-11.")
    source_table: str = Field(description="Store table the value was read from.")
    row_id: str = Field(description="Primary or natural key of the row in that table.")
    metric: str = Field(description="What the value measures, e.g. api_calls, nps, seats, arr.")
    period: str | None = Field(default=None, description="Month (YYYY-MM) or date the value belongs to.")
    value: EvidenceValue = Field(default=None, description="The value itself.")


_PREFIX_TABLE = {
    "usage": "usage_metrics",
    "ticket": "support_tickets",
    "survey": "survey_responses",
    "activity": "activities",
    "contact": "contacts",
    "line": "contract_lines",
    "org_event": "org_events",
    "account": "accounts",
    "department": "departments",
    "geography": "geographies",
    "feature": "features",
    "opportunity": "opportunities",
    "product": "products",
}

_MODELS = {
    "ticket": SupportTicket,
    "survey": SurveyResponse,
    "activity": Activity,
    "contact": Contact,
    "line": ContractLine,
    "org_event": OrgEvent,
    "account": Account,
    "department": Department,
    "geography": Geography,
    "feature": Feature,
    "opportunity": Opportunity,
    "product": Product,
}


def month_key(day: date) -> str:
    """YYYY-MM of a date, the period key of monthly usage evidence."""
    return f"{day.year:04d}-{day.month:02d}"


def usage_evidence(account_id: str, metric: str, period: date, value: EvidenceValue) -> Evidence:
    """Evidence for one monthly usage row (natural key: account, metric, month)."""
    return Evidence(
        id=f"usage:{account_id}:{metric}:{month_key(period)}",
        source_table="usage_metrics",
        row_id=f"{account_id}|{metric}|{period.isoformat()}",
        metric=metric,
        period=month_key(period),
        value=value,
    )


def row_evidence(
    prefix: str, row_id: str, metric: str, value: EvidenceValue = None, period: str | None = None
) -> Evidence:
    """Evidence for a row with its own primary key (ticket, survey, activity, contact, line, ...)."""
    if prefix not in _PREFIX_TABLE:
        raise ValueError(f"unknown evidence prefix {prefix!r}")
    suffix = f":{metric}" if prefix == "account" else ""
    return Evidence(
        id=f"{prefix}:{row_id}{suffix}",
        source_table=_PREFIX_TABLE[prefix],
        row_id=row_id,
        metric=metric,
        period=period,
        value=value,
    )


def resolves(session: Session, evidence_id: str) -> bool:
    """True when the evidence id names a row that exists in the store."""
    prefix, _, rest = evidence_id.partition(":")
    if not rest:
        return False
    if prefix == "usage":
        account_id, metric, period = _split_usage(rest)
        if period is None:
            return False
        year, month = (int(part) for part in period.split("-"))
        stmt = select(UsageMetric.id).where(
            UsageMetric.account_id == account_id,
            UsageMetric.metric == metric,
            UsageMetric.period_start == date(year, month, 1),
        )
        return session.execute(stmt.limit(1)).first() is not None
    model = _MODELS.get(prefix)
    if model is None:
        return False
    row_id = rest.split(":", 1)[0] if prefix == "account" else rest
    return session.get(model, row_id) is not None


def _split_usage(rest: str) -> tuple[str, str, str | None]:
    # account ids and metrics may contain ':' (feature:<id>); the period is always the last part
    head, _, period = rest.rpartition(":")
    account_id, _, metric = head.partition(":")
    if not account_id or not metric or len(period) != 7:
        return account_id, metric, None
    return account_id, metric, period


_NAMED = ("contact", "account", "department", "geography", "product", "feature", "opportunity")


def evidence_names(session: Session, evidence_ids: list[str]) -> dict[str, str]:
    """What each evidence id names, where it names something with a name: 'Priya Raman', 'TechFlow Inc. ARR'."""
    names: dict[str, str] = {}
    for evidence_id in evidence_ids:
        prefix, _, rest = evidence_id.partition(":")
        if prefix not in _NAMED or not rest:
            continue
        row_id, _, metric = rest.partition(":") if prefix == "account" else (rest, "", "")
        row = session.get(_MODELS[prefix], row_id)
        name = getattr(row, "name", None)
        if name:
            names[evidence_id] = f"{name} {'ARR' if metric == 'arr' else metric}".strip()
    return names
