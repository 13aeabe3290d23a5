"""compose_deliverables: the brief as Markdown and JSON (and the QBR packet on a QBR run), under the run's folder."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from account_intel.agents.schemas import (
    Figure,
    HealthAssessment,
    OpportunityFindings,
    Recommendation,
    SegmentPlacement,
)
from account_intel.analytics.account_analysis import analyze_account
from account_intel.analytics.evidence import evidence_names
from account_intel.analytics.facts import AccountFacts, Catalog, load_catalog, load_facts
from account_intel.analytics.fitted.predict import Predictions, account_predictions
from account_intel.analytics.health.overrides import active_override
from account_intel.analytics.propensity.config import load_propensity_config
from account_intel.analytics.signals.text_matcher import account_mentions, default_matcher
from account_intel.analytics.whitespace.map import build_whitespace_map
from account_intel.content.templates import load_template, render
from account_intel.deliverables.evidence_index import evidence_index
from account_intel.deliverables.timing import by_start_day
from account_intel.deliverables.whitespace_text import penetration_lines, short_money, whitespace_box
from account_intel.domain.wording import plural
from account_intel.files import write_text
from account_intel.graph.context import GraphContext
from account_intel.queries.account_profile import build_account_profile
from account_intel.queries.names import user_names
from account_intel.store.models import Account, Contact

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


# What a model of one expansion type predicts, in words (pipeline types: `domain.enums.OpportunityType`)
TYPE_OUTCOME = {
    "new_department": "seats for a new department",
    "new_location": "seats for a new location",
    "new_service": "a new module or service",
    "volume_increase": "more volume or a higher plan",
    "rate_increase": "a rate increase",
    "contract_extension": "a contract extension",
}


def _money(value: Any) -> str:
    return short_money(value) if value is not None else "-"


def _figure_text(figure: Figure) -> str:
    if figure.unit == "usd":
        return short_money(figure.value)
    if figure.unit == "percent":
        return f"{figure.value}%"
    return str(figure.value)


def _parts_text(total: Any, whitespace: Any) -> str:
    """How the total potential splits when it is more than the white-space potential (a rate increase at renewal)."""
    renewal = Decimal(total) - Decimal(whitespace)
    if renewal <= 0:
        return ""
    return f" (white-space {_money(whitespace)} + rate increase at renewal {_money(renewal)})"


def _predictions(ctx: GraphContext, facts: AccountFacts, catalog: Catalog, types: set[str]) -> Predictions:
    """The configured churn and expansion models' calibrated probabilities, and the models of each expansion type
    in `types` (`<expansion model>-<type>`, saved by `backtest --fit`) when they exist (active customers only)."""
    if facts.status != "active":
        return Predictions()
    settings = ctx.settings
    names = [n for n in (settings.churn_model, settings.expansion_model) if n]
    if settings.expansion_model:
        names += [f"{settings.expansion_model}-{t}" for t in sorted(types)]
    config = load_propensity_config(home=settings.home)
    return account_predictions(facts, catalog, config, names, home=settings.home)


def _calibrated(
    ctx: GraphContext, predictions: Predictions, types: dict[str, str], recommendations: list[Recommendation]
) -> dict[str, dict[str, Any]]:
    """Each recommendation's calibrated close likelihood: its expansion type's model, when one is saved and usable."""
    by_model = {p.model: p for p in predictions.predictions}
    out: dict[str, dict[str, Any]] = {}
    for rec in recommendations:
        kind = types.get(rec.id)
        found = by_model.get(f"{ctx.settings.expansion_model}-{kind}") if kind else None
        if found is None:
            continue
        what = TYPE_OUTCOME.get(kind or "", f"an expansion of type {kind}")
        out[rec.id] = {
            "percent": round(found.probability * 100),
            "text": (
                f"{found.probability:.0%} that the account buys {what} within {found.horizon_days} days "
                f"(base rate {found.base_rate:.0%}; model '{found.model}', {found.calibration}-calibrated, trained "
                f"on {found.trained_as_of}); rule estimate {rec.probability}%"
            ),
        }
    return out


def build_brief(ctx: GraphContext, state: dict[str, Any]) -> dict[str, Any]:
    """The brief as data: account facts, the three agents' grounded outputs, the whitespace map and the drafts."""
    as_of = date.fromisoformat(state["as_of"])
    health = HealthAssessment.model_validate(state["health"])
    placement = SegmentPlacement.model_validate(state["placement"])
    findings = OpportunityFindings.model_validate(state["findings"])
    with ctx.store.sessions() as session:
        account = session.get(Account, state["account_id"])
        assert account is not None
        profile = build_account_profile(session, account, as_of)
        facts = load_facts(session, as_of, [account.id])[account.id]
        catalog = load_catalog(session)
        contact_ids = {d.contact_id for d in findings.outreach}
        contacts = {
            c.id: {"name": c.name, "title": c.title, "email": c.email}
            for c in session.scalars(select(Contact).where(Contact.id.in_(contact_ids)))
        }
        override = active_override(session, account_id=account.id, as_of=as_of)
        setter = user_names(session, ids=[override.set_by if override else None])
        cited = evidence_index(health, placement, findings)
        named = evidence_names(session, list(cited))
        analysis = analyze_account(session, account.id, as_of, home=ctx.settings.home)
    ws = analysis.whitespace  # the analysis's own map; a churned account or a prospect has none, so build it
    if ws is None:
        mentions = account_mentions(facts, default_matcher(home=ctx.settings.home))
        ws = build_whitespace_map(facts, catalog, mentions=[m.as_tuple() for m in mentions])
    types = {o.id: o.pipeline_type.value for o in analysis.opportunities}
    wanted = {types[r.id] for r in findings.recommendations if r.id in types}
    predictions = _predictions(ctx, facts, catalog, wanted)
    typed = {f"{ctx.settings.expansion_model}-{t}" for t in wanted}
    days = profile.days_to_renewal
    renewal = f"{profile.renewal_date} ({days} {plural('day', days or 0)})" if profile.renewal_date else "unknown"
    brains = state.get("brains", {})
    flags = sorted({flag for rec in findings.recommendations for flag in rec.flags})
    phases: dict[str, list[str]] = {}
    for rec in findings.recommendations:
        phases.setdefault(rec.timeline, []).append(f"{rec.title} (+{_money(rec.potential_arr.value)})")
    return {
        "as_of": as_of.isoformat(),
        "kind": state.get("kind", "brief"),
        "brain_summary": ", ".join(
            f"{k} {v.get('brain')}" + (" (fallback)" if v.get("fallback") else "") for k, v in brains.items()
        )
        or "rules",
        "flags": flags,
        "account": {
            "id": profile.id,
            "name": profile.name,
            "arr": str(profile.arr),
            "arr_text": _money(profile.arr),
            "tier": profile.tier.value,
            "segment": profile.segment.value,
            "industry": profile.industry,
            "customer_since": profile.customer_since.isoformat() if profile.customer_since else None,
            "months_as_customer": profile.months_as_customer,
            "renewal_text": renewal,
            "next_qbr_date": profile.next_qbr_date.isoformat() if profile.next_qbr_date else None,
        },
        "computed_at": state.get("computed_at"),
        "health": health.model_dump(mode="json"),
        "health_override": (
            {
                "band": override.band.value if override.band else None,
                "score": override.score,
                "reason": override.reason,
                "set_by": setter.get(override.set_by, override.set_by),
                "set_on": override.set_at.date().isoformat(),
                "expires_on": override.expires_on.isoformat() if override.expires_on else None,
            }
            if override is not None
            else None
        ),
        "placement": placement.model_dump(mode="json"),
        "findings": findings.model_dump(mode="json"),
        "total_potential_text": _money(findings.total_potential.value),
        "total_potential_parts": _parts_text(findings.total_potential.value, ws.potential.value),
        "target_90d_text": _money(findings.target_90d.value),
        "money": {rec.id: _money(rec.potential_arr.value) for rec in findings.recommendations},
        "figure_text": [_figure_text(s) for s in findings.scenarios],
        "nrr_text": _figure_text(findings.nrr_impact),
        "predictions": [p.text for p in predictions.predictions if p.model not in typed],
        "calibrated": _calibrated(ctx, predictions, types, findings.recommendations),
        "prediction_notes": predictions.notes,
        "phases": [{"name": name, "entries": phases[name]} for name in by_start_day(phases)],
        "contacts": contacts,
        "evidence_index": cited,
        "evidence_names": named,
        "whitespace": {
            "acv": str(ws.acv.value),
            "potential": str(ws.potential.value),
            "meets_t1_entry_rule": ws.meets_t1_entry_rule,
            "penetration_lines": penetration_lines(ws),
        },
        "whitespace_box": whitespace_box(ws),
        "drafts": state.get("drafts", []),
        "grounding": state.get("grounding", {}),
    }


def run_folder(ctx: GraphContext, state: dict[str, Any]) -> Path:
    """`<out>/<thread id made safe>/`."""
    folder = Path(ctx.out_dir) / _SAFE.sub("_", state["thread_id"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def compose(ctx: GraphContext, state: dict[str, Any]) -> dict[str, str]:
    """Write brief.md and brief.json (and qbr_packet.md on a QBR run); return their paths."""
    brief = build_brief(ctx, state)
    folder = run_folder(ctx, state)
    markdown = render(load_template("account_brief", ctx.settings.content_dir), document=True, brief=brief)
    paths = {"brief_md": folder / "brief.md", "brief_json": folder / "brief.json"}
    write_text(paths["brief_md"], markdown)
    write_text(paths["brief_json"], json.dumps(brief, indent=2, default=str))
    if state.get("kind") == "qbr":
        from account_intel.deliverables.qbr import write_qbr_packet

        paths["qbr_md"] = write_qbr_packet(ctx, state, brief, folder)
    return {name: str(path) for name, path in paths.items()}
