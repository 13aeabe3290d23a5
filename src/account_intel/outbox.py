"""The outbox: a sent message is written as an `.eml` file under `<ACCOUNT_INTEL_HOME>/outbox/`.

SMTP delivery comes later; until then the outbox is where sent mail can be read, forwarded or audited.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from account_intel.domain.email_address import header_lines

ID_HEADER = "X-Account-Intel-Message"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Attachment:
    """A file attached to an email."""

    filename: str
    content: bytes
    mime_type: str  # "text/markdown", "text/html", "application/pdf"


def build_email(
    *,
    message_id: str,
    sender: str,
    to: str,
    subject: str,
    body: str,
    sent_at: datetime,
    cc: str | None = None,
    bcc: str | None = None,
    attachments: list[Attachment] | None = None,
) -> EmailMessage:
    """An RFC 5322 email for an outbound message, with its attachments.

    The To, Cc and Bcc headers carry the normalised addresses the gate judged (display names re-quoted). The Bcc
    header stays in the outbox copy; SMTP delivery never transmits it."""
    to_line, cc_line, bcc_line = header_lines(to, cc, bcc)
    email = EmailMessage()
    email["From"] = sender
    email["To"] = to_line or ""
    if cc_line:
        email["Cc"] = cc_line
    if bcc_line:
        email["Bcc"] = bcc_line
    email["Subject"] = subject
    email["Date"] = format_datetime(sent_at)
    email["Message-ID"] = f"<{message_id}@account-intel>"
    email[ID_HEADER] = message_id
    email.set_content(body)
    for attachment in attachments or []:
        maintype, _, subtype = attachment.mime_type.partition("/")
        email.add_attachment(attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename)
    return email


def deliver(message: EmailMessage, home: Path) -> Path:
    """Write `message` to `<home>/outbox/<message id>.eml` atomically and return the path."""
    outbox = Path(home).expanduser() / "outbox"
    outbox.mkdir(parents=True, exist_ok=True)
    name = _UNSAFE.sub("_", str(message.get(ID_HEADER) or message.get("Message-ID") or "message")).strip("_")
    path = outbox / f"{name}.eml"
    partial = path.with_suffix(".eml.partial")
    partial.write_bytes(message.as_bytes())
    os.replace(partial, path)
    return path
