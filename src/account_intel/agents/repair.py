"""check_grounding's work: verify every agent output, give ungrounded items one repair attempt on the llm brain,
and replace what is still ungrounded with the rules brain's item, flagged."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from langchain_core.messages import AIMessage
from pydantic import BaseModel

from account_intel.agents.brains import FALLBACK_ERRORS
from account_intel.agents.grounding import (
    GroundingIssue,
    check_claim,
    check_evidence,
    check_figure,
    check_findings,
    check_recommendation,
)
from account_intel.agents.outreach_screen import Cooldown, screen_outreach
from account_intel.agents.schemas import (
    Claim,
    Figure,
    HealthAssessment,
    OpportunityFindings,
    Recommendation,
    SegmentPlacement,
)
from account_intel.content.templates import load_template, render
from account_intel.llm.retry import retrying
from account_intel.llm.usage import CallUsage
from account_intel.tools.context import EvidenceSink, ToolContext


class RepairedClaims(BaseModel):
    """Corrected claims, in the order they were given."""

    items: list[Claim]


class RepairedRecommendations(BaseModel):
    """Corrected recommendations, in the order they were given."""

    items: list[Recommendation]


def _claim_issues(claims: list[Claim], sink: EvidenceSink, prefix: str) -> dict[str, list[GroundingIssue]]:
    return {f"{prefix}[{i}]": check_claim(c, sink, f"{prefix}[{i}]") for i, c in enumerate(claims)}


def health_issues(h: HealthAssessment, sink: EvidenceSink) -> dict[str, list[GroundingIssue]]:
    """Issues per item of a health assessment."""
    out = {"score": check_figure(Figure(label="score", value=h.score, unit="score"), sink, "score")}
    out |= _claim_issues(h.drivers, sink, "drivers") | _claim_issues(h.risks, sink, "risks")
    return out


def placement_issues(p: SegmentPlacement, sink: EvidenceSink) -> dict[str, list[GroundingIssue]]:
    """Issues per item of a segment placement."""
    return _claim_issues(p.rationale, sink, "rationale") | _claim_issues(p.peer_benchmark, sink, "peer_benchmark")


def _bad(issues: dict[str, list[GroundingIssue]]) -> dict[str, list[GroundingIssue]]:
    return {path: found for path, found in issues.items() if found}


def _repair(
    runner: Any,
    agent: str,
    ctx: ToolContext,
    items: list[BaseModel],
    issues: list[list[GroundingIssue]],
    schema: type[BaseModel],
) -> list[BaseModel] | None:
    """One repair call for a list of ungrounded items; None when no llm is available or the call fails."""
    if runner.mode != "llm" or runner.llm is None:
        return None
    spec = runner.specs[agent]
    prompt = render(
        load_template("repair_items", ctx.settings.content_dir),
        items=json.dumps([i.model_dump(mode="json") for i in items], indent=1),
        issues=json.dumps([[x.model_dump() for x in found] for found in issues], indent=1),
        evidence_ids=json.dumps(sorted(ctx.sink.evidence)[:400]),
    )
    model = runner.llm.chat_model(spec.model_role).with_structured_output(
        schema, method="function_calling", include_raw=True
    )
    try:
        for attempt in retrying(
            runner.llm.settings.llm_max_attempts,
            runner.llm.settings.llm_backoff_max_seconds,
            runner.sleep or time.sleep,
        ):
            with attempt:
                if runner.ledger.used(str(ctx.account_id)) >= runner.ledger.account_budget:
                    return None
                out = model.invoke(
                    [{"role": "system", "content": spec.system_prompt}, {"role": "user", "content": prompt}]
                )
    except FALLBACK_ERRORS:  # a failed repair attempt means: replace by the rules brain's item
        return None
    raw = out.get("raw")
    if isinstance(raw, AIMessage) and raw.usage_metadata:
        runner.ledger.calls.append(
            CallUsage(
                agent=f"{agent}:repair",
                account_id=str(ctx.account_id),
                input_tokens=raw.usage_metadata["input_tokens"],
                output_tokens=raw.usage_metadata["output_tokens"],
            )
        )
    parsed = out.get("parsed")
    if parsed is None or len(parsed.items) != len(items):
        return None
    return list(parsed.items)


def _fix_claims(
    runner: Any,
    agent: str,
    ctx: ToolContext,
    claims: list[Claim],
    rules_claims: list[Claim],
    prefix: str,
    report: dict[str, list[str]],
) -> list[Claim]:
    issues = _claim_issues(claims, ctx.sink, prefix)
    bad = [i for i, c in enumerate(claims) if issues[f"{prefix}[{i}]"]]
    if not bad:
        return claims
    repaired = _repair(
        runner, agent, ctx, [claims[i] for i in bad], [issues[f"{prefix}[{i}]"] for i in bad], RepairedClaims
    )
    out = list(claims)
    for n, index in enumerate(bad):
        path = f"{agent}.{prefix}[{index}]"
        candidate = repaired[n] if repaired else None
        if candidate is not None and not check_claim(candidate, ctx.sink, path):
            out[index] = candidate.model_copy(update={"flags": [*candidate.flags, "repaired"]})
            report["repaired"].append(path)
        elif index < len(rules_claims):
            out[index] = rules_claims[index].model_copy(update={"flags": ["replaced_by_rules"]})
            report["replaced"].append(path)
        else:
            out[index] = None  # type: ignore[call-overload]
            report["dropped"].append(path)
    return [c for c in out if c is not None]


def ground_outputs(
    runner: Any, ctx: ToolContext, state: dict[str, Any], task: dict[str, Any]
) -> tuple[dict, dict, dict, dict]:
    """Check, repair and replace; returns the grounded outputs (as JSON) and the grounding report."""
    health = HealthAssessment.model_validate(state["health"])
    placement = SegmentPlacement.model_validate(state["placement"])
    findings = OpportunityFindings.model_validate(state["findings"])
    report: dict[str, list[str]] = {"repaired": [], "replaced": [], "dropped": [], "issues": []}
    brains = state.get("brains", {})
    rules_cache: dict[str, BaseModel] = {}

    def rules(agent: str) -> Any:
        if agent not in rules_cache:
            rules_cache[agent] = runner.run_rules(agent, ctx, task)
        return rules_cache[agent]

    before = (
        _bad(health_issues(health, ctx.sink))
        | _bad(placement_issues(placement, ctx.sink))
        | _bad(check_findings(findings, ctx.sink))
    )
    report["issues"] = [f"{i.path}: {i.detail}" for found in before.values() for i in found]
    if before:
        if _bad(health_issues(health, ctx.sink)):
            rh = rules("health-scorer")
            if check_figure(Figure(label="score", value=health.score, unit="score"), ctx.sink, "score"):
                health = health.model_copy(update={"score": rh.score, "band": rh.band})
                report["replaced"].append("health-scorer.score")
            health = health.model_copy(
                update={
                    "drivers": _fix_claims(runner, "health-scorer", ctx, health.drivers, rh.drivers, "drivers", report),
                    "risks": _fix_claims(runner, "health-scorer", ctx, health.risks, rh.risks, "risks", report),
                }
            )
        if _bad(placement_issues(placement, ctx.sink)):
            rp = rules("segmentation-analyst")
            placement = placement.model_copy(
                update={
                    "rationale": _fix_claims(
                        runner, "segmentation-analyst", ctx, placement.rationale, rp.rationale, "rationale", report
                    ),
                    "peer_benchmark": _fix_claims(
                        runner,
                        "segmentation-analyst",
                        ctx,
                        placement.peer_benchmark,
                        rp.peer_benchmark,
                        "peer_benchmark",
                        report,
                    ),
                }
            )
        if _bad(check_findings(findings, ctx.sink)):
            findings = _fix_findings(runner, ctx, findings, rules("opportunity-identifier"), report)
    with ctx.sessions() as session:
        outreach, dropped = screen_outreach(
            session,
            findings.outreach,
            account_id=state["account_id"],  # the run's account, never the one the model names
            max_drafts=ctx.settings.outreach_max_drafts_per_run,
            cooldown=Cooldown(
                days=ctx.settings.outreach_cooldown_days,
                now=ctx.clock.now() if ctx.clock else datetime.now(UTC),
                thread_id=ctx.run_id,
            ),
        )
    findings = findings.model_copy(update={"outreach": outreach})
    report["dropped"] += [f"opportunity-identifier.{d}" for d in dropped]
    checked = (
        health_issues(health, ctx.sink) | placement_issues(placement, ctx.sink) | check_findings(findings, ctx.sink)
    )
    remaining = _bad(checked)
    summary = {
        **report,
        "checked": len(checked),
        "grounded": len(checked) - len(remaining),
        "remaining": [f"{i.path}: {i.detail}" for found in remaining.values() for i in found],
        "brains": {k: v.get("brain") for k, v in brains.items()},
    }
    return health.model_dump(mode="json"), placement.model_dump(mode="json"), findings.model_dump(mode="json"), summary


def _fix_findings(
    runner: Any, ctx: ToolContext, f: OpportunityFindings, rules_f: OpportunityFindings, report: dict[str, list[str]]
) -> OpportunityFindings:
    agent = "opportunity-identifier"
    recs = list(f.recommendations)
    bad = [i for i, r in enumerate(recs) if check_recommendation(r, ctx.sink, f"recommendations[{i}]")]
    if bad:
        repaired = _repair(
            runner,
            agent,
            ctx,
            [recs[i] for i in bad],
            [check_recommendation(recs[i], ctx.sink, "r") for i in bad],
            RepairedRecommendations,
        )
        by_id = {r.id: r for r in rules_f.recommendations}
        for n, index in enumerate(bad):
            path = f"{agent}.recommendations[{index}]"
            candidate = repaired[n] if repaired else None
            if (
                candidate is not None
                and not check_recommendation(candidate, ctx.sink, path)
                and candidate.id == recs[index].id
            ):
                recs[index] = candidate.model_copy(update={"flags": [*candidate.flags, "repaired"]})
                report["repaired"].append(path)
            elif recs[index].id in by_id:
                recs[index] = by_id[recs[index].id].model_copy(update={"flags": ["replaced_by_rules"]})
                report["replaced"].append(path)
            else:
                recs[index] = None  # type: ignore[call-overload]
                report["dropped"].append(path)
    update: dict[str, Any] = {"recommendations": [r for r in recs if r is not None]}
    for name in ("total_potential", "target_90d", "nrr_impact"):
        if check_figure(getattr(f, name), ctx.sink, name):
            update[name] = getattr(rules_f, name)
            report["replaced"].append(f"{agent}.{name}")
    if any(check_figure(s, ctx.sink, "s") for s in f.scenarios):
        update["scenarios"] = rules_f.scenarios
        report["replaced"].append(f"{agent}.scenarios")
    for group in ("stakeholder_gaps", "risks", "text_signals"):
        update[group] = _fix_claims(runner, agent, ctx, getattr(f, group), getattr(rules_f, group), group, report)
    if any(check_evidence(o.evidence_ids, ctx.sink, "o") for o in f.outreach):
        update["outreach"] = [o for o in f.outreach if not check_evidence(o.evidence_ids, ctx.sink, "o")]
    return f.model_copy(update=update)
