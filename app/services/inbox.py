"""Read-only queries behind the inbox pages that the API services do not already answer.

Tabs, sorting, text search and counts over the user_tasks rows (never workflow state), what a
task or instance page shows around the row, and which processes a user may start.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import exists, func, or_, select

from app.extensions import db
from app.models import Definition, Incident, ProcessInstance, TaskCandidate, User, UserTask
from app.models.definitions import PUBLISHED
from app.models.tasks import OPEN
from app.services import permissions
from app.services.deployments import list_definitions
from app.services.instances import history, instance_definition, read_instance
from app.services.visibility import may_see, visible_to

TABS = ("mine", "groups", "all")
SORTS = {
    "priority": (UserTask.priority.desc(), UserTask.created_at),
    "due": (UserTask.due.asc().nulls_last(), UserTask.priority.desc()),
    "created": (UserTask.created_at.desc(),),
    "oldest": (UserTask.created_at.asc(),),
}
PAGE_SIZE = 20


@dataclass
class InboxPage:
    tasks: list[UserTask]
    total: int
    counts: dict[str, int]
    page: int
    pages: int
    processes: list[str]
    business_keys: dict


def _offered_to(user: User):
    return exists().where(
        TaskCandidate.task_id == UserTask.id,
        or_(
            (TaskCandidate.kind == "user") & (TaskCandidate.name == user.username),
            (TaskCandidate.kind == "group") & TaskCandidate.name.in_(user.group_names),
        ),
    )


def _tab_filter(user: User, tab: str):
    if tab == "mine":
        return UserTask.assignee == user.username
    if tab == "groups":
        return UserTask.assignee.is_(None) & _offered_to(user)
    return visible_to(user)


def _text_filter(text: str):
    pattern = f"%{text.strip()}%"
    keyed = select(ProcessInstance.id).where(ProcessInstance.business_key.ilike(pattern))
    return or_(
        UserTask.name.ilike(pattern),
        UserTask.definition_key.ilike(pattern),
        UserTask.instance_id.in_(keyed),
    )


def _base(user: User, tab: str, process: str | None, text: str | None):
    query = select(UserTask).where(visible_to(user), UserTask.status == OPEN, _tab_filter(user, tab))
    if process:
        query = query.where(UserTask.definition_key == process)
    if text and text.strip():
        query = query.where(_text_filter(text))
    return query


def _count(query) -> int:
    return db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()


def inbox_page(
    user: User, tab: str = "mine", sort: str = "priority", process=None, text=None, page: int = 1
) -> InboxPage:
    """One page of a tab, with the count of every tab under the same process and text filters."""
    tab = tab if tab in TABS else "mine"
    query = _base(user, tab, process, text)
    counts = {name: _count(_base(user, name, process, text)) for name in TABS}
    total = counts[tab]
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    order = SORTS.get(sort, SORTS["priority"])
    tasks = list(
        db.session.execute(query.order_by(*order).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).scalars()
    )
    return InboxPage(tasks, total, counts, page, pages, _processes(user), _business_keys(tasks))


def _processes(user: User) -> list[str]:
    rows = db.session.execute(
        select(UserTask.definition_key).where(visible_to(user), UserTask.status == OPEN).distinct()
    ).scalars()
    return sorted(rows)


def _business_keys(tasks: list[UserTask]) -> dict:
    ids = {t.instance_id for t in tasks}
    if not ids:
        return {}
    rows = db.session.execute(
        select(ProcessInstance.id, ProcessInstance.business_key).where(ProcessInstance.id.in_(ids))
    )
    return {row.id: row.business_key for row in rows}


def next_task_for(user: User, instance_id) -> UserTask | None:
    """The open task of this instance that the user should do next: theirs first, then offered ones."""
    query = select(UserTask).where(
        UserTask.instance_id == instance_id,
        UserTask.status == OPEN,
        or_(UserTask.assignee == user.username, UserTask.assignee.is_(None) & _offered_to(user)),
    )
    mine_first = (UserTask.assignee == user.username).desc()
    return db.session.execute(query.order_by(mine_first, UserTask.created_at).limit(1)).scalar_one_or_none()


def instance_overview(user: User, instance_id) -> dict:
    """What the instance page shows: the row, its history, visit counts, open incidents and tasks
    (with the ids of those the user may open: the others are named, not linked)."""
    instance = read_instance(user, instance_id)
    entries = history(user.tenant_id, instance.id)
    incidents = db.session.execute(
        select(Incident).where(Incident.instance_id == instance.id).order_by(Incident.created_at)
    ).scalars()
    tasks = list(
        db.session.execute(
            select(UserTask).where(UserTask.instance_id == instance.id, UserTask.status == OPEN)
        ).scalars()
    )
    definition = instance_definition(instance)
    return {
        "instance": instance,
        "definition": definition,
        "history": entries,
        "visits": dict(Counter(e["element_id"] for e in entries if e["state"] != "active")),
        "incidents": list(incidents),
        "tasks": tasks,
        "openable": {task.id for task in tasks if may_see(user, task)},
    }


def diagram_xml(user: User, instance_id) -> str:
    """The BPMN file the instance's definition was deployed from, for the diagram viewer."""
    return instance_definition(read_instance(user, instance_id)).resource.content


def may_start(user: User, definition: Definition) -> bool:
    groups = definition.meta.get("candidate_starter_groups") or []
    users = definition.meta.get("candidate_starter_users") or []
    if user.is_admin or not (groups or users):
        return True
    return user.username in users or bool(set(groups) & set(user.group_names))


def startable_processes(user: User) -> list[Definition]:
    """The latest published version of every process the user may start."""
    latest, _ = list_definitions(user.tenant_id, "bpmn", limit=500)
    return [d for d in latest if d.status == PUBLISHED and may_start(user, d)]


def colleagues(user: User) -> list[str]:
    """Active usernames of the tenant a task can be delegated to: those who work on tasks."""
    rows = db.session.execute(
        select(User)
        .where(User.tenant_id == user.tenant_id, User.active.is_(True), User.username != user.username)
        .order_by(User.username)
        .limit(500)
    ).scalars()
    return [other.username for other in rows if permissions.allowed(other, permissions.WORK)]
