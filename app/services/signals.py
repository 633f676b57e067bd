"""Signals: one thrown reaches every instance of the tenant that waits for it, as in Camunda.

A signal thrown by a process is caught inside its own instance by the engine; once that step is
saved, the other instances waiting for it catch it in the same transaction (Camunda 7 delivers it
synchronously too), each stepping on and maybe throwing further signals, and each process with a
signal start event of that name starts (its latest published version). `POST /signals` sends one
from outside. Suspended instances are no targets, as for messages.
"""

from __future__ import annotations

from contextvars import ContextVar

from sqlalchemy import select

from app.engine.runner import Runner
from app.errors import Conflict
from app.extensions import db
from app.models import Definition, MessageSubscription, ProcessInstance, User
from app.models.instances import SUSPENDED
from app.services import audit, permissions
from app.services.bundles import bundle_for
from app.services.instance_facts import new_facts
from app.services.instances import check_variables, commit_step, load_runner, lock_instance
from app.services.messages import start_definitions
from app.services.stepping import after_step, born_instance, persist_step
from app.services.visibility import instances_visible_to, oversees

_MAX_DEPTH = 20  # signals setting off signals: a model whose signals answer each other forever stops
_depth: ContextVar[int] = ContextVar("signal_depth", default=0)


def send_signal(actor: User, name: str, variables: dict | None = None) -> dict:
    """Deliver `name` with `variables` to every instance `actor` may read that waits for it; commits.
    Nobody waiting is no error (a broadcast, as Camunda's POST /signal)."""
    variables = check_variables(variables)
    delivered, started = broadcast(actor.tenant_id, name, variables, reader=actor)
    commit_step()
    return {"delivered_to": delivered, "started": started}


@after_step
def _pass_on(instance: ProcessInstance, result):
    """The signals a step threw reach the tenant's other waiting instances once the step is saved."""
    if not result.signals:
        return None
    tenant_id, sender, thrown = instance.tenant_id, instance.id, list(result.signals)
    return lambda: [broadcast(tenant_id, name, carried, exclude=sender) for name, carried in thrown]


def broadcast(tenant_id: str, name: str, variables: dict, exclude=None, reader: User | None = None):
    """(ids of the instances that caught signal `name`, ids of those it started)."""
    depth = _depth.get()
    if depth >= _MAX_DEPTH:
        raise Conflict(f"signal '{name}' set off more than {_MAX_DEPTH} signals in a row; check the model")
    token = _depth.set(depth + 1)
    try:
        targets = _waiting(tenant_id, name, exclude, reader)
        delivered = [str(i) for i in targets if _deliver(tenant_id, i, name, variables, reader)]
        starts = start_definitions(tenant_id, name, "start_signals")
        return delivered, [str(_start(d, name, variables, reader).id) for d in starts]
    finally:
        _depth.reset(token)


def _waiting(tenant_id: str, name: str, exclude, reader: User | None) -> list:
    """The instances waiting for signal `name`, in id order (two broadcasts lock in the same order)."""
    query = (
        select(MessageSubscription.instance_id)
        .distinct()
        .where(
            MessageSubscription.tenant_id == tenant_id,
            MessageSubscription.kind == "signal",
            MessageSubscription.message_name == name,
        )
    )
    if exclude is not None:
        query = query.where(MessageSubscription.instance_id != exclude)
    if reader is not None and not oversees(reader):
        readable = select(ProcessInstance.id).where(instances_visible_to(reader))
        query = query.where(MessageSubscription.instance_id.in_(readable))
    return list(db.session.execute(query.order_by(MessageSubscription.instance_id)).scalars())


def _deliver(tenant_id: str, instance_id, name: str, variables: dict, reader: User | None) -> bool:
    instance = lock_instance(tenant_id, instance_id)
    if instance.status == SUSPENDED:
        return False
    runner, elements = load_runner(instance)
    if not runner.deliver_signal(name, variables):
        return False
    actor = reader.username if reader is not None else None
    persist_step(instance, runner.result(), elements, actor=actor, sent=variables if reader else None)
    audit.record(reader, "signal.deliver", instance, after={"signal": name, "variables": variables})
    return True


def _start(definition: Definition, name: str, variables: dict, reader: User | None) -> ProcessInstance:
    """An instance of `definition` started at its start event catching signal `name`."""
    if reader is not None:
        permissions.require(reader, permissions.START)  # (correlating alone starts nothing)
        permissions.require_starter(reader, definition)
    known = new_facts(None, definition.id, definition.tenant_id)
    runner = Runner.start(bundle_for(definition), variables, signal=name, facts=known)
    result = runner.result()
    started_by = reader.username if reader is not None else "signal"
    instance = born_instance(
        result,
        definition,
        definition.id,
        definition.tenant_id,
        id=known.process_instance_id,
        started_by=started_by,
    )
    db.session.add(instance)
    db.session.flush()
    persist_step(instance, result, runner.elements, new=True, sent=variables if reader else None)
    audit.record(reader, "instance.start", instance, after={"signal": name, "variables": variables})
    return instance
