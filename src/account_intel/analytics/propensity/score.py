"""Expansion propensity (0-100) with factor contributions, close probability, expected value and priority.

Pure arithmetic over plain numbers, shared by the per-account analysis (which explains every factor) and the
portfolio scan's fast path (which keeps only the numbers): both paths give the same result for the same inputs.

    propensity  = 100 x sum(share_f x sub_f) / sum(share_f over factors with data)     (one decimal)
    probability = interpolate(propensity, probability.points) x readiness_factor       (two places)
    expected    = potential x probability                                              (sizing: expected_value)
    priority    = potential x propensity / 100 x readiness weight (targeting)           (sizing: priority)

Factor sub-scores are described in `config/propensity.yaml`. A factor without data (adoption or engagement when the
health score has none) is left out and its weight shared out over the others, as the health score does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

from pydantic import BaseModel, Field

from account_intel.analytics.opportunities.sizing import Sized, sized
from account_intel.analytics.portfolio.targeting import READINESS_WEIGHT, Readiness
from account_intel.analytics.propensity.config import FACTORS, ExpansionType, PropensityConfig, ReadinessBucket

CENT = Decimal("0.01")
TARGET_READINESS = {
    ReadinessBucket.IMMEDIATE: Readiness.IMMEDIATE,
    ReadinessBucket.D30_60: Readiness.NEAR,
    ReadinessBucket.D60_90: Readiness.NEAR,
    ReadinessBucket.D90_PLUS: Readiness.LATER,
}


class PropensityFactor(BaseModel):
    """One factor of the propensity score with its share of the weight and contribution."""

    name: str = Field(description="Factor: signal_strength, whitespace_level, motion, health, adoption, ...")
    weight: float = Field(description="Configured weight, normalised over all factors (0-1).")
    weight_share: float = Field(description="Weight applied after factors without data were shared out (0-1).")
    sub_score: float | None = Field(description="0-1; None when the factor had no data.")
    contribution: float = Field(description="weight_share x sub_score x 100, in propensity points.")
    detail: str = Field(description="What the sub-score was computed from.")


class Propensity(BaseModel):
    """A propensity score with the factors behind it."""

    score: float = Field(ge=0, le=100, description="0-100, one decimal.")
    band: str = Field(description="high (>= 65), medium (>= 45) or low: the pipeline priorities' propensity bands.")
    factors: list[PropensityFactor]


def combine_strengths(strengths: Iterable[float]) -> float:
    """Several signals for one target: 1 - prod(1 - strength) (independent evidence; never above 1), in one order
    whatever the order given (the same strengths give the same float)."""
    miss = 1.0
    for s in sorted(strengths, reverse=True):
        miss *= 1.0 - min(1.0, max(0.0, s))
    return 1.0 - miss


@dataclass(frozen=True, slots=True)
class Prepared:
    """A configuration's numbers as plain Python values (pydantic attribute access is slow in a hot loop)."""

    shares: tuple[float, ...]
    levels: dict[str | None, float]
    motion: dict[ExpansionType, float]
    full_at: int
    points: tuple[tuple[float, float], ...]
    factors: dict[ReadinessBucket, float]
    probabilities: dict[tuple[float, ReadinessBucket], Decimal]


_PREPARED: dict[int, tuple[PropensityConfig, Prepared]] = {}


def prepared(config: PropensityConfig) -> Prepared:
    """The plain numbers of a configuration, cached per configuration object."""
    hit = _PREPARED.get(id(config))
    if hit is not None and hit[0] is config:
        return hit[1]
    if len(_PREPARED) > 32:
        _PREPARED.clear()
    shares = config.weights.normalised()
    levels: dict[str | None, float] = {name: float(getattr(config.levels, name)) for name in ("HIGH", "MED", "LOW")}
    levels[None] = levels["LOW"]
    value = Prepared(
        shares=tuple(shares[name] for name in FACTORS),
        levels=levels,
        motion=dict(config.motion),
        full_at=config.prior_expansions.full_at,
        points=tuple((float(x), float(y)) for x, y in config.probability.points),
        factors=dict(config.probability.readiness_factor),
        probabilities={},
    )
    _PREPARED[id(config)] = (config, value)
    return value


def sub_scores(
    config: PropensityConfig,
    *,
    kind: ExpansionType,
    level: str | None,
    signal: float,
    health: float,
    adoption: float | None,
    champion: bool,
    engagement: float | None,
    wins: int,
) -> tuple[float | None, ...]:
    """The factors' sub-scores in `FACTORS` order (None: no data)."""
    prep = prepared(config)
    return (
        signal,
        prep.levels[level],
        prep.motion[kind],
        max(0.0, min(1.0, health / 100)),
        adoption,
        1.0 if champion else 0.0,
        engagement,
        min(1.0, wins / prep.full_at),
    )


def score(config: PropensityConfig, subs: tuple[float | None, ...]) -> float:
    """Propensity 0-100 (one decimal) from the sub-scores; factors without data have their weight shared out."""
    return score_with(prepared(config).shares, subs)


def score_with(shares: tuple[float, ...], subs: tuple[float | None, ...]) -> float:
    """`score` with the normalised weights given (the scan's hot loop)."""
    total = weight = 0.0
    for share, sub in zip(shares, subs, strict=True):
        if sub is not None:
            weight += share
            total += share * sub
    return round(100 * total / weight, 1) if weight > 0 else 0.0


def band_of(propensity: float) -> str:
    """high, medium or low, with the pipeline priorities' thresholds (65 and 45)."""
    return "high" if propensity >= 65 else "medium" if propensity >= 45 else "low"


def explain(config: PropensityConfig, subs: tuple[float | None, ...], details: dict[str, str]) -> Propensity:
    """The score with one `PropensityFactor` per factor."""
    shares = prepared(config).shares
    present = sum(share for share, s in zip(shares, subs, strict=True) if s is not None)
    factors = []
    for name, share, sub in zip(FACTORS, shares, subs, strict=True):
        applied = share / present if present > 0 and sub is not None else 0.0
        factors.append(
            PropensityFactor(
                name=name,
                weight=round(share, 4),
                weight_share=round(applied, 4),
                sub_score=None if sub is None else round(sub, 4),
                contribution=round(applied * (sub or 0.0) * 100, 2),
                detail=details.get(name, ""),
            )
        )
    value = score(config, subs)
    return Propensity(score=value, band=band_of(value), factors=factors)


def close_probability(config: PropensityConfig, propensity: float, bucket: ReadinessBucket) -> Decimal:
    """Probability of closing won (0-1, two places): the propensity calibration curve times the readiness factor."""
    prep = prepared(config)
    key = (propensity, bucket)
    hit = prep.probabilities.get(key)
    if hit is not None:
        return hit
    points = prep.points
    p = points[-1][1]
    for (x0, y0), (x1, y1) in pairwise(points):
        if propensity <= x1:
            p = y0 + (y1 - y0) * (max(propensity, x0) - x0) / (x1 - x0)
            break
    value = Decimal(repr(round(p * prep.factors[bucket], 2))).quantize(CENT)
    if len(prep.probabilities) < 100_000:
        prep.probabilities[key] = value
    return value


def expected_value(potential: Decimal, probability: Decimal) -> Sized:
    """potential x probability, as a sized figure (formula expected_value)."""
    return sized("expected_value", potential=potential, probability=probability)


def priority(potential: Decimal, propensity: float, bucket: ReadinessBucket) -> Sized:
    """The ranking score: potential x propensity / 100 x readiness weight (targeting's weights)."""
    weight = READINESS_WEIGHT[TARGET_READINESS[bucket]]
    return sized("priority", potential=potential, propensity=Decimal(repr(propensity)), readiness_weight=weight)
