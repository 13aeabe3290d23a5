"""Setting the language a customer is written to in, as an event with who changed it and from what."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy.orm import Session

from account_intel.domain.language import normalise_language
from account_intel.store.events import record_event
from account_intel.store.models import Account


class LanguageChange(BaseModel):
    """The account's language before and after (None: the default language setting)."""

    account_id: str
    account_name: str
    previous: str | None
    language: str | None


def set_language(
    session: Session, *, account: Account, language: str | None, actor: str, at: datetime
) -> LanguageChange:
    """Store the account's language tag (normalised; None clears it) and record `account.language_changed`."""
    tag = normalise_language(language) if language is not None else None
    previous, account.language = account.language, tag
    if previous != tag:
        record_event(
            session,
            kind="account.language_changed",
            at=at,
            account_id=account.id,
            entity_type="account",
            entity_id=account.id,
            actor=actor,
            payload={"from": previous, "to": tag},
        )
    return LanguageChange(account_id=account.id, account_name=account.name, previous=previous, language=tag)
