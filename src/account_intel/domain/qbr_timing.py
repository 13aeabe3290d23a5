"""When a QBR packet is due: ready 7 days before the QBR, and late when prepared after that."""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel, Field

QBR_READY_DAYS = 7


class QbrTiming(BaseModel):
    """How the packet's preparation date stands against the QBR date."""

    qbr_on: date
    prepared_on: date
    days_until: int = Field(description="Days from preparation to the QBR (negative when it is past).")
    ready_by: date = Field(description="The date the packet should be ready: QBR_READY_DAYS before the QBR.")
    late: bool = Field(description="True when the packet is prepared after its ready-by date.")


def qbr_timing(qbr_on: date, prepared_on: date) -> QbrTiming:
    """The timing of a packet prepared on `prepared_on` for a QBR on `qbr_on`."""
    ready_by = qbr_on - timedelta(days=QBR_READY_DAYS)
    return QbrTiming(
        qbr_on=qbr_on,
        prepared_on=prepared_on,
        days_until=(qbr_on - prepared_on).days,
        ready_by=ready_by,
        late=prepared_on > ready_by,
    )
