"""What a draft's subject and body may hold: one implementation for every writer (agents, runs, proposals, CLI).

A subject is one line: control characters, CR and LF become spaces (a CRLF in a subject would inject mail
headers). A body keeps its line breaks and tabs and loses every other control character. Both are capped, so a
model cannot write a 3 MB email.
"""

from __future__ import annotations

import re
import unicodedata

from account_intel.errors import ValidationFailed

MAX_SUBJECT_CHARS = 200
MAX_BODY_CHARS = 5000
_SPACES = re.compile(r"\s+")


def _is_control(char: str) -> bool:
    return unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp"}


def clean_subject(subject: str) -> str:
    """The subject on one line, control characters as spaces; refused when empty or too long."""
    text = _SPACES.sub(" ", "".join(" " if _is_control(c) else c for c in subject)).strip()
    if not text:
        raise ValidationFailed("A message needs a subject.")
    if len(text) > MAX_SUBJECT_CHARS:
        raise ValidationFailed(f"subject: {len(text)} characters; at most {MAX_SUBJECT_CHARS}. Shorten it.")
    return text


def clean_body(body: str) -> str:
    """The body with CRLF as LF and no control characters but line breaks and tabs; refused when too long."""
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(c for c in text if c in "\n\t" or not _is_control(c)).strip()
    if len(text) > MAX_BODY_CHARS:
        raise ValidationFailed(f"body: {len(text)} characters; at most {MAX_BODY_CHARS}. Shorten it.")
    return text
