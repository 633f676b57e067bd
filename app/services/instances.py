"""Starting and reading process instances, and loading and saving their steps (suspend, resume and
cancel: instance_control.py; history: instance_history.py)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from sqlalchemy import bindparam, func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.util import identity_key

from app.engine.errors import ModelError
from app.engine.runner import Runner
from app.errors import Conflict, NotFound, Unprocessable, ValidationError
from app.extensions import db
from app.models import Definition, InstanceState, ProcessInstance, User
from app.models.definitions import DEPRECATED, PUBLISHED
from app.models.instances import ENDED
from app.models.tasks import UserTask
from app.services import audit, permissions
from app.services import start_idempotency as idempotency
from app.services.bundles import bundle_for_id, definition_facts
from app.services.catalog import latest_definition_id
from app.services.deployments import latest_definition
from app.services.fast_flush import writes_step_rows
from app.services.form_values import check_values
from app.services.instance_facts import facts_of, new_facts
from app.services.prepared import Loader
from app.services.stepping import born_instance, persist_step
from app.services.visibility import check_instance_visible, instances_visible_to, oversees


def check_variables(variables) -> dict:
    if variables is None:
        return {}
    if not isinstance(variables, dict):
        raise ValidationError("variables must be a JSON object", {"field": "variables"})
    if any(not str(name).strip() for name in variables):  # (no expression, form or mapping can name it)
        raise ValidationError("variables: a variable name must not be empty", {"field": "variables"})
    try:
        json.dumps(variables, allow_nan=False)  # (NaN and Infinity would not read back as JSON)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"variables must be JSON values: {exc}", {"field": "variables"})
    return variables


def startable_definition(tenant_id: str, key: str):
    definition = latest_definition(tenant_id, "bpmn", key, statuses=(PUBLISHED,))
    if definition is not None:
        return definition
    if latest_definition(tenant_id, "bpmn", key) is not None:
        raise Conflict(
            f"process definition '{key}' has no published version (it is draft or "
            f"{DEPRECATED}); it starts nothing new"
        )
    raise NotFound(f"process definition '{key}' does not exist")


def _startable_id(tenant_id: str, key: str):
    found = latest_definition_id(tenant_id, "bpmn", key, PUBLISHED)
    return found if found is not None else startable_definition(tenant_id, key).id  # raises the 404/409


def _definition_to_start(actor: User, key: str):
    """(id, facts) of the version of `key` a start starts, if `actor` may start it."""
    definition_id = _startable_id(actor.tenant_id, key)
    definition = definition_facts(definition_id)  # what never changes, read once per process
    if definition is None:  # (_startable_id read it from the stored definitions, which are never deleted)
        raise NotFound(f"process definition '{key}' does not exist")
    permissions.require_starter(actor, definition)
    return definition_id, definition


def start_instance(
    key: str,
    actor: User,
    variables: dict | None = None,
    business_key: str | None = None,
    idempotency_key: str | None = None,
    message: tuple[str, dict] | None = None,
) -> tuple[ProcessInstance, bool]:
    """Start the latest published version of `key`; returns (instance, created).

    With an idempotency key, a retry of the same request (same user, definition and business key)
    returns the first instance (created=False); any other use of the key is a 409. The values of the
    start form are checked as a task's are (app/services/form_values.py).
    """
    permissions.require(actor, permissions.START)  # (the API checks it at its door; a message, the inbox not)
    variables = check_variables(variables)
    definition_id, definition = _definition_to_start(actor, key)  # (a refused starter: no replay)
    keyed = idempotency.KeyedStart.of(idempotency_key, actor, key, business_key, variables)
    earlier = keyed.earlier() if keyed is not None else None
    if earlier is not None:
        return earlier, False
    if message is None:  # a person starts it: the start event's form applies (not to a message start)
        _require_none_start(key, definition.meta)
        variables = check_values(actor.tenant_id, definition.meta.get("start_form"), variables)
    try:
        bundle = bundle_for_id(definition_id)
    except ModelError as exc:
        raise Unprocessable(str(exc), exc.as_details())
    known = new_facts(business_key, definition_id, actor.tenant_id)
    runner = Runner.start(bundle, variables, message, facts=known)
    result = runner.result()
    instance = born_instance(
        result,
        definition,
        definition_id,
        actor.tenant_id,
        id=known.process_instance_id,
        business_key=business_key,
        started_by=actor.username,
        idempotency_key=idempotency_key,
        idempotency_digest=keyed.digest if keyed is not None else None,
    )
    db.session.add(instance)
    try:
        if idempotency_key or not writes_step_rows():
            db.session.flush()  # a concurrent start with the same key fails here; the ORM's order
        persist_step(instance, result, runner.elements, new=True, sent=variables)
        after = {"variables": variables, "business_key": business_key}
        audit.record(actor, "instance.start", instance, after=after)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        earlier = keyed.earlier() if keyed is not None else None  # (a start with the same key won)
        if earlier is None:
            raise
        return earlier, False
    return instance, True


def _require_none_start(key: str, meta: dict) -> None:
    """A process that only messages, signals or timers start is not started by hand: it would wait
    at its start event (a message start would swallow the next message, a timer start sit there
    until it fires), as the inbox's start page says when it leaves such a process out."""
    messages, signals = meta.get("start_messages") or [], meta.get("start_signals") or []
    timers = [start["element_id"] for start in meta.get("timer_starts") or []]
    if (messages or signals or timers) and not meta.get(
        "none_start", True
    ):  # (deployed before it was recorded)
        by = [f"the message '{m}' (POST /messages)" for m in messages]
        by += [f"the signal '{s}' (POST /signals)" for s in signals]
        by += [f"its timer start event '{t}'" for t in timers]
        raise Conflict(
            f"process definition '{key}' has no none start event; it is started by {' or '.join(by)}",
            {"start_messages": messages, "start_signals": signals, "start_timers": timers},
        )


def get_instance(tenant_id: str, instance_id) -> ProcessInstance:
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None or instance.tenant_id != tenant_id:
        raise NotFound(f"process instance {instance_id} does not exist")
    return instance


def read_instance(user: User, instance_id) -> ProcessInstance:
    """An instance `user` may read (services/visibility.py); any other is a 404, as another tenant's."""
    return check_instance_visible(user, get_instance(user.tenant_id, instance_id))


# Built once, sent on the driver's cursor: a completion locks its instance by the task, in one
# statement. FOR UPDATE also makes a rival that waited for the lock read the winner's row.
_LOCK_BY_ID = Loader(ProcessInstance, ProcessInstance.id == bindparam("instance_id"), lock=True)
_LOCK_BY_TASK = Loader(
    ProcessInstance,
    ProcessInstance.id
    == select(UserTask.instance_id).where(UserTask.id == bindparam("task_id")).scalar_subquery(),
    lock=True,
)


def lock_instance(tenant_id: str, instance_id, task_id=None) -> ProcessInstance:
    """Load the instance holding its row lock (PostgreSQL) until the caller commits.

    One instance is advanced by one request or worker at a time; a writer that loses the race
    on SQLite is caught by the version column instead. With `task_id` (and no `instance_id`) it is
    the instance of that task, and the 404 names the task.
    """
    db.session.flush()  # (the rows are read outside the ORM: what it holds goes out first)
    if task_id is not None:
        found = _LOCK_BY_TASK.first({"task_id": task_id})
        what = f"task {task_id}"
    else:
        found = _LOCK_BY_ID.first({"instance_id": instance_id})
        what = f"process instance {instance_id}"
    if found is None or found.tenant_id != tenant_id:
        raise NotFound(f"{what} does not exist")
    return found


_STATE = Loader(InstanceState, InstanceState.instance_id == bindparam("instance_id"))


def load_runner(instance: ProcessInstance) -> tuple[Runner, Mapping]:
    # Held already when a timer batch loaded its instances' states; else one read on the driver's cursor.
    state = db.session.identity_map.get(identity_key(InstanceState, instance.id))
    if state is None or inspect(state).expired_attributes:
        state = _STATE.first({"instance_id": instance.id})
    if state is None:
        raise Conflict(f"process instance {instance.id} has ended")
    instance.state_row = state  # held, so the step's save finds it (the session only holds it weakly)
    runner = Runner.load(bundle_for_id(instance.definition_id), state.state, facts_of(instance))
    return runner, runner.elements


def task_variables(instance: ProcessInstance, task_id) -> dict:
    """The variables a user task sees, to prefill its form: the process's, with the task's local
    inputs and a loop instance's element variable (read from the state); the process's if it ended."""
    if instance.status in ENDED:
        return instance.variables or {}
    runner, _ = load_runner(instance)
    seen = runner.task_data(task_id)
    return seen if seen is not None else instance.variables or {}


def instance_definition(instance: ProcessInstance):
    return db.session.get(Definition, instance.definition_id)


def commit_step() -> None:
    """Commit an advance; a concurrent writer that got there first makes this a 409."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Conflict("the instance was changed by someone else at the same time; reload and retry")


def list_instances(
    user: User,
    key: str | None = None,
    status: str | None = None,
    business_key: str | None = None,
    limit: int = 50,
    offset: int = 0,
    outcome: str | None = None,
):
    """A page of the instances `user` may read, newest first, and their total, in one statement (a
    page past the end counts on its own). A user's instances are found once, then counted and paged;
    an operator's are the tenant's, counted by a plain scan as before."""
    where = [instances_visible_to(user)]
    for column, value in (
        (ProcessInstance.outcome, outcome),
        (ProcessInstance.definition_key, key),
        (ProcessInstance.status, status),
        (ProcessInstance.business_key, business_key),
    ):
        if value:
            where.append(column == value)
    if oversees(user):
        counted = select(func.count()).select_from(ProcessInstance).where(*where).correlate(None)
        page = select(ProcessInstance, counted.scalar_subquery()).where(*where)
    else:
        readable = select(ProcessInstance.id).where(*where).cte("readable")
        counted = select(func.count()).select_from(readable)
        page = select(ProcessInstance, counted.scalar_subquery())
        page = page.where(ProcessInstance.id.in_(select(readable.c.id)))
    page = page.order_by(ProcessInstance.created_at.desc()).limit(limit).offset(offset)
    rows = db.session.execute(page).all()
    if rows:
        return [row[0] for row in rows], rows[0][1]
    return [], db.session.execute(counted).scalar_one() if offset else 0
