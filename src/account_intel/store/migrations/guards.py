"""Database-level guards installed by migrations: the rules hold whoever writes to the tables."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.engine import Connection

APPEND_ONLY = "event log is append-only"
SEND_REFUSED = "outbound message to a gated recipient has no recorded approval"
SENT_IMMUTABLE = "a sent message cannot be changed"

# A recipient is gated when the message's account is T1, when its contact is do-not-contact or belongs to a
# T1 account, or when its address is that of such a contact. Approval = an approved or edited decision whose
# final text is exactly the body being sent.
_GATED = """(
    EXISTS (SELECT 1 FROM accounts a WHERE a.id = NEW.account_id AND a.tier = 'T1')
    OR EXISTS (SELECT 1 FROM contacts c JOIN accounts a ON a.id = c.account_id
               WHERE (c.id = NEW.contact_id OR lower(c.email) = lower(NEW.to_address))
                 AND (c.do_not_contact = {true} OR a.tier = 'T1'))
)"""
_APPROVED = """EXISTS (SELECT 1 FROM message_approvals m
            WHERE m.message_id = NEW.id AND m.decision IN ('approved', 'edited') AND m.final_text = NEW.body)"""

# The send guard as revision 0001 made it; revision 0008 replaces it with one that judges every recipient
# (`recipient_guards.py`) and puts this one back on downgrade.
SQLITE_SEND_GUARDS = [
    f"""CREATE TRIGGER outbound_send_guard_update BEFORE UPDATE ON outbound_messages
        WHEN NEW.status = 'sent' AND {_GATED.format(true=1)} AND NOT {_APPROVED}
        BEGIN SELECT RAISE(ABORT, '{SEND_REFUSED}'); END""",
    f"""CREATE TRIGGER outbound_send_guard_insert BEFORE INSERT ON outbound_messages
        WHEN NEW.status = 'sent' AND {_GATED.format(true=1)} AND NOT {_APPROVED}
        BEGIN SELECT RAISE(ABORT, '{SEND_REFUSED}'); END""",
]
SQLITE_GUARDS = [
    f"""CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END""",
    f"""CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END""",
    *SQLITE_SEND_GUARDS,
    f"""CREATE TRIGGER outbound_sent_immutable BEFORE UPDATE ON outbound_messages
        WHEN OLD.status = 'sent'
        BEGIN SELECT RAISE(ABORT, '{SENT_IMMUTABLE}'); END""",
]

POSTGRES_SEND_GUARDS = [
    f"""CREATE FUNCTION outbound_send_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'UPDATE' AND OLD.status = 'sent' THEN
            RAISE EXCEPTION '{SENT_IMMUTABLE}';
          END IF;
          IF NEW.status = 'sent' AND {_GATED.format(true="true")} AND NOT {_APPROVED} THEN
            RAISE EXCEPTION '{SEND_REFUSED}';
          END IF;
          RETURN NEW;
        END $$""",
    """CREATE TRIGGER outbound_send_guard BEFORE INSERT OR UPDATE ON outbound_messages
        FOR EACH ROW EXECUTE FUNCTION outbound_send_guard()""",
]
POSTGRES_GUARDS = [
    f"""CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$""",
    """CREATE TRIGGER events_no_change BEFORE UPDATE OR DELETE ON events
        FOR EACH ROW EXECUTE FUNCTION events_append_only()""",
    *POSTGRES_SEND_GUARDS,
]

SQLITE_DROPS = [
    "DROP TRIGGER IF EXISTS events_no_update",
    "DROP TRIGGER IF EXISTS events_no_delete",
    "DROP TRIGGER IF EXISTS outbound_send_guard_update",
    "DROP TRIGGER IF EXISTS outbound_send_guard_insert",
    "DROP TRIGGER IF EXISTS outbound_sent_immutable",
]
POSTGRES_DROPS = [
    "DROP TRIGGER IF EXISTS events_no_change ON events",
    "DROP FUNCTION IF EXISTS events_append_only()",
    "DROP TRIGGER IF EXISTS outbound_send_guard ON outbound_messages",
    "DROP FUNCTION IF EXISTS outbound_send_guard()",
]


def run_for_dialect(bind: Connection, *, postgres: Sequence[str], sqlite: Sequence[str]) -> None:
    """Execute the statements written for this database's dialect, in order (every guard module's one runner)."""
    for statement in postgres if bind.dialect.name == "postgresql" else sqlite:
        bind.execute(text(statement))


def install_guards(bind: Connection) -> None:
    """Create the append-only and send-approval triggers for this database."""
    run_for_dialect(bind, postgres=POSTGRES_GUARDS, sqlite=SQLITE_GUARDS)


def drop_guards(bind: Connection) -> None:
    """Remove the triggers (downgrade)."""
    run_for_dialect(bind, postgres=POSTGRES_DROPS, sqlite=SQLITE_DROPS)
