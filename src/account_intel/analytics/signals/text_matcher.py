"""Deterministic matcher for free text (notes, tickets, activities): department, location, initiative, vendor-pain
and growth mentions, from data-driven lexicons (`config/text_signals.yaml`).

The offline baseline: literal terms and regular expressions on word boundaries, nothing clever. Text is data:
it is only searched, never executed or followed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from account_intel.analytics.config_loader import parse_model, read_yaml, resolve_file
from account_intel.analytics.evidence import Evidence, row_evidence
from account_intel.analytics.facts import AccountFacts, MentionRow

TEXT_FILE = "text_signals.yaml"
MATCHER_VERSION = "1"  # bump when matching changes: stored mentions of an older matcher are then matched again


class MentionKind(StrEnum):
    """What a mention is about."""

    DEPARTMENT = "department"
    LOCATION = "location"
    INITIATIVE = "initiative"
    VENDOR_PAIN = "vendor_pain"
    GROWTH = "growth"


_KIND_KEYS = {
    MentionKind.DEPARTMENT: "departments",
    MentionKind.LOCATION: "locations",
    MentionKind.INITIATIVE: "initiatives",
    MentionKind.VENDOR_PAIN: "vendor_pain",
    MentionKind.GROWTH: "growth",
}


def _compiles(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None


def _check_regex(patterns: list[str]) -> list[str]:
    for pattern in patterns:
        _compiles(pattern)
    return patterns


class LexiconEntry(BaseModel):
    """One normalised value and the words that mention it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: str = Field(min_length=1)
    terms: list[str] = Field(default_factory=list)
    case_sensitive: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)

    @field_validator("patterns")
    @classmethod
    def _compile(cls, patterns: list[str]) -> list[str]:
        return _check_regex(patterns)


class KindLexicon(BaseModel):
    """The entries of one mention kind, with capture and exclusion patterns."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    entries: list[LexiconEntry] = Field(default_factory=list)
    capture: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)

    @field_validator("exclude")
    @classmethod
    def _compile(cls, patterns: list[str]) -> list[str]:
        return _check_regex(patterns)

    @field_validator("capture")
    @classmethod
    def _named_group(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            if "value" not in _compiles(pattern).groupindex:
                raise ValueError(f"capture pattern {pattern!r} needs a named group (?P<value>...)")
        return patterns


class TextLexicon(BaseModel):
    """All lexicons of the matcher."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_chars: int = Field(default=20000, ge=100)
    departments: KindLexicon = Field(default_factory=KindLexicon)
    locations: KindLexicon = Field(default_factory=KindLexicon)
    initiatives: KindLexicon = Field(default_factory=KindLexicon)
    vendor_pain: KindLexicon = Field(default_factory=KindLexicon)
    growth: KindLexicon = Field(default_factory=KindLexicon)


class TextMention(BaseModel):
    """A mention found in one text: what, the words as written, the normalised value, and where."""

    kind: MentionKind
    value: str = Field(description="Normalised value, e.g. 'Marketing' for 'mktg'.")
    matched: str = Field(description="The text as written.")
    start: int = Field(description="Offset of the match in the field.")
    field: str = Field(description="Field searched: subject or body.")
    source_id: str = Field(description="Evidence id of the source row, e.g. activity:ACT-7 or ticket:T-1.")
    on: date | None = Field(default=None, description="Date of the source.")
    evidence: Evidence | None = Field(default=None, description="The source row as evidence.")

    def as_tuple(self) -> tuple[str, str, str]:
        """(kind, value, source evidence id): the shape `analytics.whitespace` takes as `mentions`."""
        return (self.kind.value, self.value, self.source_id)


_BOUND_L, _BOUND_R = r"(?<![\w&])", r"(?![\w&])"


def _literal(term: str) -> str:
    return r"\s+".join(re.escape(word) for word in term.split())


class _CompiledKind:
    """One kind's regexes: one alternation per case mode with a group per entry, plus captures and exclusions."""

    def __init__(self, kind: MentionKind, lexicon: KindLexicon) -> None:
        self.kind = kind
        self.values = [entry.value for entry in lexicon.entries]
        self.by_term = {term.lower(): entry.value for entry in lexicon.entries for term in entry.terms}
        self.insensitive = self._alternation(lexicon.entries, sensitive=False)
        self.sensitive = self._alternation(lexicon.entries, sensitive=True)
        self.capture = [re.compile(p) for p in lexicon.capture]
        self.exclude = [re.compile(p, re.IGNORECASE) for p in lexicon.exclude]

    @staticmethod
    def _alternation(entries: list[LexiconEntry], *, sensitive: bool) -> re.Pattern[str] | None:
        branches = []
        for index, entry in enumerate(entries):
            if sensitive:
                parts = [_literal(t) for t in entry.case_sensitive]
            else:
                parts = [_literal(t) for t in entry.terms] + [f"(?:{p})" for p in entry.patterns]
            if parts:
                parts.sort(key=len, reverse=True)
                branches.append(f"(?P<e{index}>{'|'.join(parts)})")
        if not branches:
            return None
        return re.compile(_BOUND_L + "(?:" + "|".join(branches) + ")" + _BOUND_R, 0 if sensitive else re.IGNORECASE)

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, value) of every match, exclusions removed, first occurrence per value."""
        found: list[tuple[int, int, str]] = []
        for pattern in (self.insensitive, self.sensitive):
            if pattern is None:
                continue
            for m in pattern.finditer(text):
                found.append((m.start(), m.end(), self.values[int(m.lastgroup[1:])]))  # type: ignore[index]
        for pattern in self.capture:
            for m in pattern.finditer(text):
                captured = m.group("value")
                found.append((m.start("value"), m.end("value"), self.by_term.get(captured.lower(), captured)))
        if self.exclude and found:
            blocked = [(m.start(), m.end()) for p in self.exclude for m in p.finditer(text)]
            found = [f for f in found if not any(s <= f[0] and f[1] <= e for s, e in blocked)]
        found.sort()
        seen: set[str] = set()
        unique = []
        for start, end, value in found:
            if value not in seen:
                seen.add(value)
                unique.append((start, end, value))
        return unique


class TextMatcher:
    """A compiled lexicon: `match` one text, or `scan` an account's recent activities and tickets."""

    def __init__(self, lexicon: TextLexicon) -> None:
        self.lexicon = lexicon
        self._kinds = [_CompiledKind(kind, getattr(lexicon, key)) for kind, key in _KIND_KEYS.items()]
        self.digest = hashlib.sha256(f"{MATCHER_VERSION}:{lexicon.model_dump_json()}".encode()).hexdigest()[:16]

    def match(self, text: str | None) -> list[tuple[MentionKind, int, int, str]]:
        """(kind, start, end, value) of each mention in `text`, by kind then position."""
        if not text:
            return []
        text = text[: self.lexicon.max_chars]
        found = [(k.kind, start, end, value) for k in self._kinds for start, end, value in k.find(text)]
        # a term inside a longer phrase of another kind belongs to that phrase ("headache for procurement")
        return [
            m
            for m in found
            if not any(o[0] != m[0] and o[1] <= m[1] and m[2] <= o[2] and o[2] - o[1] > m[2] - m[1] for o in found)
        ]

    def mentions(
        self,
        *,
        source_id: str,
        fields: Iterable[tuple[str, str | None]],
        on: date | None = None,
        evidence: Evidence | None = None,
    ) -> list[TextMention]:
        """Mentions in the named fields of one source row."""
        out = []
        for field, text in fields:
            for kind, start, end, value in self.match(text):
                out.append(
                    TextMention(
                        kind=kind,
                        value=value,
                        matched=(text or "")[start:end],
                        start=start,
                        field=field,
                        source_id=source_id,
                        on=on,
                        evidence=evidence,
                    )
                )
        return out

    def scan(self, facts: AccountFacts, *, since: date | None = None) -> list[TextMention]:
        """Mentions in the account's activities and tickets dated after `since` (all loaded ones when None)."""
        out: list[TextMention] = []
        for a in facts.activities:
            if since is None or a.occurred_on > since:
                ev = row_evidence("activity", a.id, f"{a.kind}_text", period=a.occurred_on.isoformat())
                out += self.mentions(
                    source_id=ev.id, fields=(("subject", a.subject), ("body", a.body)), on=a.occurred_on, evidence=ev
                )
        for t in facts.tickets:
            if since is None or t.opened_on > since:
                ev = row_evidence("ticket", t.id, "ticket_text", period=t.opened_on.isoformat())
                out += self.mentions(
                    source_id=ev.id, fields=(("subject", t.subject), ("body", t.body)), on=t.opened_on, evidence=ev
                )
        return out


def text_hash(subject: str | None, body: str | None) -> str:
    """The hash of a source row's text, kept with its stored mentions (edited text is matched again)."""
    return hashlib.blake2b(f"{subject or ''}\x1f{body or ''}".encode(), digest_size=16).hexdigest()


def account_mentions(facts: AccountFacts, matcher: TextMatcher) -> list[TextMention]:
    """The account's text mentions, as `matcher.scan(facts)` finds them: the stored ones when every loaded
    activity and ticket was matched with this lexicon and its text is unchanged, else matched now."""
    stored = stored_mentions(facts, matcher.digest)
    return stored if stored is not None else matcher.scan(facts)


def stored_mentions(facts: AccountFacts, digest: str) -> list[TextMention] | None:
    """The stored mentions in `scan`'s order, or None when a source lacks a current scan (or none were loaded)."""
    scans = facts.text_scans
    if scans is None:
        return None
    for a in facts.activities:
        if scans.get(("activity", a.id)) != (digest, text_hash(a.subject, a.body)):
            return None
    for t in facts.tickets:
        if scans.get(("ticket", t.id)) != (digest, text_hash(t.subject, t.body)):
            return None
    found: dict[tuple[str, str], list[MentionRow]] = {}
    for m in facts.stored_mentions:
        found.setdefault((m.source_table, m.source_id), []).append(m)
    if not found:
        return []
    sources = [
        (("activity", a.id), a.occurred_on, f"{a.kind}_text") for a in facts.activities if ("activity", a.id) in found
    ]
    sources += [(("ticket", t.id), t.opened_on, "ticket_text") for t in facts.tickets if ("ticket", t.id) in found]
    out: list[TextMention] = []
    for key, on, metric in sources:
        ev = row_evidence(key[0], key[1], metric, period=on.isoformat())
        for m in found[key]:
            out.append(
                TextMention.model_construct(
                    kind=MentionKind(m.kind),
                    value=m.value,
                    matched=m.matched,
                    start=m.start,
                    field=m.field,
                    source_id=ev.id,
                    on=on,
                    evidence=ev,
                )
            )
    return out


def load_lexicon(path: Path | None = None, *, home: Path | None = None) -> TextLexicon:
    """The lexicon from an explicit path, else `<home>/text_signals.yaml`, else the packaged default."""
    source = resolve_file(TEXT_FILE, path=path, home=home)
    return parse_model(TextLexicon, read_yaml(source), source=str(source))


@lru_cache(maxsize=8)
def _compiled(source: str, mtime: float) -> TextMatcher:
    return TextMatcher(load_lexicon(Path(source)))


def default_matcher(*, home: Path | None = None) -> TextMatcher:
    """A compiled matcher for the resolved lexicon file (cached per file and modification time)."""
    source = resolve_file(TEXT_FILE, home=home)
    return _compiled(str(source), source.stat().st_mtime)
