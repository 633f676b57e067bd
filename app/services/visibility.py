"""Who may see and work on which user task, and who may read which process instance: each rule in
SQL (lists) and in Python (one row), so every door answers alike.

A task is seen by whoever holds it, by its candidates (a candidate user, a member of a candidate
group) whoever holds it, by everyone when its model names no one (offered_to_all), and by admins.
Operators also see the tasks whose model named people who came to nobody, to hand them on. Seeing
is not working: a task someone holds is worked (completed, unclaimed, delegated) by them or an
admin only. Each user acts for their own name and groups plus those of whoever delegated to them
(delegation.acting_for, known without a query when authentication came from the auth cache).

An instance is read by operators and admins, and by whoever started it or may see one of its
tasks, open or finished.
"""

from __future__ import annotations

from sqlalchemy import Text, any_, bindparam, cast, exists, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from app.errors import NotFound
from app.extensions import db
from app.models import ProcessInstance, User, UserTask
from app.services import delegation, permissions

ALL, OVERSEE, OWN = "all", "oversee", "own"  # the three shapes of the task rule


def scope_of(user: User) -> str:
    """How far a user sees: admins all tasks, operators also the unassigned ones, others their own."""
    if user.is_admin:
        return ALL
    return OVERSEE if oversees(user) else OWN


def oversees(user: User) -> bool:
    """Operators (and admins) read every instance and see the tasks nobody was found for."""
    return permissions.allowed(user, permissions.OPERATE)


def visible_to(user: User):
    """The tasks a user may see (see the module's docstring)."""
    scope = scope_of(user)
    if scope == ALL:
        return UserTask.tenant_id == user.tenant_id
    pg, values = on_postgresql(), visibility_params(user)
    names, groups = (_list_param(key, values[key], pg, unique=True) for key in ("names", "groups"))
    return _visibility(pg, user.tenant_id, names, groups, scope == OVERSEE)


def offered_to(user: User):
    """The tasks `user` sees by their own name and groups, not through delegations: what a delegate
    of theirs acts on (one hop)."""
    pg = on_postgresql()
    names = _list_param("names", [user.username], pg, unique=True)
    groups = _list_param("groups", user.group_names, pg, unique=True)
    return _visibility(pg, user.tenant_id, names, groups, False)


def visible_by_params(pg: bool, scope: str):
    """visible_to over bind parameters (values from visibility_params), for statements built once."""
    if scope == ALL:
        return UserTask.tenant_id == bindparam("tenant")
    names, groups = _list_param("names", None, pg), _list_param("groups", None, pg)
    return _visibility(pg, bindparam("tenant"), names, groups, scope == OVERSEE)


def visibility_params(user: User) -> dict:
    names, groups = delegation.acting_for(user)  # their own, and their delegators' (one hop)
    return {"tenant": user.tenant_id, "names": sorted(names), "groups": sorted(groups)}


def _visibility(pg: bool, tenant, names, groups, oversee: bool):
    """The rule read from the row's own columns. At a million open tasks the inbox walks its index
    in sort order and stops after a page; testing each row's lists costs about a microsecond, ten
    times less than probing task_candidates per row. (task_candidates stays the index for the
    candidate_group/candidate_user filters and the web's "my groups" tab.)"""
    # The cheap flag first, then groups: most tasks are offered to groups, so most rows a user may
    # not see are refused after reading one list.
    seen = [
        UserTask.offered_to_all,
        _holds_any(UserTask.candidate_groups, groups, pg),
        _holds_any(UserTask.candidate_users, names, pg),
        _one_of(UserTask.assignee, names, pg),
    ]
    if oversee:
        seen.append(_unassigned(pg))
    return (UserTask.tenant_id == tenant) & or_(*seen)


def _unassigned(pg: bool):
    """Tasks whose model named people who came to nobody, and that nobody has been handed yet."""
    length = func.jsonb_array_length if pg else func.json_array_length
    return (
        ~UserTask.offered_to_all
        & UserTask.assignee.is_(None)
        & (length(UserTask.candidate_groups) == 0)
        & (length(UserTask.candidate_users) == 0)
    )


# A list of names is one array parameter on PostgreSQL and an expanding IN (...) on SQLite (the
# embedded default), which has neither arrays nor jsonb.
def _list_param(key: str, values, pg: bool, unique: bool = False):
    if pg:
        return bindparam(key, values, type_=ARRAY(Text), unique=unique)
    return bindparam(key, values, expanding=True, unique=unique)


def _one_of(column, names, pg: bool):
    return column == any_(names) if pg else column.in_(names)


def _holds_any(column, names, pg: bool):
    """Whether the task's JSON list `column` (candidate users or groups) holds one of `names`."""
    if pg:
        return cast(column, JSONB).has_any(names)  # (jsonb already: no cast runs; models.tasks.NAME_LIST)
    each = func.json_each(column).table_valued("value")
    return exists().where(each.c.value.in_(names))


def on_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def may_see(user: User, task: UserTask) -> bool:
    """visible_to for one loaded task, in Python."""
    scope = scope_of(user)
    if scope == ALL or task.offered_to_all:
        return True
    names, groups = delegation.acting_for(user)
    if task.assignee in names or names & set(task.candidate_users) or groups & set(task.candidate_groups):
        return True
    return scope == OVERSEE and task.assignee is None and not task.has_pool


def holds(user: User, task: UserTask) -> bool:
    """Whether `user` (or whoever they act for) holds the task: the assignee works it alone."""
    return task.assignee is not None and task.assignee in delegation.acting_for(user)[0]


def may_work_on(user: User, task: UserTask) -> bool:
    """May see it, and nobody else holds it (admins may work any task)."""
    if user.is_admin:
        return True
    return may_see(user, task) and (task.assignee is None or holds(user, task))


def instances_visible_to(user: User):
    """The instances a user may read: operators and admins all of the tenant's; others those they
    started or in which they may see a task, open or finished.

    For a user this tests every task of the tenant once (a hashed IN: the candidate lists have no
    index, and indexing them would tax every task's insert and close for this cold read); the
    correlated EXISTS form was costed per instance, twenty times too high, and woke the JIT."""
    tenant = ProcessInstance.tenant_id == user.tenant_id
    if oversees(user):
        return tenant
    seen = select(UserTask.instance_id).where(visible_to(user))
    return tenant & or_(ProcessInstance.started_by == user.username, ProcessInstance.id.in_(seen))


def check_instance_visible(user: User, instance: ProcessInstance) -> ProcessInstance:
    """The instance, or a 404 as for another tenant's: a user learns nothing of others' instances."""
    if instance.tenant_id == user.tenant_id and (
        oversees(user) or instance.started_by == user.username or _sees_a_task_of(user, instance)
    ):
        return instance
    raise NotFound(f"process instance {instance.id} does not exist")


def _sees_a_task_of(user: User, instance: ProcessInstance) -> bool:
    seen = UserTask.instance_id == instance.id
    return db.session.execute(exists().where(seen, visible_to(user)).select()).scalar_one()
