"""CRM text is data: a text that reads like an instruction to the system is flagged, and no text can close the
fence it is sent to the model in.

The patterns live in `tools/untrusted-text.yaml`, content a user can edit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from account_intel.content import ContentError
from account_intel.content.filecache import by_file_text
from account_intel.tools.specs import UNTRUSTED_TEXT_FILE, tools_folder

_FENCE = re.compile(r"<(/?)(\s*text\b)", re.IGNORECASE)


@dataclass(frozen=True)
class InstructionPattern:
    """One named way a text can read like an instruction."""

    name: str
    regex: re.Pattern[str]


@by_file_text
def _parse(path: Path) -> tuple[InstructionPattern, ...]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out = []
    for i, item in enumerate(data.get("instruction_patterns") or []):
        try:
            out.append(InstructionPattern(str(item["name"]), re.compile(str(item["pattern"]), re.IGNORECASE)))
        except (KeyError, TypeError, re.error) as exc:
            raise ContentError(f"{path}: instruction_patterns[{i}] needs a name and a valid pattern ({exc}).") from exc
    return tuple(out)


def instruction_patterns(root: Path | None = None) -> tuple[InstructionPattern, ...]:
    """The patterns under `<content root>/tools/` (the setting's copy, the package data or the source tree)."""
    path = tools_folder(root) / UNTRUSTED_TEXT_FILE
    if not path.is_file():
        raise ContentError(f"{path} is missing: restore it (an empty list flags nothing).")
    return _parse(path)


def reads_like_instruction(text: str, patterns: tuple[InstructionPattern, ...]) -> str | None:
    """The name of the first pattern the text matches (None: it reads as plain data)."""
    return next((p.name for p in patterns if p.regex.search(text)), None)


def fence_safe(text: str) -> str:
    """The text with every `<text` / `</text` written with a look-alike bracket, so it cannot open or close a fence."""
    return _FENCE.sub(lambda m: "\u2039" + m.group(1) + m.group(2), text)
