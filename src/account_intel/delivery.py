"""Delivering a sent message: SMTP when configured, else an `.eml` file in the outbox under the home folder.

Any failure comes back as a `DeliveryError` naming where the message was going and what to check; the caller
decides whether the message stays unsent for a retry.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, parseaddr
from pathlib import Path

from sqlalchemy.orm import Session

from account_intel.domain.email_address import parse_recipients
from account_intel.errors import DeliveryError
from account_intel.outbox import build_email, deliver
from account_intel.settings import Settings
from account_intel.store.models import Account, OutboundMessage, User


@dataclass(frozen=True, slots=True)
class Delivery:
    """Where a message went, and the recipients the SMTP server refused while it took the message for the others
    (address -> the server's reply); a server that refuses every recipient raises `DeliveryError` instead."""

    where: str
    refused: dict[str, str] = field(default_factory=dict)


def from_address(user: User | None, fallback: str) -> str:
    """A From line for a vendor user ('Zoe Weber <zoe@vendor.test>'), else `fallback` when there is none."""
    if user is None or not user.email:
        return fallback
    return formataddr((user.name, user.email))


def sender_of(session: Session, message: OutboundMessage, settings: Settings) -> str:
    """Who a customer sees the message from: the account's AE by name and address, else the configured sender."""
    account = session.get(Account, message.account_id)
    ae = session.get(User, account.ae_id) if account is not None and account.ae_id else None
    return from_address(ae, settings.mail_from)


def deliver_message(settings: Settings, message: OutboundMessage, *, sender: str | None = None) -> Delivery:
    """Hand one sent message to SMTP or the outbox, from `sender` (default: the configured sender); return where it
    went, or raise `DeliveryError`."""
    email = build_email(
        message_id=message.id,
        sender=sender or settings.mail_from,
        to=message.to_address,
        cc=message.cc,
        bcc=message.bcc,
        subject=message.subject,
        body=message.body,
        sent_at=message.sent_at or message.created_at,
    )
    if not settings.smtp_host:
        return _to_outbox(settings, message, email)
    return _to_smtp(settings, message, email)


def envelope_recipients(to: str, cc: str | None, bcc: str | None = None) -> list[str]:
    """Every address of the To, Cc and Bcc lines, normalised, once each, in order: exactly the ones the gate judged."""
    return [recipient.address for recipient in parse_recipients(to, cc, bcc)]


def _to_outbox(settings: Settings, message: OutboundMessage, email: EmailMessage) -> Delivery:
    try:
        return Delivery(str(deliver(email, Path(settings.home))))
    except OSError as exc:
        raise DeliveryError(
            f"Message {message.id} could not be written to the outbox under {settings.home}: {_describe(exc)}. "
            "Check that ACCOUNT_INTEL_HOME points to a writable folder with free space."
        ) from exc


def _to_smtp(settings: Settings, message: OutboundMessage, email: EmailMessage) -> Delivery:
    host, port = settings.smtp_host or "", settings.smtp_port
    try:
        refused = _send_smtp(settings, host, email, envelope_recipients(message.to_address, message.cc, message.bcc))
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(
            f"Message {message.id} could not be delivered by the SMTP server {host}:{port}: {_describe(exc)}. "
            "Check ACCOUNT_INTEL_SMTP_HOST and ACCOUNT_INTEL_SMTP_PORT (and ACCOUNT_INTEL_SMTP_USERNAME, "
            "ACCOUNT_INTEL_SMTP_PASSWORD, ACCOUNT_INTEL_SMTP_STARTTLS if the server needs them), that the server "
            f"is reachable and accepts mail from {settings.mail_from}. The message was not sent and can be retried."
        ) from exc
    return Delivery(
        f"smtp://{host}:{port}/{message.id}", {address: _reply(*reply) for address, reply in refused.items()}
    )


def _send_smtp(
    settings: Settings, host: str, email: EmailMessage, recipients: list[str]
) -> dict[str, tuple[int, bytes]]:
    """Send; return the recipients the server refused while accepting the others."""
    smtp = smtplib.SMTP(host, settings.smtp_port, timeout=settings.smtp_timeout_seconds)
    try:
        smtp.ehlo()
        if settings.smtp_starttls and smtp.has_extn("starttls"):
            smtp.starttls()
            smtp.ehlo()
        elif settings.smtp_starttls and settings.smtp_username:
            raise smtplib.SMTPNotSupportedError(
                "the server does not offer STARTTLS, and the password is never sent in clear "
                "(set ACCOUNT_INTEL_SMTP_STARTTLS=false only for a trusted local relay)"
            )
        if settings.smtp_username:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            smtp.login(settings.smtp_username, password)
        sender = parseaddr(settings.mail_from)[1] or settings.mail_from
        return smtp.send_message(email, from_addr=sender, to_addrs=recipients)
    finally:
        _close(smtp)


def _close(smtp: smtplib.SMTP) -> None:
    """Say QUIT, ignoring a server that hangs up first: once the server took the message, it is delivered."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _describe(exc: BaseException) -> str:
    """A short, secret-free description of a delivery failure."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = "; ".join(f"{address} ({_reply(*reply)})" for address, reply in exc.recipients.items())
        return f"every recipient was refused: {refused}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"the server replied {_reply(exc.smtp_code, exc.smtp_error)}"
    if isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError):  # smtplib wraps a read timeout
        return "no answer before the timeout (ACCOUNT_INTEL_SMTP_TIMEOUT_SECONDS)"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    return str(exc) or type(exc).__name__


def _reply(code: int, text: bytes | str) -> str:
    return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}".strip()
