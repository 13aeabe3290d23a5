"""BANT qualification of an expansion opportunity: Budget, Authority, Need, Timing.

Each element is known, partial or unknown, with the rows behind it:

- Budget: known when a note says the budget is approved for the target; partial when it is likely (a new-budget
  event, an initiative, the renewal or a fiscal year start near); else unknown.
- Authority: known with an active economic buyer or decision maker (or an executive) in the target department,
  or anywhere for an account-wide purchase; partial with only a contact in the target or an active champion who
  can introduce; else unknown.
- Need: known at whitespace level HIGH, partial at MED (or a renewal-time opportunity), unknown at LOW.
- Timing: known when readiness is immediate or rests on a dated fact (renewal, budget, opening, a conversation);
  partial for a 30-90 day estimate without one; unknown otherwise.

Qualified: the need is known and at most one other element is unknown. Score: known 1, partial 0.5, over four.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from account_intel.analytics.evidence import Evidence, row_evidence
from account_intel.analytics.facts import ContactFact
from account_intel.analytics.opportunities.readiness import ReadinessResult
from account_intel.analytics.propensity.config import ReadinessBucket

Status = Literal["known", "partial", "unknown"]
BUYERS = ("economic_buyer", "decision_maker")
_POINTS = {"known": 1.0, "partial": 0.5, "unknown": 0.0}
BUDGET_METRICS = ("budget", "new_budget", "initiative", "renewal_date", "fiscal_year_start_month")


class BantElement(BaseModel):
    """One BANT element: its status, a short note and the rows behind it."""

    status: Status
    note: str = Field(description="What the status rests on, built from the data.")
    evidence: list[Evidence] = Field(default_factory=list)


class Bant(BaseModel):
    """Budget, Authority, Need and Timing of one opportunity."""

    budget: BantElement
    authority: BantElement
    need: BantElement
    timing: BantElement
    score: float = Field(description="known 1, partial 0.5, unknown 0; averaged over the four (0-1).")
    qualified: bool = Field(description="Need known and at most one other element unknown.")


def _contact_ev(contact: ContactFact) -> Evidence:
    return row_evidence("contact", contact.id, "meddicc_role", value=contact.role or contact.title)


def authority(contacts: Sequence[ContactFact], department_id: str | None) -> BantElement:
    """Who can sign: a buyer (or executive) in the target, else a contact there or a champion who can introduce."""
    pool = [c for c in contacts if c.department_id == department_id] if department_id else list(contacts)
    buyers = [c for c in pool if c.role in BUYERS or c.is_executive]
    if buyers:
        names = ", ".join(f"{c.name} ({c.title or c.role})" for c in buyers[:2])
        return BantElement(status="known", note=f"buyer: {names}", evidence=[_contact_ev(c) for c in buyers])
    champions = [c for c in contacts if c.role == "champion"]
    if pool and department_id:
        names = ", ".join(c.name for c in pool[:2])
        return BantElement(
            status="partial", note=f"contact in the target, no buyer: {names}", evidence=[_contact_ev(c) for c in pool]
        )
    if champions:
        c = champions[0]
        note = f"champion {c.name} can introduce the buyer" + (" (decision maker TBD)" if department_id else "")
        return BantElement(status="partial", note=note, evidence=[_contact_ev(c)])
    return BantElement(status="unknown", note="no buyer or champion among active contacts")


def build_bant(
    *,
    readiness: ReadinessResult,
    authority_element: BantElement,
    level: str | None,
    need_evidence: list[Evidence],
    renewal_time: bool,
) -> Bant:
    """The four elements, the score and whether the opportunity qualifies."""
    budget_status: Status = {"approved": "known", "likely": "partial", "unknown": "unknown"}[readiness.budget]  # type: ignore[assignment]
    budget = BantElement(
        status=budget_status,
        note={"known": "budget approved", "partial": "budget likely", "unknown": "no budget evidence"}[budget_status],
        evidence=[e for e in readiness.evidence if e.metric in BUDGET_METRICS],
    )
    if renewal_time:
        need = BantElement(status="partial", note="renewal-time opportunity", evidence=need_evidence)
    else:
        need_status: Status = "known" if level == "HIGH" else "partial" if level == "MED" else "unknown"
        need = BantElement(status=need_status, note=f"whitespace level {level or 'none'}", evidence=need_evidence)
    dated = [e for e in readiness.evidence if e.period is not None or e.metric == "renewal_date"]
    if readiness.bucket is ReadinessBucket.IMMEDIATE or (dated and readiness.bucket is not ReadinessBucket.D90_PLUS):
        timing_status: Status = "known"
    elif dated or readiness.bucket in (ReadinessBucket.D30_60, ReadinessBucket.D60_90):
        timing_status = "partial"
    else:
        timing_status = "unknown"
    timing = BantElement(
        status=timing_status, note=f"{readiness.bucket.value}: {'; '.join(readiness.reasons)}", evidence=dated
    )
    elements = (budget, authority_element, need, timing)
    unknown = sum(1 for e in (budget, authority_element, timing) if e.status == "unknown")
    return Bant(
        budget=budget,
        authority=authority_element,
        need=need,
        timing=timing,
        score=round(sum(_POINTS[e.status] for e in elements) / 4, 3),
        qualified=need.status == "known" and unknown <= 1,
    )
