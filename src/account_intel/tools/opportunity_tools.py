"""Opportunity tools: the ranked, sized expansion candidates of one account (from `analytics.account_analysis`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from langchain.tools import ToolRuntime, tool
from pydantic import BaseModel, Field

from account_intel.analytics.account_analysis import AccountAnalysis, analyze_account
from account_intel.analytics.evidence import Evidence
from account_intel.analytics.health.config import load_weights
from account_intel.analytics.opportunities.models import ExpansionOpportunity
from account_intel.tools.account_tools import ACCOUNT_ID
from account_intel.tools.analytics_tools import SizingOut
from account_intel.tools.context import ToolContext
from account_intel.tools.results import Amount, EvidenceRef, emit, fence, refs, top
from account_intel.tools.scope import scoped_account, tool_errors
from account_intel.tools.specs import SideEffect

SHOWN_CANDIDATE_EVIDENCE = 2


class OpportunitiesInput(BaseModel):
    """Which account and how many candidates."""

    account_id: str | None = ACCOUNT_ID
    limit: int = Field(default=6, ge=1, le=15, description="Most candidates to return, best first.")


class CandidateOut(BaseModel):
    """One ranked expansion candidate: what, why now, how much, how likely, how soon, which play."""

    id: str = Field(description="Candidate id to recommend by.")
    name: str
    level: str | None = Field(default=None, description="Whitespace level: HIGH, MED or LOW.")
    trigger: str | None = Field(default=None, description="Why now, quoted from the data.")
    potential: SizingOut = Field(description="ARR if won, at list price, with its formula.")
    in_totals: bool = Field(description="Counted in totals and scenarios (no double counting).")
    note: str | None = None
    propensity: float = Field(description="0-100.")
    propensity_band: str
    probability: Amount = Field(description="Close probability 0-1.")
    expected_value: Amount = Field(description="potential × probability.")
    priority: Amount = Field(description="Ranking score: potential × propensity / 100 × readiness weight.")
    readiness: str = Field(description="immediate, 30-60, 60-90 or 90+ days.")
    budget: str
    access: str
    pipeline_tier: int | None = Field(default=None, description="Pipeline priority 1-4 (P1-P4); null if none.")
    campaign_tier: str = Field(description="Campaign target list: close_now, develop or nurture.")
    timeline_days: tuple[int, int]
    play: str
    bant_qualified: bool
    signals: list[str] | None = Field(default=None, description="Kinds of the signals on the target.")
    evidence: list[EvidenceRef]
    more_evidence: int | None = None


class ScenariosOut(BaseModel):
    """Scenarios over the counted candidates: conservative <= base <= upside <= total_potential."""

    conservative_90d: Amount = Field(description="Σ potential × probability × timing within 90 days.")
    base: dict[int, Amount] = Field(description="Committed candidates closing within N days (at least conservative).")
    upside: Amount = Field(description="Every candidate with a signal closing within upside_window_days.")
    upside_window_days: int
    nrr_pct: Amount = Field(description="NRR of the base case in 90 days, %.")


class NrrOut(BaseModel):
    """The quarter's retention with the base case's 90-day expansion and the band's expected churn."""

    starting_arr: Amount
    expansion: Amount
    expected_churn: Amount
    grr_pct: Amount | None = None
    nrr_pct: Amount | None = None


class GapsOut(BaseModel):
    """Stakeholder gaps that bear on the candidates."""

    active_contacts: int
    missing_roles: list[str]
    multi_thread: bool
    targets_without_contact: list[str] | None = None


class OpportunitiesResult(BaseModel):
    """The account's route and its ranked candidates, with scenarios and NRR impact."""

    account_id: str
    as_of: date
    route: str = Field(description="expand, rescue (Red health) or none.")
    route_reason: str
    rescue_play: list[str] | None = Field(default=None, description="Steps of the rescue play, for a Red account.")
    total_candidates: int
    total_potential: Amount = Field(description="Σ potential of every counted candidate (in_totals), not only shown.")
    candidates: list[CandidateOut]
    scenarios: ScenariosOut | None = None
    nrr_impact: NrrOut | None = None
    stakeholder_gaps: GapsOut | None = None


def _candidate(o: ExpansionOpportunity) -> CandidateOut:
    evidence, more = refs(o.evidence, SHOWN_CANDIDATE_EVIDENCE)
    return CandidateOut(
        id=o.id,
        name=o.name,
        level=o.level,
        trigger=fence(o.trigger, 160),
        potential=SizingOut(formula=o.potential.formula, inputs=o.potential.inputs, value=o.potential.value),
        in_totals=o.in_totals,
        note=o.note,
        propensity=o.propensity.score,
        propensity_band=o.propensity.band,
        probability=o.probability,
        expected_value=Decimal(o.expected_value.value),
        priority=Decimal(o.priority.value),
        readiness=o.readiness.bucket.value,
        budget=o.readiness.budget,
        access=o.readiness.access,
        pipeline_tier=o.pipeline_tier,
        campaign_tier=o.campaign_tier.value,
        timeline_days=o.timeline_days,
        play=o.play.key,
        bant_qualified=o.bant.qualified,
        signals=list(dict.fromkeys(s.kind for s in o.signals)) or None,
        evidence=evidence,
        more_evidence=more or None,
    )


def _result(analysis: AccountAnalysis, limit: int) -> tuple[OpportunitiesResult, list[Evidence]]:
    shown, _ = top(analysis.opportunities, limit)
    s, n, g = analysis.scenarios, analysis.nrr_impact, analysis.stakeholder_gaps
    result = OpportunitiesResult(
        account_id=analysis.account_id,
        as_of=analysis.as_of,
        route=analysis.route,
        route_reason=analysis.route_reason,
        rescue_play=list(analysis.rescue_play.steps) if analysis.rescue_play else None,
        total_candidates=len(analysis.opportunities),
        total_potential=analysis.total_potential,
        candidates=[_candidate(o) for o in shown],
        scenarios=ScenariosOut(
            conservative_90d=s.conservative,
            base=s.base,
            upside=s.upside,
            upside_window_days=s.upside_window_days,
            nrr_pct=s.nrr_pct,
        )
        if s
        else None,
        nrr_impact=NrrOut(
            starting_arr=n.starting_arr,
            expansion=n.expansion,
            expected_churn=n.expected_churn,
            grr_pct=n.forecast.grr_pct if n.forecast else None,
            nrr_pct=n.forecast.nrr_pct if n.forecast else None,
        )
        if n
        else None,
        stakeholder_gaps=GapsOut(
            active_contacts=g.active_contacts,
            missing_roles=g.missing_roles,
            multi_thread=g.multi_thread,
            targets_without_contact=g.targets_without_contact or None,
        )
        if g
        else None,
    )
    return result, [e for o in shown for e in o.evidence]


@tool(args_schema=OpportunitiesInput)
def get_opportunities(account_id: str | None = None, limit: int = 6, *, runtime: ToolRuntime[ToolContext]) -> str:
    """Ranked expansion candidates with size, propensity, probability, readiness, EV; scenarios and NRR impact."""
    context = runtime.context
    with tool_errors(), context.sessions() as session:
        account = scoped_account(session, context, account_id)
        key = ("analysis", account.id, context.as_of)  # the same in every call of this run: the tools only read
        analysis = context.memo.get(key)
        if analysis is None:
            weights = load_weights(home=context.settings.home)
            analysis = context.memo[key] = analyze_account(session, account.id, context.as_of, health_config=weights)
    result, evidence = _result(analysis, limit)
    return emit(context, result, evidence)


SIDE_EFFECT = SideEffect.READ
TOOLS = (get_opportunities,)
