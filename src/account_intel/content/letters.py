"""Letters to customers in their language: `prompts/letters/{kind}_{language}` renders a subject line and a body.

Each letter template renders `Subject: ...`, a blank line, then the body. The customer's language picks the
template (`pt-BR` uses `proposal_email_pt`); without one, the default language's is used, then English, and the
letter says which language it is in, so that a person sees the fallback before anything is sent. Adding a
language is adding its templates to the content folder.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from account_intel.content import ContentError
from account_intel.content.templates import parse_template, render, template_path
from account_intel.domain.language import DEFAULT_LANGUAGE, primary_language

SUBJECT_PREFIX = "Subject: "

# How an amount in US dollars is written in each language (thousands separator, then the pattern).
_MONEY_STYLE: dict[str, tuple[str, str]] = {
    "en": (",", "${amount}"),
    "de": (".", "{amount} $"),
    "fr": ("\u202f", "{amount} $"),
    "es": (".", "{amount} US$"),
    "pt": (".", "US$ {amount}"),
    "nl": (".", "$ {amount}"),
}


class Letter(BaseModel):
    """A rendered letter: its subject and body, the language it is written in and the one that was asked for."""

    subject: str
    body: str
    language: str = Field(description="Language of the template used (en, de, ...).")
    requested: str = Field(description="The customer's language tag, as asked.")

    @property
    def fell_back(self) -> bool:
        """True when no template speaks the customer's language and another one was used."""
        return primary_language(self.requested) != self.language

    def note(self) -> str | None:
        """One line for a person to read when the letter is not in the customer's language."""
        if not self.fell_back:
            return None
        return f"written in '{self.language}': there is no letter in '{self.requested}' in the content folder"


def letter_language(kind: str, language: str, default_language: str, root: Path | None) -> str:
    """The language whose `kind` template is used: the customer's, else the default, else English."""
    return _letter_template(kind, language, default_language, root)[0]


def _letter_template(kind: str, language: str, default_language: str, root: Path | None) -> tuple[str, Path]:
    """The language chosen and its template file, found once."""
    for candidate in dict.fromkeys([primary_language(language), primary_language(default_language), "en"]):
        try:
            return candidate, template_path(f"{kind}_{candidate}", root)
        except ContentError:
            continue
    raise ContentError(f"No '{kind}' letter under prompts/letters/, not even '{kind}_{DEFAULT_LANGUAGE}'.")


def write_letter(kind: str, *, language: str, default_language: str, root: Path | None, **variables: Any) -> Letter:
    """Render the `kind` letter in the customer's language (or the fallback) and split off its subject line."""
    used, path = _letter_template(kind, language, default_language, root)
    spec = parse_template(path)
    text = render(spec, **variables).lstrip("\n")
    first, _, body = text.partition("\n")
    if not first.startswith(SUBJECT_PREFIX):
        raise ContentError(f"Template '{spec.name}' must start with a '{SUBJECT_PREFIX.strip()}' line.")
    subject = first.removeprefix(SUBJECT_PREFIX).strip()
    return Letter(subject=subject, body=body.strip() + "\n", language=used, requested=language)


def money_in(amount: Decimal, language: str) -> str:
    """A whole-dollar amount as a reader of this language writes it (`$180,000`, `180.000 $`)."""
    separator, pattern = _MONEY_STYLE.get(primary_language(language), _MONEY_STYLE["en"])
    whole = f"{amount.quantize(Decimal(1)):,}".replace(",", separator)
    return pattern.format(amount=whole)
