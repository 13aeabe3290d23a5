"""Why the health score moved: component deltas against the previous weekly snapshot, with the evidence that moved.

Reasons are short strings built from the numbers and evidence ids (`support -6.2: escalated_90d 0->3
(ticket:T-1, ticket:T-2, ...)`), not prose.
"""

from __future__ import annotations

from datetime import date

from account_intel.analytics.health.models import (
    Band,
    ComponentDelta,
    ComponentSnapshot,
    HealthDelta,
    HealthResult,
    HealthSnapshotData,
    RawChange,
    RawValue,
)

MIN_MOVE = 0.05  # contribution points below which a component is not reported as moved
SHOWN_CHANGES = 3
SHOWN_EVIDENCE = 3


def week_start(day: date) -> date:
    """Monday of the ISO week containing `day`."""
    return date.fromordinal(day.toordinal() - day.weekday())


def to_snapshot_data(result: HealthResult, week: date | None = None) -> HealthSnapshotData:
    """The stored form of a computed result (evidence by id), for its ISO week unless one is given."""
    return HealthSnapshotData(
        account_id=result.account_id,
        week=week or week_start(result.as_of),
        as_of=result.as_of,
        score=result.score,
        band=result.band,
        weights_name=result.weights_name,
        config_digest=result.config_digest,
        components=[
            ComponentSnapshot(
                name=c.name,
                status=c.status,
                weight_share=c.weight_share,
                raw=c.raw,
                sub_score=c.sub_score,
                contribution=c.contribution,
                evidence_ids=c.evidence_ids,
            )
            for c in result.components
        ],
    )


def _as_data(value: HealthResult | HealthSnapshotData) -> HealthSnapshotData:
    return to_snapshot_data(value) if isinstance(value, HealthResult) else value


def _fmt(value: RawValue) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _raw_changes(old: dict[str, RawValue], new: dict[str, RawValue]) -> list[RawChange]:
    changes = []
    for key in dict.fromkeys([*new, *old]):
        a, b = old.get(key), new.get(key)
        if a != b:
            changes.append(RawChange(key=key, old=a, new=b))

    def size(change: RawChange) -> float:
        if change.old is None or change.new is None:
            return 1.0
        return abs(change.new - change.old) / max(abs(change.old), 1.0)

    return sorted(changes, key=size, reverse=True)


def _reason(name: str, delta: float, changes: list[RawChange], shown_ids: list[str]) -> str:
    text = f"{name} {delta:+.1f}"
    if changes:
        text += ": " + ", ".join(f"{c.key} {_fmt(c.old)}->{_fmt(c.new)}" for c in changes[:SHOWN_CHANGES])
    if shown_ids:
        more = ", ..." if len(shown_ids) > SHOWN_EVIDENCE else ""
        text += f" ({', '.join(shown_ids[:SHOWN_EVIDENCE])}{more})"
    return text


def _component_delta(new: ComponentSnapshot, old: ComponentSnapshot | None) -> ComponentDelta | None:
    old_contribution = old.contribution if old else 0.0
    delta = round(new.contribution - old_contribution, 2)
    status_changed = old is None or old.status != new.status
    if abs(delta) < MIN_MOVE and not status_changed:
        return None
    old_ids = old.evidence_ids if old else []
    old_set, new_set = set(old_ids), set(new.evidence_ids)
    added = [i for i in new.evidence_ids if i not in old_set]
    removed = [i for i in old_ids if i not in new_set]
    changes = _raw_changes(old.raw if old else {}, new.raw)
    shown = added or (removed if delta > 0 else []) or new.evidence_ids
    return ComponentDelta(
        component=new.name,
        old_contribution=old_contribution,
        new_contribution=new.contribution,
        delta=delta,
        old_status=old.status if old else None,
        new_status=new.status,
        raw_changes=changes,
        evidence_ids=new.evidence_ids,
        added_evidence=added,
        removed_evidence=removed,
        reason=_reason(new.name, delta, changes, shown),
    )


def compute_health_delta(
    current: HealthResult | HealthSnapshotData, previous: HealthResult | HealthSnapshotData
) -> HealthDelta:
    """Component deltas of `current` against `previous` (largest move first) with a one-line reason."""
    now, before = _as_data(current), _as_data(previous)
    moved = [d for c in now.components if (d := _component_delta(c, before.component(c.name))) is not None]
    moved.sort(key=lambda d: abs(d.delta), reverse=True)
    score_delta = round(now.score - before.score, 1)
    weights_changed = now.config_digest != before.config_digest
    reason = f"score {before.score:.1f}->{now.score:.1f} ({score_delta:+.1f})"
    if now.band != before.band:
        reason += f", {before.band.value}->{now.band.value}"
    if weights_changed:
        reason += ", weights changed"
    reason += "; " + ("; ".join(d.reason for d in moved[:SHOWN_CHANGES]) if moved else "no component moved")
    return HealthDelta(
        account_id=now.account_id,
        previous_week=before.week,
        previous_as_of=before.as_of,
        previous_score=before.score,
        current_score=now.score,
        score_delta=score_delta,
        previous_band=before.band,
        current_band=now.band,
        band_dropped=Band(now.band).rank < Band(before.band).rank,
        weights_changed=weights_changed,
        components=moved,
        reason=reason,
    )
