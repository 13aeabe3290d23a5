"""Analytics tools: the health breakdown (and why it moved), expansion and risk signals, and the white-space map."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from langchain.tools import ToolRuntime, tool
from pydantic import BaseModel, Field

from account_intel.analytics.evidence import Evidence
from account_intel.analytics.health.account import account_facts, health_report
from account_intel.analytics.health.config import load_weights
from account_intel.analytics.health.models import ComponentStatus
from account_intel.analytics.signals.account import detect_signals
from account_intel.analytics.signals.models import Signal, load_signal_config
from account_intel.analytics.signals.text_matcher import account_mentions, default_matcher
from account_intel.analytics.whitespace.demand import LEVEL_RANK
from account_intel.analytics.whitespace.map import WhitespaceItem, WhitespaceMap, build_whitespace_map
from account_intel.analytics.whitespace.penetration import Ratio
from account_intel.tools.account_tools import ACCOUNT_ID, AccountInput
from account_intel.tools.context import ToolContext
from account_intel.tools.results import Amount, EvidenceRef, emit, fence, refs, top
from account_intel.tools.scope import scoped_account, tool_errors
from account_intel.tools.specs import SideEffect

SHOWN_COMPONENT_EVIDENCE = 3
SHOWN_MOVES = 3
SHOWN_SIGNAL_EVIDENCE = 3
SHOWN_ITEM_EVIDENCE = 3
SHOWN_ITEMS = 12
Raw = float | int | None
_NUMERIC = re.compile(r"-?\d+(\.\d+)?")


class ComponentOut(BaseModel):
    """One health component: its share of the weight, its 0-1 sub-score, its points and the raw numbers."""

    name: str
    missing: bool | None = Field(default=None, description="No data; its weight went to the others.")
    weight_share: float
    sub_score: float | None = None
    points: float = Field(description="weight_share × sub_score × 100.")
    raw: dict[str, Raw]
    evidence: list[EvidenceRef]
    more_evidence: int | None = None


class MoveOut(BaseModel):
    """How one component moved since the previous weekly snapshot."""

    component: str
    delta: float = Field(description="Points gained (+) or lost (-).")
    reason: str


class WhyMoved(BaseModel):
    """The score against the previous weekly snapshot."""

    previous_week: date
    previous_score: float
    previous_band: str
    score_delta: float
    band_dropped: bool
    weights_changed: bool | None = None
    moves: list[MoveOut]


class OverrideOut(BaseModel):
    """A manual override in force (it replaces the score or band shown)."""

    score: int | None = None
    band: str | None = None
    reason: str | None = None
    set_by: str
    expires_on: date | None = None


class HealthBreakdownResult(BaseModel):
    """Computed health on the as-of date: score, band, components and why it moved."""

    account_id: str
    as_of: date
    score: float
    band: str
    effective_score: float | None = Field(default=None, description="Score after a manual override, if any.")
    effective_band: str | None = None
    override: OverrideOut | None = None
    weights: str
    missing: list[str] | None = None
    components: list[ComponentOut]
    why_moved: WhyMoved | None = Field(default=None, description="None when there is no earlier snapshot.")


@tool(args_schema=AccountInput)
def get_health_breakdown(account_id: str | None = None, *, runtime: ToolRuntime[ToolContext]) -> str:
    """Health score 0-100 with band, weighted components with raw values, override, and why it moved."""
    context = runtime.context
    config = load_weights(home=context.settings.home)
    with tool_errors(), context.sessions() as session:
        account = scoped_account(session, context, account_id)
        report = health_report(session, account_id=account.id, as_of=context.as_of, config=config)
    health = report.health
    components = []
    for c in health.components:
        shown, more = refs(c.evidence, SHOWN_COMPONENT_EVIDENCE)
        components.append(
            ComponentOut(
                name=c.name,
                missing=c.status == ComponentStatus.MISSING or None,
                weight_share=c.weight_share,
                sub_score=c.sub_score,
                points=c.contribution,
                raw=c.raw,
                evidence=shown,
                more_evidence=more or None,
            )
        )
    override = health.override
    delta = report.delta
    result = HealthBreakdownResult(
        account_id=account.id,
        as_of=context.as_of,
        score=health.score,
        band=health.band.value,
        effective_score=health.effective_score if override else None,
        effective_band=health.effective_band.value if override else None,
        override=OverrideOut(
            score=override.score,
            band=override.band.value if override.band else None,
            reason=fence(override.reason, 160),
            set_by=override.set_by,
            expires_on=override.expires_on,
        )
        if override
        else None,
        weights=health.weights_name,
        missing=health.missing or None,
        components=components,
        why_moved=WhyMoved(
            previous_week=delta.previous_week,
            previous_score=delta.previous_score,
            previous_band=delta.previous_band.value,
            score_delta=delta.score_delta,
            band_dropped=delta.band_dropped,
            weights_changed=delta.weights_changed or None,
            moves=[
                MoveOut(component=d.component, delta=d.delta, reason=d.reason) for d in delta.components[:SHOWN_MOVES]
            ],
        )
        if delta
        else None,
    )
    return emit(context, result, health.evidence)


class SignalsInput(BaseModel):
    """Which account and how many signals."""

    account_id: str | None = ACCOUNT_ID
    limit: int = Field(default=10, ge=1, le=25, description="Most signals to return, strongest first.")


class SignalOut(BaseModel):
    """One expansion or risk signal with the numbers behind it."""

    kind: str
    date: date
    strength: float = Field(description="0-1.")
    summary: str
    department: str | None = None
    geography: str | None = None
    product: str | None = None
    feature: str | None = None
    data: dict[str, int | float | Amount | str]
    evidence: list[EvidenceRef]
    more_evidence: int | None = None


class SignalsResult(BaseModel):
    """The account's signals on the as-of date, strongest first."""

    account_id: str
    as_of: date
    total: int
    by_kind: dict[str, int]
    signals: list[SignalOut]


def _number(value: str | int | float) -> int | float | Decimal | str:
    """Money in signal data arrives as text ("93000.00"): hand it over as a number the sink can hold."""
    if isinstance(value, str) and _NUMERIC.fullmatch(value):
        return Decimal(value)
    return value


def _analysis(context: ToolContext, account_id: str | None) -> tuple[str, WhitespaceMap, list[Signal]]:
    """The whitespace map and every signal (health decline and whitespace included) of the account."""
    home = context.settings.home
    matcher = default_matcher(home=home)
    with tool_errors(), context.sessions() as session:
        account = scoped_account(session, context, account_id)
        facts, catalog = account_facts(session, account_id=account.id, as_of=context.as_of)
        report = health_report(
            session,
            account_id=account.id,
            as_of=context.as_of,
            config=load_weights(home=home),
            facts=facts,
            catalog=catalog,
        )
    mentions = [(m.kind.value, m.value, m.source_id) for m in account_mentions(facts, matcher)]
    whitespace = build_whitespace_map(facts, catalog, mentions)
    signals = detect_signals(
        facts,
        catalog,
        load_signal_config(home=home),
        matcher=matcher,
        health=report.health,
        previous=report.previous,
        whitespace_potential=Decimal(whitespace.potential.value),
        acv=Decimal(whitespace.acv.value),
        whitespace_evidence=whitespace.evidence,
    )
    return account.id, whitespace, signals


@tool(args_schema=SignalsInput)
def get_signals(account_id: str | None = None, limit: int = 10, *, runtime: ToolRuntime[ToolContext]) -> str:
    """Expansion and risk signals (usage limits and spikes, NPS, renewal, org changes, text mentions, decline)."""
    context = runtime.context
    resolved, _, signals = _analysis(context, account_id)
    shown, _ = top(signals, limit)
    outs = []
    for s in shown:
        evidence, more = refs(s.evidence, SHOWN_SIGNAL_EVIDENCE)
        outs.append(
            SignalOut(
                kind=s.kind.value,
                date=s.date,
                strength=round(s.strength, 2),
                summary=s.summary,
                department=s.department,
                geography=s.geography,
                product=s.product,
                feature=s.feature,
                data={k: _number(v) for k, v in s.data.items() if v is not None},
                evidence=evidence,
                more_evidence=more or None,
            )
        )
    by_kind: dict[str, int] = {}
    for s in signals:
        by_kind[s.kind.value] = by_kind.get(s.kind.value, 0) + 1
    result = SignalsResult(account_id=resolved, as_of=context.as_of, total=len(signals), by_kind=by_kind, signals=outs)
    return emit(context, result, [item for s in shown for item in s.evidence])


class WhitespaceInput(BaseModel):
    """Which account, and whether to list low-level rows."""

    account_id: str | None = ACCOUNT_ID
    include_low: bool = Field(default=False, description="Also list LOW rows (listed by count otherwise).")


class SizingOut(BaseModel):
    """A size with the named formula and inputs it follows from (analytics.sizing)."""

    formula: str
    inputs: dict[str, int | Amount]
    value: int | Amount


class ItemOut(BaseModel):
    """One white-space row: a catalog item on the account, a department or a location, with its opportunity."""

    key: str = Field(description="Row key.")
    product: str
    scope: str | None = Field(default=None, description="Department or location, when the row is scoped.")
    status: str = Field(description="active, partial or none.")
    level: str = Field(description="HIGH, MED or LOW.")
    play: str | None = None
    headline: str
    signals: list[str] | None = None
    sizing: SizingOut | None = None
    counted: bool = Field(description="Part of the total potential.")
    note: str | None = None
    evidence: list[EvidenceRef]
    more_evidence: int | None = None


class PenetrationOut(BaseModel):
    """Part of a whole (departments, seats, features, integrations, locations)."""

    part: int
    whole: int
    pct: Amount
    detail: str | None = None


class WhitespaceResult(BaseModel):
    """The white-space map: what the account owns, where it could grow, sized at list price."""

    account_id: str
    as_of: date
    plan: str | None = None
    acv: Amount = Field(description="Σ annual value of lines in force.")
    potential: Amount = Field(description="White-space potential: Σ of counted rows.")
    potential_by_level: dict[str, Amount]
    untapped_seats: int
    t1_entry_threshold: Amount = Field(description="ACV × 0.5.")
    meets_t1_entry_rule: bool = Field(description="Potential >= 50% of ACV.")
    penetration: dict[str, PenetrationOut]
    owned: list[str] = Field(description="Rows already active, with their capacity.")
    opportunities: list[ItemOut] = Field(description="Rows with a level, HIGH first, then by size.")
    rows_not_listed: int | None = Field(default=None, description="Rows left out (LOW, or beyond the first 12).")


def _item(item: WhitespaceItem) -> ItemOut:
    evidence, more = refs(item.evidence, SHOWN_ITEM_EVIDENCE)
    sizing = item.sizing
    return ItemOut(
        key=item.key,
        product=item.product,
        scope=item.scope_name if item.scope != "account" else None,
        status=item.status.value,
        level=item.level.value if item.level else "",
        play=item.play.value if item.play else None,
        headline=item.headline,
        signals=item.signals or None,
        sizing=SizingOut(formula=sizing.formula, inputs=sizing.inputs, value=sizing.value) if sizing else None,
        counted=item.counted is not None,
        note=item.note,
        evidence=evidence,
        more_evidence=more or None,
    )


def _penetration(ratio: Ratio) -> PenetrationOut:
    return PenetrationOut(part=ratio.part, whole=ratio.whole, pct=ratio.pct, detail=ratio.detail or None)


@tool(args_schema=WhitespaceInput)
def get_whitespace_map(
    account_id: str | None = None, include_low: bool = False, *, runtime: ToolRuntime[ToolContext]
) -> str:
    """The white-space map: owned items, expansion rows with level, formula and size, penetration, potential."""
    context = runtime.context
    resolved, ws, _ = _analysis(context, account_id)
    leveled = [i for i in ws.items if i.level is not None]
    leveled.sort(key=lambda i: (-LEVEL_RANK[i.level], -Decimal(i.sizing.value if i.sizing else 0), i.key))
    listed, _ = top([i for i in leveled if include_low or i.level.value != "LOW"], SHOWN_ITEMS)  # type: ignore[union-attr]
    p = ws.penetration
    penetration = {
        "departments": p.departments,
        "seats": p.seats,
        "features": p.features,
        "integrations": p.integrations,
        "geographies": p.geographies,
    }
    if p.seat_usage is not None:
        penetration["seat_usage"] = p.seat_usage
    result = WhitespaceResult(
        account_id=resolved,
        as_of=context.as_of,
        plan=ws.plan,
        acv=Decimal(ws.acv.value),
        potential=Decimal(ws.potential.value),
        potential_by_level=ws.potential_by_level,
        untapped_seats=int(ws.untapped_seats.value),
        t1_entry_threshold=Decimal(ws.t1_entry_threshold.value),
        meets_t1_entry_rule=ws.meets_t1_entry_rule,
        penetration={name: _penetration(ratio) for name, ratio in penetration.items()},
        owned=[
            f"{i.product}{f' ({i.scope_name})' if i.scope_name else ''}: {i.capacity}"
            for i in ws.items
            if i.level is None
        ],
        opportunities=[_item(i) for i in listed],
        rows_not_listed=(len(leveled) - len(listed)) or None,
    )
    evidence: list[Evidence] = [*ws.evidence, *(e for i in listed for e in i.evidence)]
    evidence += [e for ratio in penetration.values() for e in ratio.evidence]
    return emit(context, result, evidence)


SIDE_EFFECT = SideEffect.READ
TOOLS = (get_health_breakdown, get_signals, get_whitespace_map)
