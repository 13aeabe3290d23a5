"""Email addresses: a contact's email is one bare, valid address; a message's recipients are parsed and normalised.

One implementation for every writer and reader: `contacts add`, the importer, the agents' draft tool, drafting a
message, the outbound gate and delivery.

- `check_email` accepts one bare address (`name@company.com`) and refuses, naming the field and the value and
  saying how to fix it, a display name (`Kemal <k@x.com>`), angle brackets, a list, whitespace inside, a missing
  `@` or a missing or dotless domain.
- `parse_recipients` reads To, Cc and Bcc lines with `email.utils.getaddresses` (display names, lists, angle
  brackets and stray whitespace are all understood) and gives each address once, normalised: stripped and
  lower-cased. The gate and delivery only ever see these normalised addresses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import formataddr, getaddresses

from account_intel.domain.enums import RecipientKind
from account_intel.errors import ValidationFailed

MAX_ADDRESS_CHARS = 200  # the store's column; RFC 5321 allows 254, no contact here needs more
MAX_LOCAL_CHARS = 64
EXAMPLE = "name@company.com"

_LOCAL_CHARS = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$")
_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")
_TLD = re.compile(r"^(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$")
_LIST_SEPARATORS = (",", ";")
_DISPLAY_MARKS = ("<", ">", '"', "(", ")")


class InvalidEmailAddress(ValidationFailed):
    """A value that is not one bare, valid email address; says which field, which value, and how to fix it."""

    def __init__(self, field: str, value: str, problem: str) -> None:
        self.field, self.value, self.problem = field, value, problem
        super().__init__(f"{field} '{value}' is not an email address: {problem}")


def email_problem(value: str) -> str | None:
    """Why `value` (already stripped) is not one bare, valid address, as a phrase; None when it is one."""
    fix = f"give the address alone, e.g. {EXAMPLE}"
    if not value:
        return f"it is empty; {fix}"
    if any(mark in value for mark in _LIST_SEPARATORS):
        return f"it is a list of addresses; give one address, e.g. {EXAMPLE}"
    if any(mark in value for mark in _DISPLAY_MARKS):
        return f"it has a display name, quotes or angle brackets; {fix}"
    if any(char.isspace() for char in value):
        return f"it has whitespace inside; {fix}, without spaces"
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        return f"it has a control character; {fix}"
    if value.count("@") == 0:
        return f"it has no @; write it as {EXAMPLE}"
    if value.count("@") > 1:
        return f"it has more than one @; {fix}"
    local, domain = value.split("@")
    if not local:
        return f"it has nothing before the @; write it as {EXAMPLE}"
    if not domain:
        return f"it has no domain after the @; write it as {EXAMPLE}"
    if len(value) > MAX_ADDRESS_CHARS:
        return f"it is longer than {MAX_ADDRESS_CHARS} characters; check it"
    if len(local) > MAX_LOCAL_CHARS:
        return f"it has more than {MAX_LOCAL_CHARS} characters before the @; check it"
    if not _LOCAL_CHARS.match(local) or local.startswith(".") or local.endswith(".") or ".." in local:
        return f"it has characters before the @ that an address cannot hold; {fix}"
    labels = domain.split(".")
    if len(labels) < 2:
        return f"its domain '{domain}' has no dot; write the full domain, e.g. {EXAMPLE}"
    if not all(_LABEL.match(label) for label in labels) or not _TLD.match(labels[-1]):
        return f"its domain '{domain}' is not a valid domain name; check the spelling, e.g. {EXAMPLE}"
    return None


def check_email(value: str, *, field: str = "email") -> str:
    """The address, stripped of surrounding whitespace, when it is one bare valid address; else raise
    `InvalidEmailAddress` naming `field` and the value."""
    text = value.strip()
    problem = email_problem(text)
    if problem is not None:
        raise InvalidEmailAddress(field, value, problem)
    return text


def normalise_address(address: str) -> str:
    """The form every comparison uses: stripped and lower-cased."""
    return address.strip().lower()


@dataclass(frozen=True, slots=True)
class Recipient:
    """One recipient of a message: To, Cc or Bcc, with its normalised address and the display name it came with."""

    kind: RecipientKind
    address: str
    display_name: str = ""


def parse_address_line(line: str | None) -> list[tuple[str, str]]:
    """(display name, normalised address) for each address of a To/Cc/Bcc line, empty entries left out."""
    if not line or not line.strip():
        return []
    return [(name.strip(), normalise_address(address)) for name, address in getaddresses([line]) if address.strip()]


def parse_recipients(to: str | None, cc: str | None = None, bcc: str | None = None) -> list[Recipient]:
    """Every recipient of the three lines, each address once (the first line that names it wins), in order."""
    seen: set[str] = set()
    out: list[Recipient] = []
    for kind, line in ((RecipientKind.TO, to), (RecipientKind.CC, cc), (RecipientKind.BCC, bcc)):
        for name, address in parse_address_line(line):
            if address not in seen:
                seen.add(address)
                out.append(Recipient(kind, address, name))
    return out


def checked_recipients(to: str | None, cc: str | None = None, bcc: str | None = None) -> list[Recipient]:
    """`parse_recipients`, refusing a line that names nothing readable and any address that is not valid."""
    for field, line in (("to", to), ("cc", cc), ("bcc", bcc)):
        if not line or not line.strip():
            continue
        addresses = parse_address_line(line)
        if not addresses:
            raise InvalidEmailAddress(field, line, f"it names no address; give one or more, e.g. {EXAMPLE}")
        for _, address in addresses:
            problem = email_problem(address)
            if problem is not None:
                read_from = f" (read from '{line.strip()}')" if address != normalise_address(line) else ""
                raise InvalidEmailAddress(field, address, problem + read_from)
    return parse_recipients(to, cc, bcc)


def address_line(recipients: list[Recipient], kind: RecipientKind) -> str | None:
    """The normalised addresses of one kind, comma-separated (None when there are none)."""
    return ", ".join(r.address for r in recipients if r.kind == kind) or None


def header_lines(
    to: str | None, cc: str | None = None, bcc: str | None = None
) -> tuple[str | None, str | None, str | None]:
    """The To, Cc and Bcc headers: each parsed address once, normalised, with its display name re-quoted, so the
    headers name exactly the addresses the gate judged."""
    recipients = parse_recipients(to, cc, bcc)

    def line(kind: RecipientKind) -> str | None:
        return ", ".join(formataddr((r.display_name, r.address)) for r in recipients if r.kind == kind) or None

    return line(RecipientKind.TO), line(RecipientKind.CC), line(RecipientKind.BCC)
