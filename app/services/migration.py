"""Moving a running instance to another deployed version of its process (Camunda 7's migration).

The dry run says, for each element a token is in, whether the target keeps it, moved it, changed
it or removed it, and what stops the move; the move itself is one transaction on the locked
instance: the state, the open tasks (as the new version defines them), the waiting timers and
messages, and an `instance.migrate` audit entry, or a 409 naming every problem and nothing changed.
Explicit mappings move a token to an element of another id (a 400 names each mapping that does not
fit the two versions); a suspended instance is moved without running anything and stays suspended.
"""

from __future__ import annotations

from dataclasses import asdict, replace

from sqlalchemy import select

from app.engine import migration as engine
from app.engine import migration_mappings
from app.errors import Conflict, ValidationError
from app.extensions import db
from app.models import Definition, ProcessInstance, User
from app.models.instances import ENDED, SUSPENDED
from app.models.tasks import OPEN, UserTask
from app.services import audit
from app.services.bundles import bundle_for
from app.services.definitions import get_definition
from app.services.instances import commit_step, get_instance, load_runner, lock_instance
from app.services.stepping import persist_step
from app.services.user_task_rows import redefine_user_task


def preview_migration(user: User, instance_id, version: int | None, mappings: dict | None = None) -> dict:
    """What moving the instance to `version` of its process (default: the latest), with `mappings`
    (element ids of its version -> of the target), would do."""
    instance = get_instance(user.tenant_id, instance_id)
    target = _target(instance, version)
    return _answer(instance, target, _plan(instance, target, mappings or {})[1])


def migrate_instance(
    user: User, instance_id, version: int, mappings: dict | None = None, update_event_triggers: bool = False
) -> dict:
    """Move the instance to `version` of its process, a token on an element `mappings` names to its
    mapped element, or refuse (409) naming every problem; a suspended instance stays suspended."""
    how = engine.Instructions(mappings or {}, update_event_triggers)
    instance = lock_instance(user.tenant_id, instance_id)
    target = _target(instance, version)
    runner, plan = _plan(instance, target, how.mappings)
    if not plan.ok:
        raise Conflict(_refusal(instance, target, plan), _answer(instance, target, plan))
    try:
        moved = engine.migrate(runner, bundle_for(target), how, advance=instance.status != SUSPENDED)
    except engine.MigrationFailed as exc:
        db.session.rollback()
        raise Conflict(f"process instance {instance.id} cannot be migrated: {exc}")
    answer = _answer(instance, target, plan)  # (before the instance names its new version)
    _persist(user, instance, target, moved)
    commit_step()
    return answer


def _target(instance: ProcessInstance, version: int | None) -> Definition:
    return get_definition(instance.tenant_id, instance.definition_key, version=version)  # (else a 404)


def _plan(instance: ProcessInstance, target: Definition, mappings: dict[str, str]):
    if instance.status in ENDED:
        raise Conflict(f"process instance {instance.id} is {instance.status}: only a running one is migrated")
    if target.version == instance.definition_version:
        raise Conflict(f"process instance {instance.id} already runs on version {target.version}")
    runner, _ = load_runner(instance)
    _check_mappings(runner.bundle, target, mappings)
    return runner, engine.plan(runner, bundle_for(target), mappings)


def _check_mappings(current, target: Definition, mappings: dict[str, str]) -> None:
    problems = migration_mappings.check(current, bundle_for(target), mappings)
    if problems:
        message = f"mappings to version {target.version} do not fit: " + "; ".join(problems)
        raise ValidationError(message, {"fields": {"mappings": problems}, "problems": problems})


def _persist(user: User, instance: ProcessInstance, target: Definition, moved) -> None:
    before = {"definition_id": str(instance.definition_id), "definition_version": instance.definition_version}
    instance.definition_id, instance.definition_version = target.id, target.version
    result = moved.result()
    if instance.status == SUSPENDED:  # (nothing ran: it is as suspended as it was)
        result = replace(result, status=SUSPENDED)
    ready = {t.task_id: t for t in result.user_tasks}
    persist_step(instance, result, moved.elements, actor=user.username)
    open_rows = select(UserTask).where(UserTask.instance_id == instance.id, UserTask.status == OPEN)
    for row in db.session.execute(open_rows).scalars():
        if row.id in ready:
            now = ready[row.id]  # (its element: a mapped task's is not the row's element yet)
            redefine_user_task(instance, row, now, moved.elements.get(now.element_id, {}))
    after = {"definition_id": str(target.id), "definition_version": target.version}
    audit.record(user, "instance.migrate", instance, before=before, after=after)


def _answer(instance: ProcessInstance, target: Definition, plan: engine.Plan) -> dict:
    return {
        "from_version": instance.definition_version,
        "to_version": target.version,
        "ok": plan.ok,
        "active": [asdict(element) for element in plan.active],
        "problems": plan.problems,
    }


def _refusal(instance: ProcessInstance, target: Definition, plan: engine.Plan) -> str:
    return (
        f"process instance {instance.id} cannot be migrated from version {instance.definition_version} "
        f"to {target.version}: " + "; ".join(plan.problems)
    )
