"""Who may see and work on which user task: the rule in SQL (lists) and in Python (one task).

Both read the task row's own candidate lists (candidate_users, candidate_groups) and the names and
groups the user acts for: their own plus those of whoever delegated to them (delegation.acting_for,
known without a query when authentication came from the auth cache).
"""

from __future__ import annotations

from sqlalchemy import Text, any_, bindparam, cast, exists, func, or_
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from app.extensions import db
from app.models import User, UserTask
from app.services import delegation


def visible_to(user: User):
    """The tasks a user may see: assigned to them, offered to them or their groups, or offered to no one;
    and the same for the users who delegated to them (one hop).

    The same rule as may_work_on, read from the same columns: the row's own candidate lists. At a
    million open tasks the inbox walks its index in sort order and stops after a page; testing each
    row's lists costs about a microsecond, ten times less than probing task_candidates per row.
    (task_candidates stays the index for the candidate_group/candidate_user filters and the web's
    "my groups" tab.)
    """
    if user.is_admin:
        return UserTask.tenant_id == user.tenant_id
    pg, values = on_postgresql(), visibility_params(user)
    names, groups = (_list_param(key, values[key], pg, unique=True) for key in ("names", "groups"))
    return _visibility(pg, user.tenant_id, names, groups)


def visible_by_params(pg: bool):
    """visible_to over bind parameters (values from visibility_params), for statements built once."""
    names, groups = _list_param("names", None, pg), _list_param("groups", None, pg)
    return _visibility(pg, bindparam("tenant"), names, groups)


def visibility_params(user: User) -> dict:
    names, groups = delegation.acting_for(user)  # their own, and their delegators' (one hop)
    return {"tenant": user.tenant_id, "names": sorted(names), "groups": sorted(groups)}


def _visibility(pg: bool, tenant, names, groups):
    # Groups first: most tasks are offered to groups, so for the rows a user may not see the
    # "offered to no one" test stops after reading one list (a fifth less time per walked row).
    offered = [
        _holds_any(UserTask.candidate_groups, groups, pg),
        _holds_any(UserTask.candidate_users, names, pg),
    ]
    nobody = (func.json_array_length(UserTask.candidate_groups) == 0) & (
        func.json_array_length(UserTask.candidate_users) == 0
    )
    return (UserTask.tenant_id == tenant) & or_(
        _one_of(UserTask.assignee, names, pg), *offered, UserTask.assignee.is_(None) & nobody
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
        return cast(column, JSONB).has_any(names)
    each = func.json_each(column).table_valued("value")
    return exists().where(each.c.value.in_(names))


def on_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def may_work_on(user: User, task: UserTask) -> bool:
    """visible_to for one loaded task, in Python."""
    if user.is_admin or task.assignee == user.username:
        return True
    names, groups = delegation.acting_for(user)
    if task.assignee is not None:
        return task.assignee in names
    offered = set(task.candidate_users) | set(task.candidate_groups)
    return not offered or bool(names & set(task.candidate_users)) or bool(groups & set(task.candidate_groups))
