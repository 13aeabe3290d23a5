"""Graph state: only serialisable data, so a checkpoint can be resumed in another process days later."""

from __future__ import annotations

from typing import Any, Literal, TypedDict

RunKind = Literal["brief", "weekly", "qbr"]


class AccountState(TypedDict, total=False):
    """One account's run: inputs, each agent's output (as JSON), grounding, deliverables, drafts and delivery."""

    account_id: str
    as_of: str
    kind: RunKind
    thread_id: str
    brain: str
    inputs_key: str
    computed_at: str
    status: str
    skip_reason: str
    health: dict[str, Any]
    placement: dict[str, Any]
    findings: dict[str, Any]
    grounding: dict[str, Any]
    brains: dict[str, Any]
    deliverables: dict[str, str]
    drafts: list[dict[str, Any]]
    decisions: list[dict[str, Any]]
    delivered: list[str]
    error: str


def thread_id(
    kind: RunKind, account_id: str, *, as_of: str, iso_week: str | None = None, qbr_date: str | None = None
) -> str:
    """Stable thread ids: `brief:<account>:<as-of>`, `weekly:<iso-week>:<account>`, `qbr:<account>:<qbr-date>`."""
    if kind == "weekly":
        return f"weekly:{iso_week}:{account_id}"
    if kind == "qbr":
        return f"qbr:{account_id}:{qbr_date or as_of}"
    return f"brief:{account_id}:{as_of}"
