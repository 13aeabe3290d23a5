"""The rules brain: deterministic code that calls the same tools as the llm brain and fills the same schemas.

Every number it writes is a value a tool returned, and every claim cites the evidence ids the tool gave with it;
so its items are grounded by construction and are what replaces an ungrounded llm item.
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from langchain.tools import ToolRuntime
from langchain_core.tools import BaseTool

from account_intel.agents.schemas import (
    Claim,
    Figure,
    HealthAssessment,
    OpportunityFindings,
    OutreachDraft,
    Recommendation,
    SegmentPlacement,
)
from account_intel.content.letters import write_letter
from account_intel.domain.wording import count, label
from account_intel.tools.context import ToolContext
from account_intel.tools.registry import side_effect_of, tools_named
from account_intel.tools.specs import SideEffect

TOP_DRIVERS = 3
WEAK_COMPONENT = 0.5
CAMPAIGN = {"close_now": "close_now", "develop": "develop", "nurture": "nurture"}
PLAY_NAMES = {
    "seat_expansion": "Seat expansion play: license audit, department mapping, volume pricing, 2-week decision",
    "tier_upgrade": "Tier upgrade play: limits audit, premium trial, ROI case aligned with planning",
    "cross_sell": "Cross-sell play: use-case workshop, 60-day pilot, proposal after the pilot",
    "geographic_expansion": "Land and expand: monitor the new office, reach out when the team onboards",
}


@lru_cache(maxsize=64)
def _tool(name: str, root: Path | None) -> BaseTool:
    return tools_named([name], root)[0]


def call_tool(ctx: ToolContext, name: str, **args: Any) -> dict[str, Any]:
    """Invoke one tool exactly as the agent's ToolNode would, and parse its JSON result.

    A read tool called twice with the same arguments in one run returns a copy of the first result."""
    if not _reads(name, ctx.settings.content_dir):
        return _invoke(ctx, name, args)
    key = ("rules-call", ctx.account_id, ctx.as_of, name, json.dumps(args, sort_keys=True, default=str))
    if (known := ctx.memo.get(key)) is not None:
        return copy.deepcopy(known)
    result = _invoke(ctx, name, args)
    ctx.memo[key] = copy.deepcopy(result)
    return result


@lru_cache(maxsize=64)
def _reads(name: str, root: Path | None) -> bool:
    return side_effect_of(name, root) is SideEffect.READ


def _invoke(ctx: ToolContext, name: str, args: dict[str, Any]) -> dict[str, Any]:
    tool = _tool(name, ctx.settings.content_dir)
    runtime = ToolRuntime(
        state={}, context=ctx, config={}, stream_writer=lambda _: None, tool_call_id="rules", store=None
    )
    message = tool.invoke({"type": "tool_call", "id": "rules", "name": name, "args": {**args, "runtime": runtime}})
    content = message.content if isinstance(message.content, str) else json.dumps(message.content)
    if getattr(message, "status", "success") == "error":
        raise ValueError(f"tool {name} failed: {content}")
    return json.loads(content)


def _ids(items: list[dict[str, Any]] | None) -> list[str]:
    return [e["id"] for e in items or [] if "id" in e]


def _num(value: Any) -> Decimal:
    return Decimal(str(value))


def _few_contacts(active: int) -> str:
    """The multi-threading gap in words: 'No active contact' or 'Only 2 active contacts'."""
    if active == 0:
        return "No active contact: multi-thread before pushing expansion."
    return f"Only {count(active, 'active contact')}: multi-thread before pushing expansion."


def health_scorer(ctx: ToolContext, task: dict[str, Any]) -> HealthAssessment:
    """Score and band as computed; the strongest components as drivers, the weak ones as risks."""
    h = call_tool(ctx, "get_health_breakdown")
    components = [c for c in h["components"] if not c.get("missing") and _ids(c.get("evidence"))]
    ranked = sorted(components, key=lambda c: c["points"], reverse=True)
    drivers = [
        Claim(
            text=f"{c['name']} adds {c['points']} points (sub-score {c['sub_score']}).",
            evidence_ids=_ids(c["evidence"]),
            figures=[Figure(label=f"{c['name']} points", value=_num(c["points"]), unit="score")],
        )
        for c in ranked[:TOP_DRIVERS]
    ]
    moved = h.get("why_moved")
    evidence_all = [i for c in components for i in _ids(c["evidence"])]
    if moved and evidence_all:
        for move in moved["moves"][:2]:
            comp = next((c for c in components if c["name"] == move["component"]), None)
            if comp is not None:
                drivers.append(
                    Claim(
                        text=f"{move['component']} moved {move['delta']} points since {moved['previous_week']}.",
                        evidence_ids=_ids(comp["evidence"]),
                    )
                )
    risks = [
        Claim(text=f"{c['name']} is weak (sub-score {c['sub_score']}).", evidence_ids=_ids(c["evidence"]))
        for c in ranked
        if c.get("sub_score") is not None and c["sub_score"] < WEAK_COMPONENT
    ]
    declined = bool(moved and (moved["band_dropped"] or moved["score_delta"] <= -10))
    band = h.get("effective_band") or h["band"]
    score = h.get("effective_score") if h.get("effective_score") is not None else h["score"]
    summary = f"Health {score} ({band})." + (" Health declined since the last snapshot." if declined else "")
    return HealthAssessment(
        account_id=h["account_id"],
        score=_num(score),
        band=band,
        drivers=drivers or [],
        risks=risks,
        decline_flagged=declined,
        expansion_ready=band != "Red" and not declined,
        summary=summary,
    )


def segmentation_analyst(ctx: ToolContext, task: dict[str, Any]) -> SegmentPlacement:
    """Segment and tier as stored, the campaign tier of the best candidate, and the route."""
    profile = call_tool(ctx, "get_account_profile")
    opps = call_tool(ctx, "get_opportunities", limit=3)
    route = opps["route"]
    best = opps["candidates"][0] if opps["candidates"] else None
    campaign = "exclude" if route != "expand" or best is None else CAMPAIGN.get(best["campaign_tier"], "nurture")
    account_ids = _ids(profile["evidence"])
    rationale = [
        Claim(
            text=f"{profile['name']} is {profile['segment']}, {profile['tier']} at ARR {profile['arr']}.",
            evidence_ids=account_ids[:2] or [f"account:{profile['account_id']}:arr"],
        )
    ]
    if best is not None:
        rationale.append(
            Claim(
                text=f"Best candidate: {best['name']} ({best['campaign_tier']}, propensity {best['propensity']}).",
                evidence_ids=_ids(best["evidence"]) or account_ids[:1],
            )
        )
    if route != "expand":
        rationale.append(Claim(text=f"Route {route}: {opps['route_reason']}", evidence_ids=account_ids[:1]))
    return SegmentPlacement(
        account_id=profile["account_id"],
        segment=profile["segment"],
        tier=profile["tier"],
        campaign_tier=campaign,
        route=route,
        rationale=[c for c in rationale if c.evidence_ids],
    )


def _recommendation(c: dict[str, Any]) -> Recommendation:
    kind = c["id"].split(":")[2] if c["id"].count(":") >= 2 else c["play"]
    lo, hi = c["timeline_days"]
    return Recommendation(
        id=c["id"],
        type=kind,
        pipeline_type=None,
        title=c["name"],
        target=c["name"],
        potential_arr=Figure(label="Potential ARR", value=_num(c["potential"]["value"]), unit="usd"),
        propensity=round(c["propensity"]),
        probability=round(c["probability"] * 100),
        readiness=c["readiness"],
        current_state=f"{c.get('level') or 'LOW'} whitespace; budget {c['budget']}; access {c['access']}",
        trigger=c.get("trigger") or "whitespace detected",
        play=PLAY_NAMES.get(kind) or PLAY_NAMES.get(c["play"]) or label(c["play"]),
        timeline=f"{lo}-{hi} days",
        rationale=f"Propensity {c['propensity']} ({c['propensity_band']}), close probability {c['probability']}.",
        evidence_ids=_ids(c["evidence"]),
    )


def _outreach(
    ctx: ToolContext,
    task: dict[str, Any],
    candidates: list[dict[str, Any]],
    people: dict[str, Any],
    profile: dict[str, Any],
) -> list[OutreachDraft]:
    """At most one draft, to the champion, that claims nothing the data does not hold: a QBR invitation on a QBR
    run, else an introduction request towards the best new department or location (never a play's name), in the
    customer's language and signed by the account's AE."""
    contacts = [p for p in people["contacts"] if not p.get("do_not_contact")]
    champion = next((p for p in contacts if p.get("role") == "champion"), None)
    if champion is None:
        return []
    if task.get("kind") == "qbr":
        purpose, (target_kind, target) = "qbr_invitation", ("", "")
    else:
        found = _introduction_target(candidates, profile)
        if found is None:
            return []
        purpose, (target_kind, target) = "intro_request", found
    owners = profile.get("owners") or {}
    account_name = profile["name"]
    sender = owners.get("ae") or owners.get("am") or owners.get("csm")
    if sender is None:
        return []  # no one of the account team to write it as
    letter = write_letter(
        "outreach_email",
        language=profile.get("language") or ctx.settings.default_language,
        default_language=ctx.settings.default_language,
        root=ctx.settings.content_dir,
        purpose=purpose,
        contact_name=champion["name"].split()[0],
        account_name=account_name,
        target_kind=target_kind,
        target=target,
        owner_name=sender,
    )
    contact_id = champion["id"].removeprefix("contact:")
    draft = OutreachDraft(
        contact_id=contact_id,
        purpose=purpose,
        subject=letter.subject,
        body=letter.body,
        evidence_ids=[champion["id"]],
        language=letter.language,
        note=letter.note(),
    )
    return [draft]


def _introduction_target(candidates: list[dict[str, Any]], profile: dict[str, Any]) -> tuple[str, str] | None:
    """(kind, name) of the best candidate in a department the account does not use yet, or of a new location."""
    unserved = {d["name"] for d in profile.get("departments") or [] if not d.get("served")}
    for candidate in candidates:
        kind = candidate["id"].split(":")[2] if candidate["id"].count(":") >= 3 else ""
        target = candidate["name"].split(": ", 1)[-1]
        if kind == "seat_expansion" and target in unserved:
            return "department", target
        if kind == "geographic_expansion":
            return "location", target
    return None


def _flat_nrr(arr: Decimal) -> Figure:
    """No expansion: NRR stays at 100% of the starting ARR (an account without ARR has none to retain)."""
    if arr > 0:
        return Figure(label="NRR impact", value=Decimal(100), unit="percent", formula="percent", inputs=[arr, arr])
    return Figure(label="NRR impact", value=Decimal(0), unit="percent")


def opportunity_identifier(ctx: ToolContext, task: dict[str, Any]) -> OpportunityFindings:
    """Candidates as ranked by propensity and priority, counted ones in totals, gaps, text signals, outreach."""
    opps = call_tool(ctx, "get_opportunities", limit=8)
    people = call_tool(ctx, "get_stakeholder_map")
    signals = call_tool(ctx, "get_signals", limit=15)
    profile = call_tool(ctx, "get_account_profile")
    route = opps["route"]
    candidates = opps["candidates"] if route == "expand" else []
    recs = [_recommendation(c) for c in candidates if _ids(c["evidence"])]
    total = Figure(
        label="Total expansion potential",
        value=_num(opps["total_potential"]) if route == "expand" else Decimal(0),
        unit="usd",
    )
    s = opps.get("scenarios") or {}
    base = s.get("base") or {}
    target = _num(base.get("90", base.get(90, 0))) if s else Decimal(0)
    scenarios = (
        [
            Figure(label="Conservative (90 days)", value=_num(s["conservative_90d"]), unit="usd"),
            *[Figure(label=f"Base case ({days} days)", value=_num(v), unit="usd") for days, v in base.items()],
            Figure(label=f"Upside ({s['upside_window_days']} days)", value=_num(s["upside"]), unit="usd"),
        ]
        if s
        else []
    )
    nrr = Figure(label="NRR impact", value=_num(s["nrr_pct"]), unit="percent") if s else _flat_nrr(_num(profile["arr"]))
    account_ids = _ids(profile["evidence"])[:1]
    gaps = []
    if people["roles_missing"] and account_ids:
        gaps.append(
            Claim(
                text="Missing MEDDICC roles among active contacts: " + ", ".join(people["roles_missing"]) + ".",
                evidence_ids=[c["id"] for c in people["contacts"][:3]] or account_ids,
            )
        )
    if people["multithreading_needed"] and account_ids:
        gaps.append(
            Claim(
                text=_few_contacts(people["active_contacts"]),
                evidence_ids=[c["id"] for c in people["contacts"][:3]] or account_ids,
            )
        )
    if people.get("former_champion") and account_ids:
        gaps.append(
            Claim(
                text=f"Champion {people['former_champion']} is no longer active: find a new champion.",
                evidence_ids=account_ids,
            )
        )
    risks = []
    if route == "rescue" and account_ids:
        risks.append(
            Claim(
                text=f"Red account: {opps['route_reason']} Run the renewal rescue play, no expansion push.",
                evidence_ids=account_ids,
            )
        )
    text_signals = [
        Claim(text=sig["summary"], evidence_ids=_ids(sig["evidence"]))
        for sig in signals["signals"]
        if sig["kind"].startswith("text_") and _ids(sig["evidence"])
    ]
    return OpportunityFindings(
        account_id=opps["account_id"],
        route=route,
        recommendations=recs,
        total_potential=total,
        target_90d=Figure(label="Recommended target (90 days)", value=target, unit="usd"),
        scenarios=scenarios,
        nrr_impact=nrr,
        stakeholder_gaps=gaps,
        risks=risks,
        text_signals=text_signals,
        outreach=_outreach(ctx, task, candidates if route == "expand" else [], people, profile),
    )


RULES = {
    "health-scorer": health_scorer,
    "segmentation-analyst": segmentation_analyst,
    "opportunity-identifier": opportunity_identifier,
}
