"""Text mentions derived once: every activity and ticket not yet matched with the lexicon in force is matched and
its mentions stored (`store.models.text`), so the portfolio scan, the weekly run and the backtest read the same
mentions a brief finds without matching every note again. Text is data: it is matched, never followed.

`derive_mentions` runs after a demo is built or data are imported, and before each portfolio scan and weekly run;
a note logged in between, or a lexicon edited, is matched then. Until it is, the facts loader sees the account's
stored mentions as stale and the analysis matches its text on the spot (`text_matcher.account_mentions`): the
answer is the same either way, only slower.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import and_, delete, insert, or_, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from account_intel.analytics.signals.text_matcher import TextMatcher, default_matcher, text_hash
from account_intel.store.engine import Store
from account_intel.store.models import Activity, StoredMention, SupportTicket, TextScan

BATCH = 2000


def derive_mentions(session: Session, matcher: TextMatcher, *, account_ids: Sequence[str] | None = None) -> int:
    """Match every activity and ticket (of the named accounts, or all) whose text has no scan with this lexicon,
    store what was found, and return how many sources were matched. Runs inside the caller's transaction."""
    matched = 0
    sources = (("activity", Activity, Activity.occurred_at), ("ticket", SupportTicket, SupportTicket.opened_at))
    for table, model, on in sources:
        stmt = (
            select(model.id, model.account_id, on, model.subject, model.body)
            .outerjoin(TextScan, and_(TextScan.source_table == table, TextScan.source_id == model.id))
            .where(or_(TextScan.lexicon.is_(None), TextScan.lexicon != matcher.digest))
            .order_by(model.id)
        )
        if account_ids is not None:
            stmt = stmt.where(model.account_id.in_(list(account_ids)))
        rows = session.execute(stmt).all()
        for start in range(0, len(rows), BATCH):
            _store(session, matcher, table, rows[start : start + BATCH])
        matched += len(rows)
    return matched


def _store(session: Session, matcher: TextMatcher, table: str, rows: Sequence[Any]) -> None:
    ids = [row[0] for row in rows]
    session.execute(delete(StoredMention).where(StoredMention.source_table == table, StoredMention.source_id.in_(ids)))
    session.execute(delete(TextScan).where(TextScan.source_table == table, TextScan.source_id.in_(ids)))
    scans: list[dict[str, Any]] = []
    mentions: list[dict[str, Any]] = []
    for source_id, account_id, at, subject, body in rows:
        day = at.date()
        scans.append(
            {
                "source_table": table,
                "source_id": source_id,
                "account_id": account_id,
                "occurred_on": day,
                "lexicon": matcher.digest,
                "text_hash": text_hash(subject, body),
            }
        )
        ordinal = 0
        for field, text in (("subject", subject), ("body", body)):
            for kind, begin, end, value in matcher.match(text):
                mentions.append(
                    {
                        "account_id": account_id,
                        "source_table": table,
                        "source_id": source_id,
                        "occurred_on": day,
                        "ordinal": ordinal,
                        "field": field,
                        "kind": kind.value,
                        "value": value,
                        "matched": (text or "")[begin:end],
                        "start": begin,
                    }
                )
                ordinal += 1
    session.execute(insert(TextScan), scans)
    if mentions:
        session.execute(insert(StoredMention), mentions)


def refresh_mentions(store: Store, *, home: Path | None = None) -> int:
    """`derive_mentions` for every account in its own transaction, before a portfolio-wide read (a scan, a weekly
    run, a backtest); returns how many sources were matched. A store that cannot be written (a read-only file or
    role) is left as it is: the scan then matches text on the spot, with the same answers."""
    try:
        with store.transaction() as session:
            return derive_mentions(session, default_matcher(home=home))
    except DBAPIError:
        return 0
