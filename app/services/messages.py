"""Correlating messages to waiting instances, or starting instances on message start events."""

from __future__ import annotations

import json

from sqlalchemy import and_, cast, func, literal, select
from sqlalchemy.dialects.postgresql import JSONB

from app.engine.errors import AmbiguousMessage
from app.engine.message_waits import Correlation
from app.errors import Conflict, NotFound, ValidationError
from app.extensions import db
from app.models import Definition, MessageSubscription, ProcessInstance, User
from app.models.definitions import PUBLISHED
from app.models.instances import SUSPENDED
from app.services import audit
from app.services.instances import check_variables, commit_step, load_runner, lock_instance, start_instance
from app.services.stepping import persist_step
from app.services.visibility import instances_visible_to, oversees

_MAX_TARGETS = 1000
_UNCAUGHT = "none of the instance's waits holds the local correlation values"


def correlate_message(
    actor: User,
    name: str,
    business_key: str | None = None,
    correlation: dict | None = None,
    variables: dict | None = None,
    all_matches: bool = False,
    correlation_key: str | None = None,
    local_correlation: dict | None = None,
) -> dict:
    """Deliver `name` to the instance waiting for it, else start one on a message start event; else 404.

    As in Camunda 7, suspended instances are no correlation targets, and the message reaches one
    wait: an instance with several waits that match is a 409 naming them, nothing changed
    (app.engine.message_waits says what a wait is and how the correlation narrows them). With
    `all_matches` every matching wait of every matching instance receives the message, all in one
    transaction (all of them or none). Only the
    instances `actor` may read are matched (services/visibility.py): operators and admins the
    tenant's; a user's others are neither reached nor counted in a refusal. `correlation_key`
    matches the key a waiting event's zeebe:subscription gave (Camunda 8's correlation).
    `local_correlation` (Camunda 7's localCorrelationKeys) matches a wait's own variables: an
    instance none of whose waits holds them is no match.
    """
    variables = check_variables(variables)
    correlation = _check_correlation(correlation, "correlation")
    local = _check_correlation(local_correlation, "local_correlation")
    keys = (business_key, correlation_key)
    matches = _waiting_instances(actor, name, keys, correlation)
    targets = [iid for iid, status in matches if status != SUSPENDED]
    if len(targets) > 1 and not all_matches and not local:  # local: counted once delivered
        raise _several(name, len(targets))
    within = Correlation(correlation_key, correlation, all_matches, local)
    delivered = _deliver(actor, targets, name, variables, within) if targets else []
    if delivered:
        return {"delivered_to": delivered, "started": None}
    definition = next(iter(start_definitions(actor.tenant_id, name, "start_messages")), None)
    if definition is None:
        raise _nothing_to_deliver_to(actor, name, keys, (correlation, local), len(matches))
    instance, _ = start_instance(definition.key, actor, variables, business_key, message=(name, variables))
    return {"delivered_to": [], "started": str(instance.id)}


def _several(name: str, count: int) -> Conflict:
    return Conflict(
        f"message '{name}' matches {count} instances; narrow it with a business key "
        "or correlation values, or send it with all=true"
    )


def _check_correlation(correlation: dict | None, field: str) -> dict:
    for key, value in (correlation or {}).items():
        if value is not None and not isinstance(value, bool | int | float | str):
            raise ValidationError(
                f"{field} value of '{key}' must be a string, number, boolean or null",
                {"field": f"{field}.{key}"},
            )
        if '"' in key or "\\" in key:
            raise ValidationError(f"{field} key {key!r} is not a variable name", {"field": f"{field}.{key}"})
    return correlation or {}


def _waiting_instances(actor: User, name: str, keys: tuple, correlation: dict) -> list:
    """(instance id, status) of the instances waiting for `name` that match, in id order."""
    query = (
        select(MessageSubscription.instance_id, ProcessInstance.status)
        .distinct()
        .join(ProcessInstance, ProcessInstance.id == MessageSubscription.instance_id)
        .where(*_waiting_for(actor, name, keys))
    )
    for key, value in correlation.items():
        query = query.where(_variable_equals(key, value))
    # In id order, so two deliveries to overlapping sets lock their instances in the same order.
    return list(db.session.execute(query.order_by(MessageSubscription.instance_id).limit(_MAX_TARGETS)))


def _waiting_for(actor: User, name: str, keys: tuple) -> list:
    """Waiting for message `name`, with the (business key, correlation key) where they are given."""
    business_key, correlation_key = keys
    found = [
        MessageSubscription.tenant_id == actor.tenant_id,
        MessageSubscription.message_name == name,
        MessageSubscription.kind == "message",
    ]
    if not oversees(actor):
        readable = select(ProcessInstance.id).where(instances_visible_to(actor))
        found.append(MessageSubscription.instance_id.in_(readable))
    if business_key is not None:
        found.append(MessageSubscription.business_key == business_key)
    if correlation_key is not None:
        found.append(MessageSubscription.correlation_key == correlation_key)
    return found


def _variable_equals(key: str, value):
    """The instance variable `key` equals the JSON value `value`: same type, numbers by value.

    A variable's text (what the column held before) cannot tell true from "True" or 1.5 from "1.5".
    """
    variables = ProcessInstance.variables
    if db.session.get_bind().dialect.name == "postgresql":  # jsonb equality: typed, 1.5 = 1.50
        return cast(variables[key], JSONB) == cast(literal(json.dumps(value)), JSONB)
    path = f'$."{key}"'  # SQLite: json_type tells the JSON type apart, json_extract gives the value
    json_type = func.json_type(variables, path)
    if value is None or isinstance(value, bool):
        return json_type == json.dumps(value)  # 'null', 'true', 'false'
    if isinstance(value, str):
        return and_(json_type == "text", func.json_extract(variables, path) == value)
    return and_(json_type.in_(("integer", "real")), func.json_extract(variables, path) == value)


def _nothing_to_deliver_to(actor: User, name: str, keys: tuple, values: tuple, matched: int):
    correlation, local = values
    if local and matched:
        return NotFound(
            f"{matched} instance(s) wait for message '{name}' but none at a wait whose own variables "
            f"hold {json.dumps(local)}, and no process starts on it",
            {"waiting": matched},
        )
    if matched:
        return Conflict(
            f"the {matched} instance(s) waiting for message '{name}' that match are suspended; "
            "resume them first"
        )
    waiting = db.session.execute(
        select(func.count(func.distinct(MessageSubscription.instance_id))).where(
            *_waiting_for(actor, name, (keys[0], None))
        )
    ).scalar_one()
    if waiting and keys[1] is not None:
        return NotFound(
            f"{waiting} instance(s) wait for message '{name}' but none with the correlation key "
            f"'{keys[1]}', and no process starts on it",
            {"waiting": waiting},
        )
    if waiting and correlation:
        return NotFound(
            f"{waiting} instance(s) wait for message '{name}' but none has the correlation values "
            f"{json.dumps(correlation)}, and no process starts on it",
            {"waiting": waiting},
        )
    return NotFound(f"no instance is waiting for message '{name}' and no process starts on it")


def _deliver(actor: User, instance_ids: list, name: str, variables: dict, within: Correlation) -> list[str]:
    """Step every target and commit once. With all=true an instance that cannot take the message
    (suspended or moved on since the query) is left out, never a reason to stop half way."""
    delivered = []
    for instance_id in instance_ids:
        instance = lock_instance(actor.tenant_id, instance_id)
        refusal = _deliver_to(actor, instance, name, variables, within)
        if refusal is None:
            delivered.append(str(instance.id))
        elif not within.all and not (within.local and refusal is _UNCAUGHT):
            db.session.rollback()  # (with local values an instance before it may have been stepped)
            raise Conflict(refusal)
    if within.local and not delivered:
        return []  # no wait holds the local values: no match (the caller says so)
    if not delivered:
        raise Conflict(f"no instance is waiting for message '{name}' any more")
    if len(delivered) > 1 and not within.all:  # only with local values, counted once delivered
        db.session.rollback()  # what the deliveries stepped goes: the 409 changes nothing
        raise _several(name, len(delivered))
    commit_step()
    return delivered


def _deliver_to(
    actor: User, instance: ProcessInstance, name: str, variables: dict, within: Correlation
) -> str | None:
    """Step `instance` past its wait for `name`; else say why it cannot take it."""
    if instance.status == SUSPENDED:
        return f"instance {instance.id} waiting for message '{name}' was suspended meanwhile"
    runner, elements = load_runner(instance)
    try:
        caught = runner.deliver_message(name, variables, within)
    except AmbiguousMessage as ambiguous:
        raise _ambiguous(instance, ambiguous) from None
    if not caught:
        return (
            _UNCAUGHT if within.local else f"instance {instance.id} is no longer waiting for message '{name}'"
        )
    persist_step(instance, runner.result(), elements, actor=actor.username, sent=variables)
    audit.record(actor, "message.deliver", instance, after={"message": name, "variables": variables})
    return None


def _ambiguous(instance: ProcessInstance, ambiguous: AmbiguousMessage) -> Conflict:
    waits = ", ".join(f"'{e}'" for e in ambiguous.element_ids)
    return Conflict(
        f"message '{ambiguous.name}' matches {ambiguous.waits} waits of instance {instance.id} "
        f"({waits}); narrow it with a correlation key or correlation values, or send it with all=true",
        {"instance_id": str(instance.id), "element_ids": ambiguous.element_ids},
    )


def start_definitions(tenant_id: str, name: str, starts: str) -> list[Definition]:
    """The latest published version of each process whose start events catch `name`, by key.
    `starts` says of what: `start_messages` or `start_signals` (the deployed meta's lists)."""
    candidates = db.session.execute(
        select(Definition)
        .where(Definition.tenant_id == tenant_id, Definition.kind == "bpmn", Definition.status == PUBLISHED)
        .order_by(Definition.key, Definition.version.desc())
    ).scalars()
    seen, found = set(), []
    for definition in candidates:
        if definition.key in seen:
            continue
        seen.add(definition.key)
        if name in definition.meta.get(starts, []):
            found.append(definition)
    return found
