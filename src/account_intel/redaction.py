"""Secrets never reach what is stored or printed: an endpoint that echoes its key in an error message is redacted
before the message lands in a run record, a checkpoint, an event or JSON output."""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import SecretStr

from account_intel.settings import Settings

REDACTED = "[redacted]"
_PATTERNS = (
    re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}"),
    re.compile(r"\bsk-[A-Za-z0-9_-]{6,}"),
    re.compile(r"(?i)\b(api[_-]?key|password|secret|token)(\"?\s*[:=]\s*\"?)[^\s\",}]{4,}"),
)


def secrets_of(settings: Settings) -> list[str]:
    """The secret values the settings hold (model key, SMTP password), for exact-match redaction."""
    values: Iterable[SecretStr | None] = (settings.openai_api_key, settings.smtp_password)
    return [v.get_secret_value() for v in values if v is not None and len(v.get_secret_value()) >= 4]


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """The text with every known secret and every key-looking token replaced by `[redacted]`."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    text = _PATTERNS[0].sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _PATTERNS[1].sub(REDACTED, text)
    return _PATTERNS[2].sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)


def failure_reason(exc: BaseException, settings: Settings, limit: int = 200) -> str:
    """`Type: message`, redacted, then cut to `limit` characters (redacted first, so a cut never leaks a part)."""
    return redact(f"{type(exc).__name__}: {exc}", secrets_of(settings))[: limit + len(type(exc).__name__) + 2]
