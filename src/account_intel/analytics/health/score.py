"""Account health: a 0-100 score and a band from nine weighted components, computed from `AccountFacts` alone.

`compute_health` returns the full result with evidence; `score_only` is the fast path for portfolio scans
(plain numbers, no evidence, no pydantic). Neither touches the database: the facts loader does the I/O.
A component without data is `missing` and its weight is shared out over the others (never scored as perfect).
"""

from __future__ import annotations

from account_intel.analytics.evidence import Evidence
from account_intel.analytics.facts import AccountFacts, Catalog
from account_intel.analytics.health import components as hc
from account_intel.analytics.health.config import COMPONENTS, HealthConfig, default_health_config
from account_intel.analytics.health.models import (
    Band,
    ComponentStatus,
    HealthComponent,
    HealthOverrideInfo,
    HealthResult,
    QuickHealth,
)

_Parts = dict[str, hc.Part]
_DEFAULT: HealthConfig | None = None
_SHARES: dict[int, tuple[HealthConfig, dict[str, float]]] = {}


def _shares_of(config: HealthConfig) -> dict[str, float]:
    """Normalised weights, cached per configuration object (pydantic private attributes are slow to read)."""
    hit = _SHARES.get(id(config))
    if hit is not None and hit[0] is config:
        return hit[1]
    if len(_SHARES) > 32:
        _SHARES.clear()
    shares = config.weights.normalised()
    _SHARES[id(config)] = (config, shares)
    return shares


def _default() -> HealthConfig:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = default_health_config()
    return _DEFAULT


def _parts(
    facts: AccountFacts,
    catalog: Catalog,
    config: HealthConfig,
    shares: dict[str, float],
    sinks: dict[str, list[Evidence]] | None,
) -> _Parts:
    def sink(name: str) -> list[Evidence] | None:
        return None if sinks is None else sinks.setdefault(name, [])

    parts: _Parts = {
        "usage": hc.usage(facts, config.usage, sink("usage")),
        "adoption": hc.adoption(facts, catalog, config.adoption, sink("adoption")),
        "support": hc.support(facts, config.support, sink("support")),
        "sentiment": hc.sentiment(facts, config.sentiment, sink("sentiment")),
        "engagement": hc.engagement(facts, config.engagement, sink("engagement")),
        "relationship": hc.relationship(facts, config.relationship, sink("relationship")),
        "tenure": hc.tenure(facts, config.tenure, sink("tenure")),
        "term": hc.term(facts, config.term, sink("term")),
    }
    weight = total = 0.0
    for name, (sub, _, _) in parts.items():
        if sub is not None:
            weight += shares[name]
            total += shares[name] * sub
    others_mean = total / weight if weight > 0 else 0.0
    parts["commercial"] = hc.commercial(facts, config.commercial, others_mean, sink("commercial"))
    return parts


def _weigh(parts: _Parts, shares: dict[str, float]) -> tuple[float, dict[str, float]]:
    """Score and the applied weight share of each component (missing ones get 0)."""
    present = sum(shares[name] for name, part in parts.items() if part[0] is not None)
    applied = {
        name: (shares[name] / present if present > 0 and part[0] is not None else 0.0) for name, part in parts.items()
    }
    score = sum(applied[name] * (part[0] or 0.0) for name, part in parts.items()) * 100
    return round(score, 1), applied


def score_only(facts: AccountFacts, catalog: Catalog, config: HealthConfig | None = None) -> QuickHealth:
    """Score, band and each component's sub-score and raw values, without evidence (the portfolio scan's path).

    Pass the configuration once loaded (`load_weights()`); None means the packaged default.
    """
    config = config or _default()
    shares = _shares_of(config)
    parts = _parts(facts, catalog, config, shares, None)
    score, _ = _weigh(parts, shares)
    return QuickHealth(
        score,
        config.band_for(score),
        {name: part[0] for name, part in parts.items()},
        {name: part[1] for name, part in parts.items()},
    )


def compute_health(
    facts: AccountFacts,
    catalog: Catalog,
    config: HealthConfig | None = None,
    *,
    override: HealthOverrideInfo | None = None,
) -> HealthResult:
    """The full health result with components, contributions and evidence; an override in force is applied.

    `config` None means the packaged default; callers that honour a user's health.yaml pass `load_weights()`.
    """
    config = config or _default()
    sinks: dict[str, list[Evidence]] = {}
    shares = _shares_of(config)
    parts = _parts(facts, catalog, config, shares, sinks)
    score, applied = _weigh(parts, shares)
    components = []
    for name in COMPONENTS:
        sub, raw, note = parts[name]
        components.append(
            HealthComponent(
                name=name,
                status=ComponentStatus.MISSING if sub is None else ComponentStatus.OK,
                weight=round(shares[name], 4),
                weight_share=round(applied[name], 4),
                raw=raw,
                sub_score=None if sub is None else round(sub, 4),
                contribution=round(applied[name] * (sub or 0.0) * 100, 2),
                note=note,
                evidence=sinks.get(name, []),
            )
        )
    band = Band(config.band_for(score))
    result = HealthResult(
        account_id=facts.account_id,
        account_name=facts.name,
        as_of=facts.as_of,
        score=score,
        band=band,
        components=components,
        missing=[c.name for c in components if c.status is ComponentStatus.MISSING],
        notes=[
            f"{c.name}: {c.note}; its weight ({c.weight:.0%}) was shared out over the other components"
            for c in components
            if c.status is ComponentStatus.MISSING
        ],
        weights_name=config.name,
        config_digest=config.digest,
        effective_score=score,
        effective_band=band,
    )
    return apply_override(result, override, config) if override is not None else result


def apply_override(result: HealthResult, override: HealthOverrideInfo | None, config: HealthConfig) -> HealthResult:
    """The result with an override shown beside the computed score (None clears it); the computed score is kept."""
    if override is None:
        return result.model_copy(
            update={"override": None, "effective_score": result.score, "effective_band": result.band}
        )
    band = override.band
    if band is None and override.score is not None:
        band = Band(config.band_for(override.score))
        override = override.model_copy(update={"band": band})
    return result.model_copy(
        update={
            "override": override,
            "effective_score": float(override.score) if override.score is not None else result.score,
            "effective_band": band or result.band,
        }
    )
