"""The QBR packet (seed 004 Steps 3-4): performance review, unused value, value propositions per whitespace,
a peer benchmark against same-industry accounts of the same tier, and the 50-minute agenda."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import distinct, func, select

from account_intel.content.templates import load_template, render
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
    return {
        "industry": account.industry,
        "tier": account.tier.value,
        "peers": len(others),
        "features_total": total,
        "own_features": own,
        "peer_mean_features": mean,
        "gap_pct": ((Decimal(own) - mean) / mean * 100).quantize(Decimal("1")) if mean else None,
    }


def write_qbr_packet(ctx: GraphContext, state: dict[str, Any], brief: dict[str, Any], folder: Path) -> Path:
    """Render qbr_packet.md beside the brief and return its path."""
    as_of = date.fromisoformat(state["as_of"])
    benchmark = peer_adoption(ctx, state["account_id"], as_of)
    markdown = render(load_template("qbr_packet", ctx.settings.content_dir), brief=brief, benchmark=benchmark)
    path = folder / "qbr_packet.md"
    path.write_text(markdown, encoding="utf-8")
    return path
