"""Small English helpers every deliverable shares: counts with the right plural, 'a' or 'an', labels from codes."""

from __future__ import annotations

import re

_IRREGULAR = {"person": "people", "company": "companies", "opportunity": "opportunities", "activity": "activities"}
_VOWEL_SOUND_EXCEPTIONS = ("uni", "use", "usa", "euro", "one", "once")
_SILENT_H = ("hour", "honest", "honour", "heir")
_ACRONYM_VOWEL = "AEFHILMNORSX"


def plural(noun: str, count: int | float = 2) -> str:
    """The noun's form for `count`: 'peer' for 1, 'peers' otherwise (a few irregular nouns too)."""
    if count == 1 or not noun:
        return noun
    if noun.lower() in _IRREGULAR:
        word = _IRREGULAR[noun.lower()]
        return word.capitalize() if noun[0].isupper() else word
    if re.search(r"[^aeiou]y$", noun):
        return noun[:-1] + "ies"
    if re.search(r"(s|x|z|ch|sh)$", noun):
        return noun + "es"
    return noun + "s"


def count(value: int | float, noun: str, *, zero: str = "no") -> str:
    """'1 peer', '12 peers', 'no peers' (or `zero` in front of the plural)."""
    shown = zero if value == 0 else f"{value:,}" if isinstance(value, int) else str(value)
    return f"{shown} {plural(noun, value)}"


def article(phrase: str) -> str:
    """'a' or 'an' for the phrase, by how it sounds: 'an email', 'a user', 'an SMS', 'a call'."""
    word = phrase.strip().split(" ", 1)[0] if phrase.strip() else ""
    if not word:
        return "a"
    if number := re.match(r"\d[\d,]*", word):
        digits = number.group().replace(",", "")  # 8, 11, 18, 80-89, 11,000 are said with a vowel first
        return "an" if digits.startswith("8") or (len(digits) % 3 == 2 and digits[:2] in ("11", "18")) else "a"
    if word.isupper() and len(word) > 1:
        return "an" if word[0] in _ACRONYM_VOWEL else "a"
    lower = word.lower()
    if lower.startswith(_SILENT_H):
        return "an"
    if lower.startswith(_VOWEL_SOUND_EXCEPTIONS):
        return "a"
    return "an" if lower[0] in "aeiou" else "a"


def with_article(phrase: str) -> str:
    """The phrase with its indefinite article: 'an email', 'a meeting'."""
    return f"{article(phrase)} {phrase}"


def label(code: str) -> str:
    """A readable label from a code: 'intro_request' -> 'Introduction request', 'seat_expansion' -> 'Seat expansion'."""
    text = _LABELS.get(code)
    if text is not None:
        return text
    words = code.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def without_prefix(title: str, prefix: str) -> str:
    """The title without a leading `prefix` (repeated or not), so 'Proposal: ' is never doubled."""
    while title.lower().startswith(prefix.lower()):
        title = title[len(prefix) :].lstrip()
    return title


_LABELS = {
    "intro_request": "Introduction request",
    "qbr_invitation": "QBR invitation",
    "expansion_follow_up": "Expansion follow-up",
    "multithreading": "Meet more of the team",
    "rescue_check_in": "Check-in",
    "close_now": "Close now",
    "news_linkedin": "News or LinkedIn",
    "qbr_discussion": "QBR discussion",
    "cs_driven_expansion": "CS-driven expansion",
}
