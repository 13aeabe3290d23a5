"""The QBR packet for the customer: performance review, unused value, growth opportunities, a plain peer benchmark
against same-industry accounts of the same account tier, the 50-minute agenda, and an internal appendix."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import distinct, func, select

from account_intel.analytics.health.account import health_report
from account_intel.analytics.health.config import load_weights
from account_intel.content.templates import load_template, render
from account_intel.domain.qbr_timing import qbr_timing
from account_intel.files import write_text
from account_intel.graph.context import GraphContext
from account_intel.store.as_of import active_on
from account_intel.store.models import Account, Feature, UsageMetric

ADOPTION_DAYS = 90


def peer_adoption(ctx: GraphContext, account_id: str, as_of: date) -> dict[str, Any]:
    """Feature adoption of the account against the mean of active same-industry, same-tier peers (set-based SQL)."""
    with ctx.store.sessions() as session:
        account = session.get(Account, account_id)
        assert account is not None
        total = session.scalar(select(func.count()).select_from(Feature)) or 0
        peers = select(Account.id).where(
            Account.industry == account.industry, Account.tier == account.tier, active_on(as_of)
        )
        used = (
            select(UsageMetric.account_id, func.count(distinct(UsageMetric.feature_id)).label("used"))
            .where(
                UsageMetric.account_id.in_(peers),
                UsageMetric.feature_id.is_not(None),
                UsageMetric.value > 0,
                UsageMetric.period_start > as_of - timedelta(days=ADOPTION_DAYS),
                UsageMetric.period_start <= as_of,
            )
            .group_by(UsageMetric.account_id)
        )
        rows = dict(session.execute(used).all())
        peer_count = session.scalar(select(func.count()).select_from(peers.subquery())) or 0
    own = rows.get(account_id, 0)
    others = [v for k, v in rows.items() if k != account_id] + [0] * max(
        0, peer_count - len(rows) - (0 if account_id in rows else 1)
    )
    mean = (Decimal(sum(others)) / len(others)).quantize(Decimal("0.1")) if others else None
    ahead_of = sum(1 for v in others if v < own)
    return {
        "industry": account.industry,
        "tier": account.tier.value,
        "peers": len(others),
        "features_total": total,
        "own_features": own,
        "peer_mean_features": mean,
        "gap_pct": ((Decimal(own) - mean) / mean * 100).quantize(Decimal("1")) if mean else None,
        "ahead_of": ahead_of,
        "behind": sum(1 for v in others if v > own),
        "share_ahead": (Decimal(ahead_of) / len(others)).quantize(Decimal("0.01")) if others else None,
    }


def health_components(ctx: GraphContext, account_id: str, as_of: date) -> list[dict[str, Any]]:
    """Each health component with data, by name and 0-1 sub-score, for the packet's plain-words review."""
    with ctx.store.sessions() as session:
        report = health_report(session, account_id=account_id, as_of=as_of, config=load_weights(home=ctx.settings.home))
    return [
        {"name": c.name, "sub_score": c.sub_score, "points": c.contribution}
        for c in report.health.components
        if c.sub_score is not None
    ]


def write_qbr_packet(ctx: GraphContext, state: dict[str, Any], brief: dict[str, Any], folder: Path) -> Path:
    """Render qbr_packet.md beside the brief and return its path."""
    as_of = date.fromisoformat(state["as_of"])
    benchmark = peer_adoption(ctx, state["account_id"], as_of)
    qbr_on = brief["account"]["next_qbr_date"]
    timing = qbr_timing(date.fromisoformat(qbr_on), as_of).model_dump(mode="json") if qbr_on else None
    markdown = render(
        load_template("qbr_packet", ctx.settings.content_dir),
        document=True,
        brief=brief,
        benchmark=benchmark,
        components=health_components(ctx, state["account_id"], as_of),
        timing=timing,
    )
    path = folder / "qbr_packet.md"
    write_text(path, markdown)
    return path
