"""Database guards on decisions (migration 0007): the last line, whoever writes to the tables.

- A decision row is refused unless its approver is an active user who is a manager or the message account's AE.
- One decision per message: a second row for the same message is refused.
- Decisions are immutable: UPDATE and DELETE on `message_approvals` are refused (the event log is already
  append-only, see `guards.py`).
- A message's status is one of draft, approved, rejected, sent.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from account_intel.store.migrations.guards import run_for_dialect

APPROVER_REFUSED = "a decision needs an active approver who is a manager or the AE of the account"
SECOND_DECISION = "a message takes one decision"
DECISION_IMMUTABLE = "decisions are immutable"
BAD_STATUS = "message status must be draft, approved, rejected or sent"

_APPROVER_OK = """EXISTS (SELECT 1 FROM users u JOIN outbound_messages m ON m.id = NEW.message_id
                  JOIN accounts a ON a.id = m.account_id
                  WHERE u.id = NEW.approver_id AND u.active = {true} AND (u.role = 'manager' OR a.ae_id = u.id))"""
_DECIDED = "EXISTS (SELECT 1 FROM message_approvals d WHERE d.message_id = NEW.message_id)"
_STATUS_OK = "NEW.status IN ('draft', 'approved', 'rejected', 'sent')"

SQLITE = [
    f"""CREATE TRIGGER approvals_approver_guard BEFORE INSERT ON message_approvals
        WHEN NOT {_APPROVER_OK.format(true=1)} BEGIN SELECT RAISE(ABORT, '{APPROVER_REFUSED}'); END""",
    f"""CREATE TRIGGER approvals_one_decision BEFORE INSERT ON message_approvals
        WHEN {_DECIDED} BEGIN SELECT RAISE(ABORT, '{SECOND_DECISION}'); END""",
    f"""CREATE TRIGGER approvals_no_update BEFORE UPDATE ON message_approvals
        BEGIN SELECT RAISE(ABORT, '{DECISION_IMMUTABLE}'); END""",
    f"""CREATE TRIGGER approvals_no_delete BEFORE DELETE ON message_approvals
        BEGIN SELECT RAISE(ABORT, '{DECISION_IMMUTABLE}'); END""",
    f"""CREATE TRIGGER outbound_status_insert BEFORE INSERT ON outbound_messages
        WHEN NOT {_STATUS_OK} BEGIN SELECT RAISE(ABORT, '{BAD_STATUS}'); END""",
    f"""CREATE TRIGGER outbound_status_update BEFORE UPDATE OF status ON outbound_messages
        WHEN NOT {_STATUS_OK} BEGIN SELECT RAISE(ABORT, '{BAD_STATUS}'); END""",
]
SQLITE_DROPS = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "approvals_approver_guard",
        "approvals_one_decision",
        "approvals_no_update",
        "approvals_no_delete",
        "outbound_status_insert",
        "outbound_status_update",
    )
]

POSTGRES = [
    f"""CREATE FUNCTION approvals_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP <> 'INSERT' THEN RAISE EXCEPTION '{DECISION_IMMUTABLE}'; END IF;
          IF NOT {_APPROVER_OK.format(true="true")} THEN RAISE EXCEPTION '{APPROVER_REFUSED}'; END IF;
          IF {_DECIDED} THEN RAISE EXCEPTION '{SECOND_DECISION}'; END IF;
          RETURN NEW;
        END $$""",
    """CREATE TRIGGER approvals_guard BEFORE INSERT OR UPDATE OR DELETE ON message_approvals
        FOR EACH ROW EXECUTE FUNCTION approvals_guard()""",
    "ALTER TABLE outbound_messages ADD CONSTRAINT ck_outbound_messages_status "
    f"CHECK ({_STATUS_OK.replace('NEW.', '')})",
]
POSTGRES_DROPS = [
    "ALTER TABLE outbound_messages DROP CONSTRAINT IF EXISTS ck_outbound_messages_status",
    "DROP TRIGGER IF EXISTS approvals_guard ON message_approvals",
    "DROP FUNCTION IF EXISTS approvals_guard()",
]


def install_decision_guards(bind: Connection) -> None:
    """Create the decision guards for this database."""
    run_for_dialect(bind, postgres=POSTGRES, sqlite=SQLITE)


def drop_decision_guards(bind: Connection) -> None:
    """Remove them (downgrade)."""
    run_for_dialect(bind, postgres=POSTGRES_DROPS, sqlite=SQLITE_DROPS)
