"""Listing, reading and completing user tasks (claiming and delegating: task_assignment.py)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import NamedTuple

from sqlalchemy import RowMapping, bindparam, exists, func, select

from app.engine.errors import CompletionFailed, NotReady
from app.errors import BatonError, Conflict, Forbidden, NotFound, Unprocessable
from app.extensions import db
from app.models import ProcessInstance, TaskCandidate, User, UserTask
from app.models.instances import SUSPENDED
from app.models.tasks import OPEN
from app.services import audit, duties, permissions, signatures
from app.services.form_values import check_values
from app.services.instances import (
    check_variables,
    commit_step,
    load_runner,
    lock_instance,
)
from app.services.prepared import Loader
from app.services.step_locks import lock_task_step
from app.services.stepping import persist_step
from app.services.visibility import (
    ALL,
    holds,
    may_see,
    may_work_on,
    on_postgresql,
    scope_of,
    visibility_params,
    visible_by_params,
)


def _unclaimed_candidate(kind: str, name):
    """As in Camunda's task query, a candidate filter lists only tasks nobody has claimed yet."""
    offered = exists().where(
        TaskCandidate.task_id == UserTask.id, TaskCandidate.kind == kind, TaskCandidate.name == name
    )
    return UserTask.assignee.is_(None) & offered


# A task list counts at most this many rows past the page: counting 100,000 visible tasks on every
# inbox request would cost more than the page itself. The API says when a total is a lower bound.
COUNT_CAP = 100


def list_tasks(
    user: User,
    *,
    assignee=None,
    candidate_group=None,
    candidate_user=None,
    instance_id=None,
    definition_key=None,
    status=OPEN,
    limit=50,
    offset=0,
) -> tuple[Sequence[RowMapping], int]:
    """A page of the tasks `user` may see, as plain rows (the list never builds ORM objects), and the
    total: exact up to COUNT_CAP rows past the page, else a lower bound (one more than that).

    One statement: the inner query walks the inbox index for up to offset + limit + COUNT_CAP visible
    rows, a window function counts them, and the outer query keeps the page.
    """
    filters = {
        "assignee": assignee,
        "candidate_group": candidate_group,
        "candidate_user": candidate_user,
        "instance_id": instance_id,
        "definition_key": definition_key,
        "status": status,
    }
    filters = {name: value for name, value in filters.items() if value}
    params = {
        "limit": limit,
        "offset": offset,
        "window": offset + limit + COUNT_CAP + 1,  # one more: a total of exactly the cap is exact
        "tenant": user.tenant_id,
    }
    scope = scope_of(user)
    if scope != ALL:
        params.update(visibility_params(user))
    page, count = _list_statements(on_postgresql(), scope, tuple(filters))
    rows = db.session.execute(page, params | filters).mappings().all()
    if rows or offset == 0:
        return rows, rows[0]["total"] if rows else 0
    return rows, db.session.execute(count, params | filters).scalar_one()  # past the end: how far?


# The order of ix_user_tasks_inbox. The id comes last: the tasks of one step share their created_at,
# and without a key that tells them apart a page boundary between them could repeat or skip a task.
INBOX_ORDER = (UserTask.priority.desc(), UserTask.created_at, UserTask.id)

# Each task list filter over a bind parameter of its name.
_FILTERS = {
    "assignee": lambda: UserTask.assignee == bindparam("assignee"),
    "candidate_group": lambda: _unclaimed_candidate("group", bindparam("candidate_group")),
    "candidate_user": lambda: _unclaimed_candidate("user", bindparam("candidate_user")),
    "instance_id": lambda: UserTask.instance_id == bindparam("instance_id"),
    "definition_key": lambda: UserTask.definition_key == bindparam("definition_key"),
    "status": lambda: UserTask.status == bindparam("status"),
}


@cache
def _list_statements(pg: bool, scope: str, filters: tuple[str, ...]):
    """The page and past-the-end count statements of one shape of task list, built once per worker:
    building them per request cost more CPU than PostgreSQL spends running them."""
    rule = visible_by_params(pg, scope)
    query = select(*UserTask.__table__.c).where(rule, *(_FILTERS[name]() for name in filters))
    found = query.order_by(*INBOX_ORDER).limit(bindparam("window")).subquery()
    page = select(*found.c, func.count().over().label("total"))
    page = page.order_by(found.c.priority.desc(), found.c.created_at, found.c.id)
    return page.limit(bindparam("limit")).offset(bindparam("offset")), select(func.count()).select_from(found)


def tasks_of_instance(user: User, instance, workable: bool = False) -> list[UserTask]:
    """The open tasks of one instance that `user` may see, or with `workable` may work on now (no
    count: this is part of an instance view).

    An instance has few open tasks: read them by the instance index and check each in Python, rather
    than run the inbox's visibility query for a handful of rows. An instance stepped in this request
    often knows its open tasks already (all of them new, or none left): no query at all.
    """
    rows = getattr(instance, "open_tasks_known", None)
    if rows is None:
        query = select(UserTask).where(
            UserTask.tenant_id == user.tenant_id, UserTask.instance_id == instance.id, UserTask.status == OPEN
        )
        rows = db.session.execute(query.order_by(UserTask.created_at)).scalars()
    allowed = may_work_on if workable else may_see
    return [task for task in rows if allowed(user, task)]


_READ_TASK = Loader(UserTask, UserTask.id == bindparam("task_id"))
_LOCK_TASK = Loader(UserTask, UserTask.id == bindparam("task_id"), lock=True)


def get_task(user: User, task_id, fresh: bool = False, lock: bool = False) -> UserTask:
    """`lock` holds the task's row until commit, taken before the audit chain's lock: the order a
    completion takes them in too, so a claim racing a completion waits instead of deadlocking."""
    if fresh or lock:  # read again, on the driver's cursor (a completion always does)
        db.session.flush()
        task = (_LOCK_TASK if lock else _READ_TASK).first({"task_id": task_id})
    else:
        task = db.session.get(UserTask, task_id)
    return _offered(user, task, task_id)


def _offered(user: User, task: UserTask | None, task_id) -> UserTask:
    if task is None or task.tenant_id != user.tenant_id:
        raise NotFound(f"task {task_id} does not exist")
    if not may_see(user, task):
        raise Forbidden(f"task {task_id} is not assigned or offered to you")
    return task


def require_workable(user: User, task: UserTask, doing: str) -> UserTask:
    """A task a colleague holds is theirs to work: a 409 naming them (the caller may see it)."""
    require_open(task)
    if task.assignee is not None and not holds(user, task) and not user.is_admin:
        raise Conflict(
            f"task {task.id} is already claimed by {task.assignee}; only they or an admin may {doing} it",
            {"assignee": task.assignee},
        )
    return task


def require_running(instance: ProcessInstance, doing: str) -> ProcessInstance:
    """A suspended case stays as it was: its tasks are not claimed, handed on or completed."""
    if instance.status == SUSPENDED:
        raise Conflict(
            f"the case is suspended: instance {instance.id} must be resumed before its tasks can be {doing}",
            {"instance_id": str(instance.id)},
        )
    return instance


class Completion(NamedTuple):
    task: UserTask
    instance: ProcessInstance
    next_tasks: list[UserTask]  # the instance's open tasks this user may work on now


def complete_task(
    user: User,
    task_id,
    variables: dict | None = None,
    signature: dict | None = None,
    reason: str | None = None,
) -> Completion:
    """Complete a ready user task with variables and advance its instance; a second completion is a 409.

    The values of the task's form are converted to their declared types and checked (a 400 naming
    each bad field); variables the form does not declare pass as sent.

    A task whose model asks for a signature (property signatureRole) needs `signature` {decision,
    password, role}: the password is the signer's own, checked again at each signature;
    one marked reasonRequired=true, and every rejection, needs a `reason`.
    """
    permissions.require(user, permissions.WORK)  # (the API checks it at its door; the inbox not)
    variables = check_variables(variables)
    instance, task = _lock_for_completion(user, task_id)
    require_running(instance, "completed")
    runner, elements = load_runner(instance)
    if task.form:  # (a task without a form costs nothing more); checked against what it showed
        shown = runner.task_data(task.id)
        variables = check_values(user.tenant_id, task.form, variables, shown or instance.variables)
    element = elements.get(task.element_id, {})
    duties.require_separate(user, instance, task, element, "complete")
    try:
        signed = signatures.check_completion(user, task, element, signature, reason, variables)
    except BatonError as refused:
        signatures.record_refusal(user, task.id, element, signature, refused)
        raise
    variables = {**variables, **signed}
    if reason:
        variables["reason"] = reason  # the model can show a rejection's reason to whom it returns
    try:
        runner.complete_user_task(task.id, variables, user.username)
    except NotReady as exc:
        raise Conflict(str(exc))
    except CompletionFailed as exc:  # nothing is written: the task stays open, as in Camunda 7
        raise Unprocessable(
            f"completing '{task.element_id}' failed, the task stays open: {exc.message}",
            {"element_id": task.element_id, "task_id": str(task.id)},
        )
    persist_step(instance, runner.result(), elements, task.id, user.username, sent=variables)
    role = signatures.required_role(element)
    if role:
        signatures.sign(user, instance, task, role, variables, reason)  # the values it decided on too
    audit.record(user, "task.complete", task, after={"variables": variables}, reason=reason)
    commit_step()
    return Completion(task, instance, _next_tasks(user, instance, elements))


def _next_tasks(user: User, instance: ProcessInstance, elements) -> list[UserTask]:
    """The open tasks `user` may work on now: nobody else holds them, and no four-eyes rule keeps
    them from it (the task just completed is often what a `notBy` names)."""
    workable = tasks_of_instance(user, instance, workable=True)
    allowed = duties.reason_against
    return [t for t in workable if not allowed(user.username, instance, elements.get(t.element_id, {}), t)]


def _lock_for_completion(user: User, task_id) -> tuple[ProcessInstance, UserTask]:
    """The task and its instance (and state), locked and current: a rival completion is a 409."""
    found = lock_task_step(user.tenant_id, task_id)
    if found is not None:
        instance, task = found
        require_workable(user, _offered(user, task, task_id), "complete")
        return instance, task
    # The task or the instance's state is gone: these reads tell a 404 from a 409.
    instance = lock_instance(user.tenant_id, None, task_id=task_id)
    task = require_workable(user, get_task(user, task_id, fresh=True), "complete")
    return instance, task


def require_open(task: UserTask) -> None:
    if task.status != OPEN:
        raise Conflict(f"task {task.id} is {task.status}; it can no longer be changed")
