"""Tier and segment from ARR: pure functions over thresholds held in settings."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from account_intel.domain.enums import Segment, Tier


@dataclass(frozen=True)
class Thresholds:
    """ARR thresholds for tiers (T1/T2) and segments (Enterprise/Mid-Market)."""

    t1_min: Decimal = Decimal("500000")
    t2_min: Decimal = Decimal("100000")
    enterprise_above: Decimal = Decimal("50000")
    midmarket_min: Decimal = Decimal("20000")

    @classmethod
    def from_settings(cls, settings: object) -> Thresholds:
        """Read the four thresholds from a `Settings` object."""
        return cls(
            t1_min=settings.tier_t1_min_arr,  # type: ignore[attr-defined]
            t2_min=settings.tier_t2_min_arr,  # type: ignore[attr-defined]
            enterprise_above=settings.segment_enterprise_above,  # type: ignore[attr-defined]
            midmarket_min=settings.segment_midmarket_min,  # type: ignore[attr-defined]
        )


def tier_for_arr(arr: Decimal, thresholds: Thresholds) -> Tier:
    """T1 at or above the T1 threshold, T2 at or above the T2 threshold, else T3."""
    if arr >= thresholds.t1_min:
        return Tier.T1
    if arr >= thresholds.t2_min:
        return Tier.T2
    return Tier.T3


def segment_for_arr(arr: Decimal, thresholds: Thresholds) -> Segment:
    """Enterprise above the Enterprise threshold, Mid-Market from its minimum up to it, else SMB."""
    if arr > thresholds.enterprise_above:
        return Segment.ENTERPRISE
    if arr >= thresholds.midmarket_min:
        return Segment.MID_MARKET
    return Segment.SMB
