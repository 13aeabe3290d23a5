"""The import summary: per entity created/updated/skipped, quirks handled, warnings, errors and the as-of date used."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field

from account_intel.importer.issues import ImportIssue, Quirk


class EntityCounts(BaseModel):
    """What one canonical entity received."""

    entity: str = Field(description="Canonical entity, for example `contracts`.")
    table: str = Field(description="Store table it feeds.")
    sources: list[str] = Field(description="Files (or inline rows) that fed it.")
    rows_read: int = Field(description="Source rows read.")
    created: int = Field(description="Records new to the store (would be, on a dry run).")
    updated: int = Field(description="Records whose key already existed and were overwritten.")
    skipped: int = Field(description="Source rows folded into another record (monthly aggregation, identical rows).")
    filtered: int = Field(default=0, description="Source rows left out by the mapping's `where` (not errors).")


class AccountSummary(BaseModel):
    """The imported accounts after ARR, tier and segment were derived."""

    recalculated: int = Field(description="Accounts whose ARR, tier and segment were derived.")
    changed: int = Field(description="Accounts whose ARR, tier or segment changed (each change is an event).")
    arr_total: Decimal = Field(description="Sum of their ARR on the as-of date.")
    by_status: dict[str, int]
    by_tier: dict[str, int]
    by_segment: dict[str, int]


class ImportReport(BaseModel):
    """The outcome of one `account-intel import` run."""

    ok: bool = Field(description="True when the import validated (and, unless a dry run, was written).")
    dry_run: bool
    written: bool = Field(description="Whether anything was written to the store.")
    directory: str
    mapping: str | None = Field(description="Mapping file used; None for canonical file names.")
    as_of: date = Field(description="Date ARR, tier and segment are derived on.")
    as_of_source: str = Field(description="Where the as-of date came from.")
    entities: list[EntityCounts] = Field(default_factory=list)
    quirks: list[Quirk] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    error_count: int = 0
    errors: list[ImportIssue] = Field(default_factory=list, description="The first 1000 errors, in file order.")
    accounts: AccountSummary | None = None
    seconds: float = Field(default=0.0, description="Wall-clock duration of the import.")
