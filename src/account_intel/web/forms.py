"""Forms a domain rule refused: the page the form was on, shown again with the reason next to its field.

A refused form answers with its page re-rendered (`refuse`), and nothing the request wrote is kept: the page is
rendered first, then the request's transaction is rolled back (the services check before they write, so the page
shows the record as it was).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Response
from sqlalchemy.orm import Session

from account_intel.errors import DomainError
from account_intel.pipeline.errors import ContactNotFound, FieldProblems

# The field of a contact that was not found, by the role its message names.
CONTACT_FIELDS = {
    "Source": "source_contact",
    "Champion": "champion",
    "Decision maker": "decision_maker",
    "Influencer": "influencers",
}


@dataclass(frozen=True, slots=True)
class FormErrors:
    """What was wrong with a form: messages for the form as a whole, and messages for each field."""

    general: list[str] = field(default_factory=list)
    fields: dict[str, list[str]] = field(default_factory=dict)

    def of(self, name: str) -> list[str]:
        """The messages of one field."""
        return self.fields.get(name, [])


def form_errors(exc: DomainError) -> FormErrors:
    """A domain error as a form's messages: a field rule's problems next to their fields (the lead-in on top),
    a contact that is not the account's next to its field, anything else on top."""
    if isinstance(exc, FieldProblems):
        general, by_field = [exc.lead], {}
        for name, problem in zip(exc.fields, exc.problems, strict=True):
            if name:
                by_field.setdefault(name, []).append(problem)
            else:
                general.append(problem)
        return FormErrors(general=general, fields=by_field)
    if isinstance(exc, ContactNotFound) and exc.role in CONTACT_FIELDS:
        return FormErrors(fields={CONTACT_FIELDS[exc.role]: [str(exc)]})
    return FormErrors(general=[str(exc)])


def refuse(session: Session, page: Response) -> Response:
    """Answer a refused form with its page (already rendered), keeping nothing the request wrote."""
    session.rollback()
    return page
