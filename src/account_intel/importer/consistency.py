"""Consistency between entities of one import: churn signals that disagree, reactivations, rows dated before
the account existed. Nothing here refuses a row; it fills `churned_on` and reports what it found as quirks.

Rule: an account's status comes from the accounts file; churn events are kept as history; churned_on, when blank,
is the date of the account's latest churn event in the import.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from account_intel.domain.enums import AccountStatus, ContractStatus
from account_intel.importer.issues import QuirkLog
from account_intel.importer.references import located
from account_intel.importer.sources import SourceResult
from account_intel.importer.transforms import Record

DATED = {
    "contracts": "start_date",
    "tickets": "opened_at",
    "surveys": "responded_on",
    "activities": "occurred_at",
    "churn_events": "churned_on",
}


def _records(by_entity: dict[str, list[SourceResult]], name: str) -> list[Record]:
    return [record for _, record in located(by_entity.get(name, []))]


def _day(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value  # type: ignore[no-any-return]


def fill_churned_on(by_entity: dict[str, list[SourceResult]], quirks: QuirkLog) -> None:
    """Give churned accounts without a churned_on the date of their latest churn event in the import."""
    latest: dict[str, date] = {}
    for record in _records(by_entity, "churn_events"):
        account, day = record.values["account_id"], record.values["churned_on"]
        if account not in latest or day > latest[account]:
            latest[account] = day
    filled = 0
    for result in by_entity.get("accounts", []):
        if "status" not in result.present:
            continue
        carried = "churned_on" in result.present  # else a stored churned_on is kept unless an event dates it
        for record in result.records:
            values = record.values
            if values["status"] != AccountStatus.CHURNED:
                values.setdefault("churned_on", None)  # an account that is not churned has no churn date
                continue
            if values.get("churned_on") is not None:
                continue
            day = latest.get(values["id"])
            if day is not None or carried:
                values["churned_on"] = day
                filled += day is not None
        if not carried and any("churned_on" in r.values for r in result.records):
            result.present.insert(result.present.index("status") + 1, "churned_on")
    quirks.add(
        "churned_on_from_churn_events",
        "churned accounts given the date of their latest churn event as churned_on",
        "churned_on set from churn_events",
        filled,
    )


def report_churn_agreement(by_entity: dict[str, list[SourceResult]], quirks: QuirkLog) -> None:
    """Count accounts whose churn status, churn events and contract churn flags disagree."""
    accounts = {r.values["id"]: r.values.get("status") for r in _records(by_entity, "accounts")}
    if not accounts or all(status is None for status in accounts.values()):
        return
    churned = {a for a, status in accounts.items() if status == AccountStatus.CHURNED}
    events: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in _records(by_entity, "churn_events"):
        events[record.values["account_id"]].append(record.values)
    open_contracts: set[str] = set()
    flagged_contracts: set[str] = set()
    for record in _records(by_entity, "contracts"):
        values = record.values
        if values.get("end_date") is None and values.get("status") != ContractStatus.CANCELLED:
            open_contracts.add(values["account_id"])
        if record.meta.get("churned"):
            flagged_contracts.add(values["account_id"])
    kept = "status kept from the accounts file; churn events kept as history"
    dated = {r.values["id"] for r in _records(by_entity, "accounts") if r.values.get("churned_on") is not None}
    quirks.add(
        "churned_without_churn_event",
        "accounts flagged churned that have no churn event and no churned_on",
        "status churned kept; churned_on left blank",
        len(churned - set(events) - dated),
    )
    quirks.add(
        "churned_on_without_churn_event",
        "accounts flagged churned with a churned_on but no churn event",
        "status churned and churned_on kept as supplied",
        len((churned - set(events)) & dated),
    )
    quirks.add(
        "churn_events_on_active_accounts",
        "accounts not flagged churned that have churn events",
        kept,
        len((set(events) & set(accounts)) - churned),
    )
    quirks.add(
        "churned_with_open_contracts",
        "accounts flagged churned with a contract that has no end date",
        "contracts kept as exported; they still count towards ARR on the as-of date",
        len(churned & open_contracts),
    )
    has_flags = any("churned" in r.meta for r in _records(by_entity, "contracts"))
    if has_flags:
        quirks.add(
            "churned_contracts_on_active_accounts",
            "accounts not flagged churned with a contract flagged churned",
            "contracts kept (expired after their end date); account status kept",
            len((flagged_contracts & set(accounts)) - churned),
        )
        quirks.add(
            "churned_without_churned_contract",
            "accounts flagged churned with no contract flagged churned",
            "account status kept",
            len(churned - flagged_contracts),
        )
    _report_reactivations(events, churned, quirks)


def _report_reactivations(events: dict[str, list[dict[str, Any]]], churned: set[str], quirks: QuirkLog) -> None:
    reactivations = [e for rows in events.values() for e in rows if e.get("is_reactivation")]
    quirks.add(
        "reactivations",
        f"churn events flagged as reactivations ({len({e['account_id'] for e in reactivations})} accounts)",
        "kept as history; account status still from the accounts file",
        len(reactivations),
    )
    latest_reactivated = sum(
        1
        for account in churned
        if events.get(account) and max(events[account], key=lambda e: e["churned_on"]).get("is_reactivation")
    )
    quirks.add(
        "churned_after_reactivation",
        "churned accounts whose latest churn event is flagged as a reactivation",
        "status churned kept; churned_on is that event's date",
        latest_reactivated,
    )


def report_before_customer_since(by_entity: dict[str, list[SourceResult]], quirks: QuirkLog) -> None:
    """Count rows dated before their account's customer_since (kept as they are)."""
    since = {
        r.values["id"]: r.values.get("customer_since")
        for r in _records(by_entity, "accounts")
        if r.values.get("customer_since")
    }
    if not since:
        return
    for entity, column in DATED.items():
        early = 0
        for record in _records(by_entity, entity):
            start = since.get(record.values["account_id"])
            value = record.values.get(column)
            if start is not None and value is not None and _day(value) < start:
                early += 1
        quirks.add(
            f"{entity}_before_customer_since",
            f"{entity} rows whose {column} is before their account's customer_since",
            "kept as exported",
            early,
        )
