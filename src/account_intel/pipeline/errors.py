"""Domain errors of the expansion pipeline, each with a message a user can act on."""

from __future__ import annotations

from account_intel.errors import DomainError, InvalidStateError, NotFoundError, ValidationFailed

CREATE_FAILED = "Failed to create opportunity. Check required fields."
MOVE_FAILED = "Failed to update opportunity."
PROPOSAL_FAILED = "Failed to generate proposal. Use manual creation."
PDF_MISSING = "PDF output needs fpdf2: pip install 'account-intel[pdf]'"


class FieldProblems(ValidationFailed):
    """Input broke one or more field rules; the message leads with the form's failure line, then each problem.

    `fields` names the input field of each problem (None for one that is not a single field's), so that a form can
    show every problem next to its field.
    """

    def __init__(
        self, problems: list[str], lead: str = CREATE_FAILED, *, fields: list[str | None] | None = None
    ) -> None:
        self.problems = problems
        self.lead = lead
        self.fields: list[str | None] = list(fields) if fields is not None else [None] * len(problems)
        super().__init__(" ".join([lead, *problems]))


class PreconditionFailed(InvalidStateError):
    """The account does not meet the pipeline's preconditions and no override was given."""

    def __init__(self, account_name: str, failures: list[str]) -> None:
        self.failures = failures
        super().__init__(
            f"Cannot create an expansion opportunity for {account_name}: "
            + "; ".join(failures)
            + ". To proceed anyway, give an override reason (it is recorded)."
        )


class InvalidTransition(InvalidStateError):
    """A stage move that skips a stage, leaves a closed opportunity, or goes nowhere."""


class ContactNotFound(NotFoundError):
    """A named contact is not a contact of the opportunity's account."""

    def __init__(self, role_label: str, ref: str) -> None:
        self.ref = ref
        self.role = role_label
        what = "Contact" if role_label == "Contact" else f"{role_label} contact"
        super().__init__(f"{what} not found in system. ('{ref}': add the contact first.)")


class ProposalGenerationFailed(DomainError):
    """The proposal template could not be loaded or rendered."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(f"{PROPOSAL_FAILED} ({detail})")


class PdfUnavailable(DomainError):
    """PDF output was asked for but the optional fpdf2 library is not installed."""

    def __init__(self) -> None:
        super().__init__(PDF_MISSING)
