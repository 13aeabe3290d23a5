"""The approver guard of migration 0012: an AE decides only for their own accounts, recipients included.

Revision 0007's guard asked that the approver be a manager or the message account's AE. A message filed under one
account can name another account's contact, so now an AE (the role, not only the account column) must be the AE of
the message's account and of every account a recipient is a contact of; anyone else needs a manager.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from account_intel.store.migrations.decision_guards import (
    _APPROVER_OK,
    _DECIDED,
    APPROVER_REFUSED,
    DECISION_IMMUTABLE,
    SECOND_DECISION,
)
from account_intel.store.migrations.guards import run_for_dialect

APPROVER_OF_EVERY_RECIPIENT = (  # no quote marks: it goes into the trigger's SQL as a literal
    "a decision needs an active approver who is a manager, or the AE of the account of the message and of the "
    "account of every recipient"
)

_OWN_ACCOUNTS = """EXISTS (SELECT 1 FROM users u JOIN outbound_messages m ON m.id = NEW.message_id
                  JOIN accounts a ON a.id = m.account_id
                  WHERE u.id = NEW.approver_id AND u.active = {true}
                    AND (u.role = 'manager'
                         OR (u.role = 'ae' AND a.ae_id = u.id
                             AND NOT EXISTS (SELECT 1 FROM message_recipients r
                                             JOIN contacts c ON c.id = r.contact_id
                                             JOIN accounts ca ON ca.id = c.account_id
                                             WHERE r.message_id = NEW.message_id
                                               AND (ca.ae_id IS NULL OR ca.ae_id <> u.id)))))"""


def _sqlite_guard(condition: str, message: str) -> list[str]:
    return [
        "DROP TRIGGER IF EXISTS approvals_approver_guard",
        f"""CREATE TRIGGER approvals_approver_guard BEFORE INSERT ON message_approvals
            WHEN NOT {condition.format(true=1)} BEGIN SELECT RAISE(ABORT, '{message}'); END""",
    ]


def _postgres_guard(condition: str, message: str) -> list[str]:
    return [
        f"""CREATE OR REPLACE FUNCTION approvals_guard() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP <> 'INSERT' THEN RAISE EXCEPTION '{DECISION_IMMUTABLE}'; END IF;
              IF NOT {condition.format(true="true")} THEN RAISE EXCEPTION '{message}'; END IF;
              IF {_DECIDED} THEN RAISE EXCEPTION '{SECOND_DECISION}'; END IF;
              RETURN NEW;
            END $$"""
    ]


def install_approver_guard(bind: Connection) -> None:
    """The guard that checks every recipient's account."""
    run_for_dialect(
        bind,
        postgres=_postgres_guard(_OWN_ACCOUNTS, APPROVER_OF_EVERY_RECIPIENT),
        sqlite=_sqlite_guard(_OWN_ACCOUNTS, APPROVER_OF_EVERY_RECIPIENT),
    )


def restore_account_guard(bind: Connection) -> None:
    """Revision 0007's guard again (downgrade)."""
    run_for_dialect(
        bind,
        postgres=_postgres_guard(_APPROVER_OK, APPROVER_REFUSED),
        sqlite=_sqlite_guard(_APPROVER_OK, APPROVER_REFUSED),
    )
