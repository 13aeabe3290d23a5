"""The one table of who may do what, enforced here for the CLI (and, later, the HTTP API and MCP).

| role    | read | draft | pipeline | health override | approve or send outreach | lift safety flag | users, tokens |
|---------|------|-------|----------|-----------------|--------------------------|------------------|---------------|
| admin   | yes  | yes   | yes      | yes             | no                       | yes              | yes           |
| manager | yes  | yes   | yes      | yes             | any account              | yes              | no            |
| ae      | yes  | yes   | yes      | yes             | accounts they are AE of  | no               | no            |
| am      | yes  | yes   | yes      | yes             | no                       | no               | no            |
| csm     | yes  | yes   | no       | yes             | no                       | no               | no            |

Working the pipeline is creating, moving, winning and losing opportunities, logging activities, tasks, proposals and
adding contacts. Overriding health is setting or clearing a manual health score.

Lifting a safety flag is clearing a contact's do-not-contact flag or demoting a T1 account, by any path.

Every action also needs an active user. The database triggers repeat the approval line: a decision row is refused
unless its approver is active and is a manager, or an AE of the message's account and of every recipient's account.
"""

from __future__ import annotations

from enum import StrEnum

from account_intel.domain.enums import UserRole
from account_intel.errors import PermissionDenied
from account_intel.store.models import Account, User


class Action(StrEnum):
    """What a user can ask the product to do."""

    READ = "read"
    DRAFT = "draft"
    PIPELINE = "work the pipeline"
    HEALTH = "override a health score"
    DECIDE = "approve, edit, reject or send outreach"
    LIFT_SAFETY = "clear a do-not-contact flag or demote a T1 account"
    ADMIN = "manage users and tokens"


ALLOWED: dict[UserRole, frozenset[Action]] = {
    UserRole.ADMIN: frozenset(
        {Action.READ, Action.DRAFT, Action.PIPELINE, Action.HEALTH, Action.LIFT_SAFETY, Action.ADMIN}
    ),
    UserRole.MANAGER: frozenset(
        {Action.READ, Action.DRAFT, Action.PIPELINE, Action.HEALTH, Action.DECIDE, Action.LIFT_SAFETY}
    ),
    UserRole.AE: frozenset({Action.READ, Action.DRAFT, Action.PIPELINE, Action.HEALTH, Action.DECIDE}),
    UserRole.AM: frozenset({Action.READ, Action.DRAFT, Action.PIPELINE, Action.HEALTH}),
    UserRole.CSM: frozenset({Action.READ, Action.DRAFT, Action.HEALTH}),
}


def may(user: User, action: Action, account: Account | None = None) -> bool:
    """Whether this user may take this action (on this account, where the action is per account)."""
    if not user.active or action not in ALLOWED.get(user.role, frozenset()):
        return False
    if action == Action.DECIDE and user.role == UserRole.AE:
        return account is not None and account.ae_id == user.id
    return True


def authorize(user: User, action: Action, account: Account | None = None) -> None:
    """Refuse, in one line naming the user, the action and why, unless the user may take it."""
    if may(user, action, account):
        return
    if not user.active:
        raise PermissionDenied(f"{user.name} is deactivated and may not {action.value}.")
    if action == Action.DECIDE and user.role == UserRole.AE and account is not None:
        raise PermissionDenied(f"{user.name} may not {action.value} for {account.name}: only its AE or a manager may.")
    raise PermissionDenied(f"{user.name} ({user.role.value}) may not {action.value}.")
