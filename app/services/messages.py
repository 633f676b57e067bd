"""Correlating messages to waiting instances, or starting instances on message start events."""

from __future__ import annotations

from sqlalchemy import select

from app.errors import Conflict, NotFound
from app.extensions import db
from app.models import Definition, MessageSubscription, ProcessInstance, User
from app.models.definitions import PUBLISHED
from app.services import audit
from app.services.instances import check_variables, commit_step, load_runner, lock_instance, start_instance
from app.services.stepping import persist_step


def correlate_message(
    actor: User,
    name: str,
    business_key: str | None = None,
    correlation: dict | None = None,
    variables: dict | None = None,
    all_matches: bool = False,
) -> dict:
    """Deliver `name` to the instance waiting for it, else start one on a message start event; else 404."""
    variables = check_variables(variables)
    instance_ids = _waiting_instances(actor.tenant_id, name, business_key, correlation or {})
    if len(instance_ids) > 1 and not all_matches:
        raise Conflict(
            f"message '{name}' matches {len(instance_ids)} instances; narrow it with a business key "
            "or correlation values, or send it with all=true"
        )
    if instance_ids:
        delivered = [str(_deliver(actor, iid, name, variables)) for iid in instance_ids]
        return {"delivered_to": delivered, "started": None}
    definition = _message_start_definition(actor.tenant_id, name)
    if definition is None:
        raise NotFound(f"no instance is waiting for message '{name}' and no process starts on it")
    instance, _ = start_instance(definition.key, actor, variables, business_key, message=(name, variables))
    return {"delivered_to": [], "started": str(instance.id)}


def _waiting_instances(tenant_id: str, name: str, business_key, correlation: dict) -> list:
    query = (
        select(MessageSubscription.instance_id)
        .distinct()
        .where(MessageSubscription.tenant_id == tenant_id, MessageSubscription.message_name == name)
    )
    if business_key is not None:
        query = query.where(MessageSubscription.business_key == business_key)
    if correlation:
        query = query.join(ProcessInstance, ProcessInstance.id == MessageSubscription.instance_id)
        for key, value in correlation.items():
            query = query.where(ProcessInstance.variables[key].as_string() == str(value))
    return list(db.session.execute(query.limit(1000)).scalars())


def _deliver(actor: User, instance_id, name: str, variables: dict):
    instance = lock_instance(actor.tenant_id, instance_id)
    if instance.status == "suspended":
        raise Conflict("the instance waiting for this message is suspended")
    runner, elements = load_runner(instance)
    if not runner.deliver_message(name, variables):
        raise Conflict(f"instance {instance_id} is no longer waiting for message '{name}'")
    persist_step(instance, runner.result(), elements, actor=actor.username)
    audit.record(actor, "message.deliver", instance, after={"message": name, "variables": variables})
    commit_step()
    return instance.id


def _message_start_definition(tenant_id: str, name: str) -> Definition | None:
    candidates = db.session.execute(
        select(Definition)
        .where(Definition.tenant_id == tenant_id, Definition.kind == "bpmn", Definition.status == PUBLISHED)
        .order_by(Definition.key, Definition.version.desc())
    ).scalars()
    seen = set()
    for definition in candidates:
        if definition.key in seen:
            continue
        seen.add(definition.key)
        if name in definition.meta.get("start_messages", []):
            return definition
    return None
