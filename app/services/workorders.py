"""Master and linked work orders: a DAG of orders under a master instance.

Linked orders are created in a batch under a master; their dependencies must form a DAG (a cycle is
a 400). An order's instance starts only when every order it depends on is closed (completed); when a
linked instance completes, its dependents start. A cancelled order is not done: what depends on it,
directly or not, is withdrawn (never started), with the reason. When every order is closed or
withdrawn the master receives the message `linked_orders_closed`. All of it happens in the
transaction of the step that ended the order. What a master's orders have done so far, and their
critical path, is read in services/workorder_progress.py.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.engine.reports import StepResult
from app.engine.runner import Runner
from app.errors import Conflict, NotFound, ValidationError
from app.extensions import db
from app.models import ProcessInstance, User, WorkOrderLink
from app.models.brief import CANCELLED_ORDER, CLOSED_ORDER, OPEN_ORDER, WAITING_DEPS
from app.models.instances import CANCELLED, COMPLETED, ENDED, SUSPENDED
from app.services import audit, permissions
from app.services.bundles import bundle_for
from app.services.form_values import check_values
from app.services.instance_control import cancel_locked, resume_locked, suspend_locked
from app.services.instance_facts import new_facts
from app.services.instances import check_variables, lock_instance, startable_definition
from app.services.stepping import after_step, born_instance, persist_step
from app.services.visibility import check_instance_visible
from app.services.workorder_progress import critical_path, links_of

ALL_CLOSED = "linked_orders_closed"


def link_orders(actor: User, parent_id, orders: list[dict]) -> list[WorkOrderLink]:
    """Create linked orders under a master; `depends_on` names refs in this batch or existing link ids.

    The caller must be able to read the master (else a 404, as for any instance they may not read),
    and the master must be running: orders linked under an ended or suspended one would never close it.
    """
    parent = _require_running(check_instance_visible(actor, lock_instance(actor.tenant_id, parent_id)))
    existing = links_of(parent.id)
    refs = {
        o["ref"]: WorkOrderLink(
            id=uuid.uuid4(), tenant_id=actor.tenant_id, parent_instance_id=parent.id, linked_by=actor.username
        )
        for o in orders
    }
    if len(refs) != len(orders):
        raise ValidationError("each order in a batch needs a distinct ref", {"field": "orders"})
    known = {str(link.id): link for link in existing}
    for order in orders:
        link = refs[order["ref"]]
        link.definition_key, link.title = order["definition_key"], order["title"]
        link.estimated_hours, link.variables = order["estimated_hours"], _startable_with(actor, order)
        link.depends_on = [_resolve(ref, refs, known) for ref in order["depends_on"]]
    critical_path(existing + list(refs.values()))  # raises on a cycle, before anything is written
    for link in refs.values():
        link.status = WAITING_DEPS
        db.session.add(link)
    for link in refs.values():
        audit.record(actor, "workorder.link", parent, after={"link": str(link.id), "title": link.title})
    _settle(actor, parent, existing + list(refs.values()))
    db.session.commit()
    return list(refs.values())


def _require_running(parent: ProcessInstance) -> ProcessInstance:
    if parent.status in (COMPLETED, CANCELLED, SUSPENDED):
        raise Conflict(
            f"master work order {parent.id} is {parent.status}; orders are linked only under a running one",
            {"status": parent.status},
        )
    return parent


def _startable_with(actor: User, order: dict) -> dict:
    """The order's variables, checked now as its start would check them, though it may wait (else
    one that waits would start later unchecked: a process its linker may not start, values its
    start form refuses; or break the completion of the order it waits for: a process that does
    not exist); converted as the start form converts them."""
    ref = order["ref"]
    try:
        definition = startable_definition(actor.tenant_id, order["definition_key"])
    except (NotFound, Conflict) as unstartable:
        message = f"order '{ref}': {unstartable.message}"
        raise ValidationError(message, {"field": "definition_key", "ref": ref})
    permissions.require_starter(actor, definition)
    try:
        variables = check_variables(order["variables"])
        return check_values(actor.tenant_id, definition.meta.get("start_form"), variables)
    except ValidationError as refused:
        details = refused.details if isinstance(refused.details, dict) else {}
        form = f"the start form of '{order['definition_key']}'"
        raise ValidationError(
            f"order '{ref}': its variables ({form}): {refused.message}", {**details, "ref": ref}
        )


def _resolve(ref: str, batch: dict, known: dict) -> str:
    if ref in batch:
        return str(batch[ref].id)
    if ref in known:
        return ref
    raise ValidationError(
        f"dependency '{ref}' is neither a ref in this batch nor a linked order", {"ref": ref}
    )


def _settle(actor, parent: ProcessInstance, links: list[WorkOrderLink]) -> None:
    """Withdraw the waiting orders that can never start, then start the ones that are ready (again
    while a ready one could not start: what waits for it is withdrawn in turn)."""
    _withdraw_orphans(parent, links)
    while _start_ready(actor, parent, links):
        _withdraw_orphans(parent, links)


def _withdraw_orphans(parent: ProcessInstance, links: list[WorkOrderLink]) -> None:
    by_id = {str(link.id): link for link in links}
    withdrawn = True
    while withdrawn:  # (until no more: a withdrawn order withdraws what waits for it)
        withdrawn = False
        for link in (waiting for waiting in links if waiting.status == WAITING_DEPS):
            gone = next((by_id[d] for d in link.depends_on if _is_cancelled(by_id.get(d))), None)
            if gone is not None:
                _withdraw(None, parent, link, _prerequisite_gone(gone))
                withdrawn = True


def _is_cancelled(link: WorkOrderLink | None) -> bool:
    return link is not None and link.status == CANCELLED_ORDER


def _prerequisite_gone(gone: WorkOrderLink) -> str:
    said = f"prerequisite order '{gone.title}' ({gone.id}) was"
    return f"{said} withdrawn: {gone.withdrawn_reason}" if gone.withdrawn_reason else f"{said} cancelled"


def _withdraw(actor, parent: ProcessInstance, link: WorkOrderLink, reason: str) -> None:
    """A waiting order will never start: it is withdrawn, with the reason, and audited on the master."""
    link.status, link.withdrawn_reason = CANCELLED_ORDER, reason
    after = {"link": str(link.id), "title": link.title, "status": CANCELLED_ORDER}
    before = {"status": WAITING_DEPS}
    audit.record(actor, "workorder.withdraw", parent, before=before, after=after, reason=reason)


def _all_settled(links) -> bool:
    """Every order closed or cancelled/withdrawn (and there is one): the master may close."""
    return bool(links) and all(link.status in (CLOSED_ORDER, CANCELLED_ORDER) for link in links)


def _start_ready(actor, parent: ProcessInstance, links: list[WorkOrderLink]) -> bool:
    """Start the waiting orders whose prerequisites are all closed; True when one could not start."""
    closed = {str(link.id) for link in links if link.status == CLOSED_ORDER}
    withdrawn = False
    for link in links:
        if link.status == WAITING_DEPS and set(link.depends_on) <= closed:
            try:
                definition = startable_definition(parent.tenant_id, link.definition_key)
            except (NotFound, Conflict) as unstartable:  # deprecated since it was linked
                _withdraw(None, parent, link, f"its process cannot start: {unstartable.message}")
                withdrawn = True
                continue
            link.child_instance_id = _start_child(actor, parent, link, definition).id
            link.status = OPEN_ORDER
    return withdrawn


def _start_child(actor, parent: ProcessInstance, link: WorkOrderLink, definition) -> ProcessInstance:
    """Start a linked order's instance inside the current transaction (no commit of its own). Who
    linked it was checked as a starter then (_startable_with), and is its starter: the four-eyes
    rule `starter` binds them, not whoever closed the order it waited for."""
    bundle = bundle_for(definition)
    known = new_facts(link.title[:255], definition.id, parent.tenant_id)
    runner = Runner.start(bundle, dict(link.variables or {}), facts=known)
    result = runner.result()
    child = born_instance(
        result,
        definition,
        definition.id,
        parent.tenant_id,
        id=known.process_instance_id,
        business_key=known.business_key,
        parent_instance_id=parent.id,
        started_by=link.linked_by or getattr(actor, "username", None) or parent.started_by,
    )
    db.session.add(child)
    db.session.flush()
    persist_step(child, result, runner.elements, new=True)
    after: dict[str, object] = {"master": str(parent.id), "link": str(link.id)}
    after |= {"definition_key": link.definition_key, "variables": link.variables or {}}
    after["business_key"] = child.business_key
    audit.record(actor if isinstance(actor, User) else None, "instance.start", child, after=after)
    return child


@after_step
def close_linked_order(instance: ProcessInstance, result: StepResult):
    """A linked order ended: close its link (cancel it, if its instance was), start (or withdraw) what
    waited for it, close the master when all are closed or withdrawn.

    A master that reaches its catch event after its last order closed (the orders were done before
    its planning task was) gets the message then: it is not kept anywhere, so it is re-derived from
    the links. Returns that delivery, to run once every hook has seen this step.
    """
    if any(m.message_name == ALL_CLOSED for m in result.messages):
        return _close_if_all_closed(instance)
    if instance.parent_instance_id is None or result.status not in (COMPLETED, CANCELLED):
        return None
    link = db.session.execute(
        select(WorkOrderLink).where(WorkOrderLink.child_instance_id == instance.id)
    ).scalar_one_or_none()
    if link is None or link.status != OPEN_ORDER:
        return None
    link.status = CLOSED_ORDER if result.status == COMPLETED else CANCELLED_ORDER
    parent = db.session.get_one(ProcessInstance, link.parent_instance_id)
    if parent.status in ENDED or parent.status == SUSPENDED:
        return None  # nothing starts under a master that ended, nor one suspended (until resumed)
    links = links_of(parent.id)
    _settle(None, parent, links)
    if _all_settled(links):
        _close_master(parent)
    return None


def cancel_linked_orders(actor: User, master: ProcessInstance, reason: str) -> None:
    """A cancelled master takes its orders with it, as Camunda 7 cancels the instances a cancelled
    one called: each running order is cancelled (and audited) naming the master, and the orders
    still waiting for others never start. The caller holds the master's lock and commits."""
    for link in links_of(master.id):
        if link.status == WAITING_DEPS:
            _withdraw(actor, master, link, f"master work order {master.id} was cancelled: {reason}")
        elif link.status == OPEN_ORDER:
            child = lock_instance(master.tenant_id, link.child_instance_id)
            if child.status not in ENDED:
                cancel_locked(child, actor, f"master work order {master.id} was cancelled: {reason}")


def hold_linked_orders(actor: User | None, master: ProcessInstance) -> None:
    """A suspended master suspends its running orders, as Camunda 7 suspends a process instance's
    sub-process instances with it; each is audited naming the master and marked held by it. An
    order already suspended is left alone (and is not the master's to resume). The caller holds
    the master's lock and commits."""
    why = f"master work order {master.id} was suspended"
    for link in links_of(master.id):
        if link.status != OPEN_ORDER:
            continue
        child = lock_instance(master.tenant_id, link.child_instance_id)
        if child.status not in ENDED and child.status != SUSPENDED:
            suspend_locked(child, actor, why)
            link.held_by_master = True


def release_linked_orders(actor: User | None, master: ProcessInstance) -> None:
    """A resumed master resumes the orders it held (audited naming it), then settles what changed
    while it was suspended (withdraws what can never start, starts what is ready) and closes if all
    are. The caller holds its lock and commits."""
    why = f"master work order {master.id} was resumed"
    links = links_of(master.id)
    for link in (held for held in links if held.held_by_master):
        link.held_by_master = False
        child = lock_instance(master.tenant_id, link.child_instance_id)
        if child.status == SUSPENDED:
            resume_locked(child, actor, why)
    _settle(None, master, links)  # (as when the order they waited for closed: withdraw, then start)
    if _all_settled(links):
        _close_master(master)


def _close_if_all_closed(master: ProcessInstance):
    """The master waits for its orders: deliver now if it has some and all are closed or withdrawn."""
    if _all_settled(links_of(master.id)):
        return lambda: _close_master(master)
    return None


def _close_master(parent: ProcessInstance) -> None:
    from app.services.instances import load_runner

    if parent.status in (COMPLETED, CANCELLED, SUSPENDED):
        return  # (a suspended master gets the message when it is resumed)
    runner, elements = load_runner(parent)
    if runner.deliver_message(ALL_CLOSED, {}):
        persist_step(parent, runner.result(), elements)
