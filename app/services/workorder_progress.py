"""Reading a master's linked work orders: each one's lifecycle, how far they have got, and the
critical path of estimated hours through their dependencies (a cycle is a 400).
"""

from __future__ import annotations

from graphlib import CycleError, TopologicalSorter

from sqlalchemy import select

from app.errors import NotFound, ValidationError
from app.extensions import db
from app.models import ProcessInstance, User, WorkOrderLink
from app.models.brief import CANCELLED_ORDER, CLOSED_ORDER, WAITING_DEPS
from app.models.instances import COMPLETED
from app.services.instances import read_instance


def links_of(parent_id) -> list[WorkOrderLink]:
    """The master's linked orders, oldest first."""
    query = select(WorkOrderLink).where(WorkOrderLink.parent_instance_id == parent_id)
    return list(db.session.execute(query.order_by(WorkOrderLink.created_at)).scalars())


def critical_path(links: list[WorkOrderLink]) -> dict:
    """The longest chain of estimated hours through the dependency DAG; a cycle is a 400."""
    by_id = {str(link.id): link for link in links}
    graph = {key: {d for d in link.depends_on if d in by_id} for key, link in by_id.items()}
    finish: dict[str, float] = {}
    before: dict[str, str | None] = {}
    for key in _in_order(graph, by_id):
        prior = max(graph[key], key=lambda d: finish.get(d, 0.0), default=None)
        finish[key] = (finish.get(prior, 0.0) if prior is not None else 0.0) + by_id[key].estimated_hours
        before[key] = prior
    last = max(finish, key=lambda k: finish[k], default=None)
    path = []
    while last is not None:
        path.append(last)
        last = before[last]
    return {"hours": finish.get(path[0], 0.0) if path else 0.0, "orders": list(reversed(path))}


def _in_order(graph: dict[str, set], by_id: dict) -> list[str]:
    """The batch's orders, each after those it depends on; a cycle is a 400 naming its orders."""
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        cycle = [by_id[k].title if k in by_id else k for k in exc.args[1]]
        raise ValidationError(f"the dependencies form a cycle: {' -> '.join(cycle)}", {"cycle": cycle})
    return [key for key in order if key in by_id]


def progress(actor: User, parent_id) -> dict:
    """The master's linked orders with their lifecycle status, % complete (closed, not cancelled or
    withdrawn), blocked, waiting and withdrawn orders (each item says why), critical path."""
    parent = read_instance(actor, parent_id)
    links = links_of(parent.id)
    items = [_item(link) for link in links]
    return {
        "master": {"id": str(parent.id), "status": parent.status, "outcome": parent.outcome},
        "orders": items,
        "total": len(items),
        "percent_complete": round(_percent_closed(items), 1),
        "blocked": [i["id"] for i in items if i["lifecycle"] == "blocked"],
        "waiting": [i["id"] for i in items if i["status"] == WAITING_DEPS],
        "withdrawn": [i["id"] for i in items if i["withdrawn_reason"]],
        # (the work still to be done or done: cancelled and withdrawn orders will never be worked)
        "critical_path": critical_path([link for link in links if link.status != CANCELLED_ORDER]),
    }


def orders_for_page(actor: User, parent: ProcessInstance) -> dict | None:
    """A master's orders for its case page (None when it has none): each with its lifecycle and
    its instance's id only when `actor` may read that instance (the page links it)."""
    links = links_of(parent.id)
    if not links:
        return None
    items = [_item(link) for link in links]
    for item, link in zip(items, links, strict=True):  # (the row's uuid: SQLite's column takes no text)
        item["instance_id"] = link.child_instance_id and _readable(actor, link.child_instance_id)
    return {"orders": items, "percent_complete": round(_percent_closed(items))}


def _percent_closed(items: list[dict]) -> float:
    """% of the orders closed (not cancelled or withdrawn); 0 when there are none."""
    closed = sum(1 for i in items if i["status"] == CLOSED_ORDER)
    return 100 * closed / len(items) if items else 0.0


def _readable(actor: User, instance_id) -> str | None:
    try:
        return str(read_instance(actor, instance_id).id)
    except NotFound:
        return None


def _item(link: WorkOrderLink) -> dict:
    child = db.session.get(ProcessInstance, link.child_instance_id) if link.child_instance_id else None
    return {
        "id": str(link.id),
        "title": link.title,
        "definition_key": link.definition_key,
        "status": link.status,
        "lifecycle": _lifecycle(child, link),
        "instance_id": str(child.id) if child else None,
        "depends_on": link.depends_on,
        "estimated_hours": link.estimated_hours,
        "withdrawn_reason": link.withdrawn_reason,
    }


def _lifecycle(child: ProcessInstance | None, link: WorkOrderLink) -> str:
    """The order's lifecycle status: the `status` property of the element it waits in."""
    if child is None:
        return "cancelled" if link.status == CANCELLED_ORDER else "waiting"
    if child.status == COMPLETED:
        return "closed"
    from app.services.jobs import instance_elements

    elements = instance_elements(child)
    for element_id in child.active_elements:
        status = (elements.get(element_id, {}).get("properties") or {}).get("status")
        if status:
            return status
    return child.status
