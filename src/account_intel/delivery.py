"""Delivering a sent message: SMTP when configured, else an `.eml` file in the outbox under the home folder."""

from __future__ import annotations

import smtplib
from pathlib import Path

from account_intel.outbox import build_email, deliver
from account_intel.settings import Settings
from account_intel.store.models import OutboundMessage


def deliver_message(settings: Settings, message: OutboundMessage) -> str:
    """Hand one sent message to SMTP or the outbox; return where it went."""
    email = build_email(
        message_id=message.id,
        sender=settings.mail_from,
        to=message.to_address,
        cc=message.cc,
        subject=message.subject,
        body=message.body,
        sent_at=message.sent_at or message.created_at,
    )
    if not settings.smtp_host:
        return str(deliver(email, Path(settings.home)))
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        smtp.ehlo()
        if settings.smtp_starttls and smtp.has_extn("starttls"):
            smtp.starttls()
            smtp.ehlo()
        if settings.smtp_username:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            smtp.login(settings.smtp_username, password)
        smtp.send_message(email)
    return f"smtp://{settings.smtp_host}:{settings.smtp_port}/{message.id}"
