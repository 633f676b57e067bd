"""Who may do what: roles grant permissions; admins hold every permission.

Roles (User.roles, comma-separated): admin; modeler (deploy, publish, deprecate); operator (suspend,
resume, cancel, retry incidents, migrate, read the audit trail, read every instance, hand on the
tasks nobody was found for); user (start what they may start, read the instances they started or
have a task in, see and complete their tasks). Roles add up: an operator who also works tasks has
"operator,user".
Signature roles ("QA", "System Owner") are groups, not these roles: see services/signatures.py.
"""

from __future__ import annotations

from app.errors import Forbidden
from app.models import Definition, User
from app.services.bundles import DefinitionFacts

READ, DEPLOY, PUBLISH, START, WORK, TRIAGE = "read", "deploy", "publish", "start", "work", "triage"
CORRELATE, DECIDE, OPERATE, AUDIT, SELF, ADMIN = "correlate", "decide", "operate", "audit", "self", "admin"

ROLES = ("admin", "modeler", "operator", "user")
PERMISSIONS: dict[str, frozenset[str]] = {
    READ: frozenset({"modeler", "operator", "user"}),  # definitions, instances, history
    DEPLOY: frozenset({"modeler"}),
    PUBLISH: frozenset({"modeler"}),  # publish and deprecate definition versions
    START: frozenset({"user"}),  # further narrowed per process by candidate starters
    WORK: frozenset({"user"}),  # claim, unclaim, complete tasks (narrowed per task by services/visibility.py)
    # List, read and delegate tasks: users theirs; operators also those nobody was found for, to hand on.
    TRIAGE: frozenset({"user", "operator"}),
    CORRELATE: frozenset({"user", "operator"}),  # send messages
    DECIDE: frozenset({"user", "modeler"}),  # evaluate a decision directly
    OPERATE: frozenset({"operator"}),  # suspend, resume, cancel, retry incidents, migrate
    AUDIT: frozenset({"operator"}),  # read the audit trail, verify signatures
    SELF: frozenset({"modeler", "operator", "user"}),  # manage one's own API tokens
    ADMIN: frozenset(),  # users, groups, secrets: admins only
}


def allowed(user: User, permission: str) -> bool:
    if user.is_admin:
        return True
    return bool(PERMISSIONS[permission] & user.role_set)


def require(user: User, permission: str) -> None:
    """Raise a 403 naming the permission and the roles that grant it, unless the user holds it."""
    if allowed(user, permission):
        return
    granted_by = sorted(PERMISSIONS[permission] | {"admin"})
    raise Forbidden(
        f"'{permission}' requires one of the roles {', '.join(granted_by)}; "
        f"you have {', '.join(sorted(user.role_set)) or 'no role'}",
        {"permission": permission, "required_roles": granted_by},
    )


def require_starter(user: User, definition: Definition | DefinitionFacts) -> None:
    """Honour camunda:candidateStarterGroups/Users; with neither set, anyone allowed to start may."""
    groups = definition.meta.get("candidate_starter_groups") or []
    users = definition.meta.get("candidate_starter_users") or []
    if not groups and not users or user.is_admin:
        return
    if user.username in users or set(user.group_names) & set(groups):
        return
    raise Forbidden(
        f"you may not start process '{definition.key}': it is limited to "
        f"groups [{', '.join(groups)}] and users [{', '.join(users)}]",
        {"candidate_starter_groups": groups, "candidate_starter_users": users},
    )
