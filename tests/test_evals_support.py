"""Helpers shared by the eval tests: scenarios from dicts, fixture stores, hand-made brief results."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from account_intel.agents.schemas import (
    Claim,
    Figure,
    HealthAssessment,
    OpportunityFindings,
    Recommendation,
    SegmentPlacement,
)
from account_intel.evals.evaluators.base import EvalInput
from account_intel.evals.fixtures import build_store
from account_intel.evals.scenario import AS_OF, Scenario
from account_intel.runs.brief import BriefResult
from account_intel.settings import Settings
from account_intel.store.engine import Store

EVALS = Path(__file__).resolve().parents[1] / "evals"
TECHFLOW = "ACCT-3421"


def scenario(**fields: Any) -> Scenario:
    """A scenario with defaults for what a test does not care about."""
    base: dict[str, Any] = {
        "id": "test-scenario",
        "title": "test",
        "covers": ["test"],
        "question": {"text": "brief for TechFlow", "account": TECHFLOW},
    }
    return Scenario.model_validate(base | fields)


def fixture_store(tmp_path: Path, s: Scenario) -> Store:
    """The scenario's fixture store under tmp_path."""
    return build_store(s, tmp_path / s.id)


def rec(kind: str, target: str, value: int = 18_000, rid: str | None = None) -> Recommendation:
    """A recommendation as the rules brain writes one."""
    return Recommendation(
        id=rid or f"opp:{TECHFLOW}:{kind}:{target.replace(' ', '_')}",
        type=kind,
        title=f"{kind}: {target}",
        target=f"{kind}: {target}",
        potential_arr=Figure(label="Potential ARR", value=Decimal(value), unit="usd"),
        propensity=80,
        probability=60,
        readiness="30-60",
        current_state="HIGH whitespace",
        trigger="signal",
        play="play",
        timeline="30-60 days",
        rationale="why",
        evidence_ids=[f"department:{TECHFLOW}-DEP-2"],
    )


def findings(recs: list[Recommendation], route: str = "expand", **fields: Any) -> OpportunityFindings:
    """Findings around the given recommendations; totals as the sum of their potentials."""
    values = [r.potential_arr.value for r in recs]
    total = Figure(
        label="Total", value=sum(values, Decimal(0)), unit="usd", formula="sum" if values else None, inputs=values
    )
    zero = Figure(label="x", value=Decimal(0), unit="usd")
    return OpportunityFindings(
        account_id=TECHFLOW,
        route=route,  # type: ignore[arg-type]
        recommendations=recs,
        total_potential=total,
        target_90d=zero,
        scenarios=[],
        nrr_impact=Figure(label="NRR", value=Decimal(100), unit="percent"),
        **fields,
    )


def health(band: str = "Green", score: str = "82.0") -> HealthAssessment:
    """A health assessment citing TechFlow's ARR evidence."""
    return HealthAssessment(
        account_id=TECHFLOW,
        score=Decimal(score),
        band=band,  # type: ignore[arg-type]
        drivers=[Claim(text="usage is strong", evidence_ids=[f"account:{TECHFLOW}:arr"])],
        decline_flagged=False,
        expansion_ready=band != "Red",
        summary="ok",
    )


def placement(segment: str = "Enterprise", tier: str = "T3", route: str = "expand") -> SegmentPlacement:
    """A placement of TechFlow."""
    return SegmentPlacement(
        account_id=TECHFLOW,
        segment=segment,  # type: ignore[arg-type]
        tier=tier,  # type: ignore[arg-type]
        campaign_tier="close_now",
        route=route,  # type: ignore[arg-type]
        rationale=[Claim(text="Enterprise by ARR", evidence_ids=[f"account:{TECHFLOW}:arr"])],
    )


def brief(**fields: Any) -> BriefResult:
    """A completed brief result with the given parts."""
    base: dict[str, Any] = {"account_id": TECHFLOW, "thread_id": f"brief:{TECHFLOW}:2024-11-30", "status": "completed"}
    return BriefResult.model_validate(base | fields)


def eval_input(s: Scenario, result: BriefResult, store: Store, tmp_path: Path) -> EvalInput:
    """What an evaluator gets for one account's run."""
    return EvalInput(
        scenario=s,
        expect=s.expectations_for(result.account_id),
        account_id=result.account_id,
        result=result,
        store=store,
        settings=Settings(home=tmp_path / "home", db_url=store.url),
        as_of=AS_OF,
        brain="rules",
    )
