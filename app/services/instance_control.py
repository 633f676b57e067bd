"""Suspending, resuming and cancelling process instances, one by one or (the *_locked forms) as part
of a caller's transaction, as a master work order does for its linked orders."""

from __future__ import annotations

from sqlalchemy import select

from app.errors import Conflict
from app.extensions import db
from app.models import Incident, ProcessInstance, User
from app.models.base import utcnow
from app.models.instances import CANCELLED, ENDED, SUSPENDED, WAITING
from app.services import audit, sla
from app.services.instances import commit_step, load_runner, lock_instance
from app.services.stepping import persist_step


def suspend_instance(tenant_id: str, instance_id, actor: User | None = None) -> ProcessInstance:
    """Suspended instances accept no completions, messages or timers until resumed. A master work
    order's running linked orders are suspended with it (services/workorders.py)."""
    from app.services.workorders import hold_linked_orders  # (workorders builds on this module)

    instance = lock_instance(tenant_id, instance_id)
    if instance.status in ENDED or instance.status == SUSPENDED:
        raise Conflict(f"an instance that is {instance.status} cannot be suspended")
    suspend_locked(instance, actor)
    hold_linked_orders(actor, instance)
    commit_step()
    return instance


def suspend_locked(instance: ProcessInstance, actor: User | None, reason: str | None = None) -> None:
    """Suspend a running instance the caller has locked, with its audit entry. The caller commits."""
    before, after = {"status": instance.status}, {"status": SUSPENDED}
    audit.record(actor, "instance.suspend", instance, before=before, after=after, reason=reason)
    instance.status = SUSPENDED
    sla.hold(instance, suspended=True)  # a case that cannot be worked does not use up its SLA


def resume_instance(tenant_id: str, instance_id, actor: User | None = None) -> ProcessInstance:
    """Resume a suspended instance; a master work order resumes the orders it suspended, and starts
    (or closes on) what became ready meanwhile (services/workorders.py)."""
    from app.services.workorders import release_linked_orders

    instance = lock_instance(tenant_id, instance_id)
    if instance.status != SUSPENDED:
        raise Conflict(f"only a suspended instance can be resumed; this one is {instance.status}")
    resume_locked(instance, actor)
    release_linked_orders(actor, instance)
    commit_step()
    return instance


def resume_locked(instance: ProcessInstance, actor: User | None, reason: str | None = None) -> None:
    """Resume a suspended instance the caller has locked (failed again if an incident is open)."""
    has_incident = db.session.execute(
        select(Incident.id).where(Incident.instance_id == instance.id, Incident.status == "open")
    ).first()
    instance.status = "failed" if has_incident else WAITING
    sla.hold(instance, suspended=False)
    before, after = {"status": SUSPENDED}, {"status": instance.status}
    audit.record(actor, "instance.resume", instance, before=before, after=after, reason=reason)


def cancel_instance(tenant_id: str, instance_id, actor: User, reason: str | None = None) -> ProcessInstance:
    """Cancel a running instance; a reason is required and goes into the audit trail. The linked
    work orders of a master are cancelled with it (services/workorders.py)."""
    instance = lock_instance(tenant_id, instance_id)
    reason = audit.require_reason(reason, "cancelling an instance")
    if instance.status in ENDED:
        raise Conflict(f"the instance is already {instance.status}")
    cancel_locked(instance, actor, reason)
    commit_step()
    return instance


def cancel_locked(instance: ProcessInstance, actor: User, reason: str) -> None:
    """Cancel a running instance the caller has locked, with its audit entry. The caller commits."""
    from app.services.workorders import cancel_linked_orders  # (workorders builds on this module)

    runner, elements = load_runner(instance)
    runner.cancel()
    result = runner.result()
    result.status, result.state, result.user_tasks, result.messages = CANCELLED, None, [], []
    before = instance.status
    persist_step(instance, result, elements, actor=actor.username)
    instance.ended_at = utcnow()
    change = {"before": {"status": before}, "after": {"status": CANCELLED}}
    audit.record(actor, "instance.cancel", instance, **change, reason=reason)
    cancel_linked_orders(actor, instance, reason)
