"""Database guards on recipients (migration 0008): the last line, whoever writes to the tables.

- The send guard judges every recipient row: marking a message `sent` (by UPDATE or by INSERT) is refused unless
  it has an approval of its exact body when its account is T1, when any recipient row is a contact of a T1
  account, a do-not-contact contact or an address matching no contact, or when it has no recipient row at all.
  The address lines themselves are also searched for a gated contact's address, so a line edited behind the
  rows' back is still caught.
- Once a message has a decision (its status left `draft`, or a decision row exists), its account, contact, sender,
  To, Cc, Bcc, subject and body cannot change, and its recipient rows cannot be added, changed or removed.

It replaces the send guard of revision 0001 (`guards.py`), which a downgrade puts back.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from account_intel.store.migrations.guards import (
    POSTGRES_SEND_GUARDS,
    SEND_REFUSED,
    SENT_IMMUTABLE,
    SQLITE_SEND_GUARDS,
    run_for_dialect,
)

DECIDED_FROZEN = "the sender, recipients, subject and body of a decided message cannot change"
RECIPIENTS_FROZEN = "the recipients of a decided message cannot change"

_GATED_CONTACT = "(c.do_not_contact = {true} OR a.tier = 'T1')"
# The address lines with their separators as spaces, padded, so ' address ' finds a whole address. Any change to a
# sent message is refused by revision 0001's `outbound_sent_immutable`, which stays ("cannot be changed").
_LINES = "' ' || lower({spaced}) || ' '"
_SEPARATORS = (",", ";", "<", ">", '"', "(", ")")


def _spaced(expression: str) -> str:
    for separator in _SEPARATORS:
        expression = f"replace({expression}, '{separator}', ' ')"
    return expression


_RAW_LINES = "(coalesce(NEW.to_address, '') || ' ' || coalesce(NEW.cc, '') || ' ' || coalesce(NEW.bcc, ''))"
_ALL_LINES = _LINES.format(spaced=_spaced(_RAW_LINES))

_GATED = f"""(
    EXISTS (SELECT 1 FROM accounts a WHERE a.id = NEW.account_id AND a.tier = 'T1'){{lines_match}}
    OR EXISTS (SELECT 1 FROM contacts c JOIN accounts a ON a.id = c.account_id
               WHERE c.id = NEW.contact_id AND {_GATED_CONTACT})
    OR NOT EXISTS (SELECT 1 FROM message_recipients r WHERE r.message_id = NEW.id)
    OR EXISTS (SELECT 1 FROM message_recipients r WHERE r.message_id = NEW.id
               AND (NOT EXISTS (SELECT 1 FROM contacts c WHERE lower(c.email) = r.address)
                    OR EXISTS (SELECT 1 FROM contacts c JOIN accounts a ON a.id = c.account_id
                               WHERE (lower(c.email) = r.address OR c.id = r.contact_id) AND {_GATED_CONTACT})))
    OR EXISTS (SELECT 1 FROM contacts c JOIN accounts a ON a.id = c.account_id
               WHERE {_GATED_CONTACT} AND length(c.email) > 0
                 AND {{position}}({_ALL_LINES}, ' ' || lower(c.email) || ' ') > 0)
)"""
# Revision 0010: the address lines name exactly the recipient rows. Every row's address is a whole address of the
# lines, and the lines hold no more '@' than there are rows, so an address written into a line behind the rows' back
# (an unknown one included) gates the message too.
_LINES_MATCH = f"""
    OR EXISTS (SELECT 1 FROM message_recipients r WHERE r.message_id = NEW.id
               AND {{position}}({_ALL_LINES}, ' ' || r.address || ' ') = 0)
    OR length({_RAW_LINES}) - length(replace({_RAW_LINES}, '@', ''))
       <> (SELECT count(*) FROM message_recipients r WHERE r.message_id = NEW.id)"""
_APPROVED = """EXISTS (SELECT 1 FROM message_approvals m
            WHERE m.message_id = NEW.id AND m.decision IN ('approved', 'edited') AND m.final_text = NEW.body)"""

_FROZEN_COLUMNS = ("account_id", "contact_id", "created_by", "to_address", "cc", "bcc", "subject", "body")
_OLD_DECIDED = "(OLD.status <> 'draft' OR EXISTS (SELECT 1 FROM message_approvals d WHERE d.message_id = OLD.id))"


def _changed(differs: str) -> str:
    return "(" + " OR ".join(f"NEW.{column} {differs} OLD.{column}" for column in _FROZEN_COLUMNS) + ")"


def _row_decided(message_id: str) -> str:
    return (
        f"(EXISTS (SELECT 1 FROM outbound_messages m WHERE m.id = {message_id} AND m.status <> 'draft')"
        f" OR EXISTS (SELECT 1 FROM message_approvals d WHERE d.message_id = {message_id}))"
    )


def _sqlite(lines_match: bool) -> list[str]:
    gated = _GATED.format(
        true=1, position="instr", lines_match=_LINES_MATCH.format(position="instr") if lines_match else ""
    )
    return [statement.replace("{gated}", gated) for statement in SQLITE]


SQLITE = [
    f"""CREATE TRIGGER outbound_send_guard_update BEFORE UPDATE ON outbound_messages
        WHEN NEW.status = 'sent' AND OLD.status <> 'sent' AND {{gated}} AND NOT {_APPROVED}
        BEGIN SELECT RAISE(ABORT, '{SEND_REFUSED}'); END""",
    f"""CREATE TRIGGER outbound_send_guard_insert BEFORE INSERT ON outbound_messages
        WHEN NEW.status = 'sent' AND {{gated}} AND NOT {_APPROVED}
        BEGIN SELECT RAISE(ABORT, '{SEND_REFUSED}'); END""",
    f"""CREATE TRIGGER outbound_decided_frozen BEFORE UPDATE ON outbound_messages
        WHEN OLD.status <> 'sent' AND {_OLD_DECIDED} AND {_changed("IS NOT")}
        BEGIN SELECT RAISE(ABORT, '{DECIDED_FROZEN}'); END""",
    f"""CREATE TRIGGER recipients_frozen_insert BEFORE INSERT ON message_recipients
        WHEN {_row_decided("NEW.message_id")}
        BEGIN SELECT RAISE(ABORT, '{RECIPIENTS_FROZEN}'); END""",
    f"""CREATE TRIGGER recipients_frozen_update BEFORE UPDATE ON message_recipients
        WHEN {_row_decided("OLD.message_id")} OR {_row_decided("NEW.message_id")}
        BEGIN SELECT RAISE(ABORT, '{RECIPIENTS_FROZEN}'); END""",
    f"""CREATE TRIGGER recipients_frozen_delete BEFORE DELETE ON message_recipients
        WHEN {_row_decided("OLD.message_id")}
        BEGIN SELECT RAISE(ABORT, '{RECIPIENTS_FROZEN}'); END""",
]
SQLITE_DROPS = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "outbound_send_guard_update",
        "outbound_send_guard_insert",
        "outbound_decided_frozen",
        "recipients_frozen_insert",
        "recipients_frozen_update",
        "recipients_frozen_delete",
    )
]

POSTGRES = [
    f"""CREATE FUNCTION outbound_send_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'UPDATE' THEN
            IF OLD.status = 'sent' THEN
              RAISE EXCEPTION '{SENT_IMMUTABLE}';
            END IF;
            IF {_OLD_DECIDED} AND {_changed("IS DISTINCT FROM")} THEN
              RAISE EXCEPTION '{DECIDED_FROZEN}';
            END IF;
          END IF;
          IF NEW.status = 'sent' AND {{gated}} AND NOT {_APPROVED} THEN
            RAISE EXCEPTION '{SEND_REFUSED}';
          END IF;
          RETURN NEW;
        END $$""",
    """CREATE TRIGGER outbound_send_guard BEFORE INSERT OR UPDATE ON outbound_messages
        FOR EACH ROW EXECUTE FUNCTION outbound_send_guard()""",
    f"""CREATE FUNCTION message_recipients_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP IN ('UPDATE', 'DELETE') THEN
            IF {_row_decided("OLD.message_id")} THEN
              RAISE EXCEPTION '{RECIPIENTS_FROZEN}';
            END IF;
          END IF;
          IF TG_OP IN ('INSERT', 'UPDATE') THEN
            IF {_row_decided("NEW.message_id")} THEN
              RAISE EXCEPTION '{RECIPIENTS_FROZEN}';
            END IF;
            RETURN NEW;
          END IF;
          RETURN OLD;
        END $$""",
    """CREATE TRIGGER message_recipients_guard BEFORE INSERT OR UPDATE OR DELETE ON message_recipients
        FOR EACH ROW EXECUTE FUNCTION message_recipients_guard()""",
]
POSTGRES_DROPS = [
    "DROP TRIGGER IF EXISTS message_recipients_guard ON message_recipients",
    "DROP FUNCTION IF EXISTS message_recipients_guard()",
    "DROP TRIGGER IF EXISTS outbound_send_guard ON outbound_messages",
    "DROP FUNCTION IF EXISTS outbound_send_guard()",
]


def _postgres(lines_match: bool) -> list[str]:
    gated = _GATED.format(
        true="true", position="strpos", lines_match=_LINES_MATCH.format(position="strpos") if lines_match else ""
    )
    return [statement.replace("{gated}", gated) for statement in POSTGRES]


def install_recipient_guards(bind: Connection, *, lines_match: bool = True) -> None:
    """Replace revision 0001's send guard with the recipient-aware one, and freeze decided messages; with
    `lines_match` (revision 0010), the address lines must also name exactly the recipient rows."""
    run_for_dialect(bind, postgres=POSTGRES_DROPS + _postgres(lines_match), sqlite=SQLITE_DROPS + _sqlite(lines_match))


def drop_recipient_guards(bind: Connection) -> None:
    """Remove them and put revision 0001's send guard back (downgrade)."""
    run_for_dialect(bind, postgres=POSTGRES_DROPS + POSTGRES_SEND_GUARDS, sqlite=SQLITE_DROPS + SQLITE_SEND_GUARDS)
