"""Notifications: who hears about a step, on which channels, with which words.

Events (task created / assigned / escalated, instance completed / failed) become, in the step's own
transaction, in-app rows and outbox jobs (kind "notification") for email and webhook; the jobs are
sent to Celery after commit and delivered by app.services.notify_channels. Channels and templates
are chosen per definition by process (or task) properties, see README "Notifications". Who hears
is notification_recipients; the bell and preferences a user sees are notification_bell.
"""

from __future__ import annotations

import logging

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import event, select
from sqlalchemy import inspect as orm_state
from sqlalchemy.orm import Session

from app.engine.reports import StepResult
from app.engine.sandbox import SandboxError, render_template
from app.extensions import db
from app.models import Job, ProcessInstance, User, UserTask
from app.models.base import utcnow
from app.models.jobs import QUEUED
from app.models.notifications import EMAIL, INAPP, WEBHOOK, Notification
from app.services import backoff, outcomes  # (outcomes' hook records what notify_step names)
from app.services.bundles import definition_facts
from app.services.dispatch import send_after_commit
from app.services.notification_recipients import (
    recipients,
    task_recipients,
    unsubscribed,
    user_named,
    workers,
)
from app.services.stepping import after_step

log = logging.getLogger(__name__)
NOTIFICATION = "notification"  # the jobs outbox kind of an email or webhook delivery
_NEW_TASKS = "baton_new_tasks"
TASK_CREATED, TASK_ASSIGNED, TASK_ESCALATED = "task_created", "task_assigned", "task_escalated"
INSTANCE_COMPLETED, INSTANCE_FAILED = "instance_completed", "instance_failed"
# event -> (property name, default channels, default subject, default body); subjects name the case
EVENTS = {
    TASK_CREATED: ("taskCreated", "inapp", "New task: {{task_name}} ({{case}})",
                   "{{workflow_title}} for {{requester_name}} waits at {{current_state}}."
                   "{% if due_date %} Due {{due_date}}.{% endif %} Open it: {{action_url}}"),
    TASK_ASSIGNED: ("taskAssigned", "inapp", "Assigned to you: {{task_name}} ({{case}})",
                    "{{workflow_title}} for {{requester_name}} is yours now."
                    "{% if due_date %} Due {{due_date}}.{% endif %} Open it: {{action_url}}"),
    TASK_ESCALATED: ("taskEscalated", "inapp",
                     "Escalated (level {{escalation_level}}): {{task_name}} ({{case}})",
                     "{{workflow_title}} for {{requester_name}} has waited too long at "
                     "{{current_state}}.{% if due_date %} Due {{due_date}}.{% endif %} "
                     "Open it: {{action_url}}"),
    # {{outcome_name}}: the end event that names the outcome ("Leave rejected"), empty when none does
    INSTANCE_COMPLETED: ("instanceCompleted", "inapp",
                         "{% if outcome_name %}{{outcome_name}}{% else %}Completed{% endif %}: "
                         "{{workflow_title}} ({{case}})",
                         "{{workflow_title}} ({{business_key}}) is complete"
                         "{% if outcome_name %}: {{outcome_name}}{% endif %}. {{action_url}}"),
    INSTANCE_FAILED: ("instanceFailed", "inapp", "Failed: {{workflow_title}} ({{case}})",
                      "{{workflow_title}} ({{business_key}}) stopped with an error at {{current_state}}. "
                      "{{action_url}}"),
}  # fmt: skip


# --- settings -----------------------------------------------------------------------------------------
def properties_of(instance: ProcessInstance, element_id: str | None = None) -> dict:
    """Process properties, overridden by the task element's own properties."""
    facts = definition_facts(instance.definition_id)
    meta = facts.meta if facts is not None else {}
    element = meta.get("elements", {}).get(element_id or "", {})
    return {**(meta.get("properties") or {}), **(element.get("properties") or {})}


def element_of(instance: ProcessInstance, element_id: str) -> dict:
    facts = definition_facts(instance.definition_id)
    return (facts.meta if facts is not None else {}).get("elements", {}).get(element_id, {})


def channels_for(props: dict, event_name: str) -> set[str]:
    name, default, _, _ = EVENTS[event_name]
    raw = props.get(f"notify.{name}", default) or ""
    return {c.strip() for c in raw.split(",") if c.strip() in (INAPP, EMAIL, WEBHOOK)}


def template_variables(instance: ProcessInstance, task: UserTask | None, **extra) -> dict:
    """What a template may use: requester_name, workflow_title, current_state, action_url, due_date ..."""
    definition = definition_facts(instance.definition_id)
    starter = user_named(instance.tenant_id, instance.started_by) if instance.started_by else None
    base = current_app.config["BATON"].BASE_URL.rstrip("/")
    state = task.name if task is not None else ", ".join(instance.active_elements or []) or instance.status
    return {
        "requester_name": _name(starter) if starter else instance.started_by or "",
        "workflow_title": (definition.name if definition else None) or instance.definition_key,
        "current_state": state or "",
        "action_url": f"{base}/tasks/{task.id}" if task is not None else f"{base}/instances/{instance.id}",
        "due_date": task.due.isoformat() if task is not None and task.due else "",
        "task_name": task.name if task is not None else "",
        "business_key": instance.business_key or "",
        # Which case, in a title: two "New task: Prepare draft" in the bell must say which is which.
        "case": instance.business_key or f"case {str(instance.id)[:8]}",
        "instance_id": str(instance.id),
        **extra,
    }


def _name(user: User) -> str:
    return user.display_name or user.username


def _render(props: dict, event_name: str, variables: dict) -> tuple[str, str]:
    name, _, subject, body = EVENTS[event_name]
    custom = (props.get(f"notify.{name}.subject") or subject, props.get(f"notify.{name}.body") or body)
    try:
        return render_template(custom[0], variables), render_template(custom[1], variables)
    except SandboxError as exc:  # a broken model template must not lose the notification
        log.warning("notification template for %s failed (%s); using the default", event_name, exc)
        return render_template(subject, variables), render_template(body, variables)


def _asked_for(instance: ProcessInstance, task: UserTask, event_name: str) -> bool:
    return f"notify.{EVENTS[event_name][0]}" in properties_of(instance, task.element_id)


# --- sending ----------------------------------------------------------------------------------------------
def notify(event_name: str, instance: ProcessInstance, task: UserTask | None, people: list[User], **extra):
    """Write one event's notifications in the caller's transaction: in-app rows and delivery jobs."""
    props = properties_of(instance, task.element_id if task is not None else None)
    channels = channels_for(props, event_name)
    if not channels or (not people and WEBHOOK not in channels):
        return
    variables = template_variables(instance, task, **extra)
    subject, body = _render(props, event_name, variables)
    off = unsubscribed(people) if people else set()
    for person in people:
        if INAPP in channels and (person.id, INAPP) not in off:
            db.session.add(_inapp(person, event_name, subject, body, variables, instance, task))
        if EMAIL in channels and person.email and (person.id, EMAIL) not in off:
            _queue(instance, props, EMAIL, {"to": person.email, "subject": subject, "body": body})
    if WEBHOOK in channels and props.get("webhook.url"):
        payload = {"event": event_name, "subject": subject, "body": body, "variables": variables}
        _queue(
            instance,
            props,
            WEBHOOK,
            {"url": props["webhook.url"], "secret": props.get("webhook.secret", "webhook"), "json": payload},
        )


def _inapp(person, event_name, subject, body, variables, instance, task) -> Notification:
    return Notification(
        tenant_id=person.tenant_id, user_id=person.id, kind=event_name, title=subject[:300], body=body,
        link=variables["action_url"], instance_id=instance.id, task_id=task.id if task is not None else None,
    )  # fmt: skip


def _queue(instance: ProcessInstance, props: dict, channel: str, payload: dict) -> None:
    from app.services.jobs import lease

    now, cycle = utcnow(), props.get("notify.retryCycle")  # e.g. R5/PT1M; default exponential, 5 tries
    job = Job(
        tenant_id=instance.tenant_id, kind=NOTIFICATION, handler=channel, status=QUEUED,
        payload={**payload, "instance_id": str(instance.id)},
        due_at=now, locked_until=now + lease(), retry_cycle=cycle,
        max_attempts=backoff.attempts_for({"retry_cycle": cycle}) if cycle else 5,
    )  # fmt: skip
    db.session.add(job)
    db.session.flush()
    send_after_commit(job.id)


# --- reacting to steps and assignments ------------------------------------------------------------
@event.listens_for(Session, "transient_to_pending")
def _note_new_task(session, obj) -> None:
    # Step hooks run after something has autoflushed, so `session.new` no longer shows new tasks.
    if isinstance(obj, UserTask):
        session.info.setdefault(_NEW_TASKS, []).append(obj)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_new_tasks(session, *_args) -> None:
    session.info.pop(_NEW_TASKS, None)


def new_tasks(instance: ProcessInstance) -> list[UserTask]:
    """The user tasks of `instance` created in this transaction."""
    return [t for t in db.session.info.get(_NEW_TASKS, []) if t.instance_id == instance.id]


@after_step
def notify_step(instance: ProcessInstance, result: StepResult) -> None:
    """Tasks this step created, and the instance's end or failure."""
    for task in new_tasks(instance):
        if task.assignee is None and not _asked_for(instance, task, TASK_CREATED):
            continue  # a group offer shows in the inbox; telling every member too is the model's choice
        people = task_recipients(task)
        if people:
            notify(TASK_CREATED, instance, task, people)
    if result.status == "completed":
        ends = [r.element_id for r in result.history if r.element_type == "endEvent"]
        elements = result.elements if result.elements is not None else _elements(instance)
        named = outcomes.outcome_label(instance.outcome, ends, elements)
        notify_instance(INSTANCE_COMPLETED, instance, outcome=instance.outcome, outcome_name=named or "")
    elif result.status == "failed" and result.error is not None:
        notify_instance(INSTANCE_FAILED, instance)


def notify_instance(event_name: str, instance: ProcessInstance, **extra) -> None:
    starter = instance.started_by
    if event_name == INSTANCE_COMPLETED and starter and _is_actor(starter):
        starter = None  # they completed their own request: no news to them (a webhook still hears)
    people = recipients(instance.tenant_id, [starter]) if starter else []
    notify(event_name, instance, None, people, **extra)


def _elements(instance: ProcessInstance) -> dict:
    facts = definition_facts(instance.definition_id)
    return facts.meta.get("elements", {}) if facts is not None else {}


@event.listens_for(UserTask.assignee, "set")
def _assignee_set(task: UserTask, value, old, _initiator) -> None:
    # Noted here, written before commit: a query inside an attribute event would autoflush mid-change.
    if value and value != old and orm_state(task).persistent and not _is_actor(value):
        session = db.session()
        session.info.setdefault("baton_assigned", []).append(task.id)


def _is_actor(username: str) -> bool:
    # Claiming a task for oneself is no news to oneself.
    if not has_request_context():
        return False
    actor = g.get("user") or g.get("web_user")
    return actor is not None and actor.username == username


@event.listens_for(Session, "before_commit")
def _notify_assigned(session) -> None:
    task_ids = session.info.pop("baton_assigned", None)
    if not task_ids or not has_app_context():
        return
    for task in session.execute(select(UserTask).where(UserTask.id.in_(task_ids))).scalars():
        instance = session.get(ProcessInstance, task.instance_id)
        if instance is not None and task.assignee:
            notify(TASK_ASSIGNED, instance, task, workers(task.tenant_id, [task.assignee]))
