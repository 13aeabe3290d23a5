"""The language a customer is written to in: one tag per account (`de`, `pt-BR`), and how a tag is read.

A tag is a BCP 47 language tag reduced to what mail needs: a two- or three-letter language, optionally a region
(`pt-BR`, `es-MX`) or a script. It is stored normalised (`pt-br` becomes `pt-BR`, `DE` becomes `de`). The text a
customer gets is chosen by the language alone (`pt-BR` uses the `pt` letters); a language with no letters in the
content folder is written to in the default language, and the draft says so.
"""

from __future__ import annotations

import re

from account_intel.errors import ValidationFailed

DEFAULT_LANGUAGE = "en"
MAX_TAG_CHARS = 16
EXAMPLES = "en, de, fr, es, pt-BR"

_TAG = re.compile(r"^(?P<language>[A-Za-z]{2,3})(?P<rest>(?:-[A-Za-z0-9]{2,8}){0,2})$")


class InvalidLanguage(ValidationFailed):
    """A value that is not a language tag; names the field and the value and shows good ones."""

    def __init__(self, field: str, value: str) -> None:
        self.field, self.value = field, value
        super().__init__(f"{field} '{value}' is not a language tag; use one like {EXAMPLES}.")


def normalise_language(value: str, *, field: str = "language") -> str:
    """The tag in its normal form: language lower-case, a region upper-case, a script title-case."""
    text = value.strip()
    match = _TAG.match(text)
    if match is None or len(text) > MAX_TAG_CHARS:
        raise InvalidLanguage(field, value)
    parts = [match["language"].lower()]
    for sub in filter(None, match["rest"].split("-")):
        if (len(sub) == 2 and sub.isalpha()) or sub.isdigit():
            parts.append(sub.upper())
        elif len(sub) == 4 and sub.isalpha():
            parts.append(sub.title())
        else:
            parts.append(sub.lower())
    return "-".join(parts)


def primary_language(tag: str) -> str:
    """The language part of a tag (`pt-BR` → `pt`): what chooses the letters."""
    return tag.split("-", 1)[0].lower()
