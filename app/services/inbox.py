"""Read-only queries behind the inbox pages that the API services do not already answer.

Tabs, sorting, text search and counts over the user_tasks rows (never workflow state), what a
task or instance page shows around the row, and which processes a user may start.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import exists, func, or_, select

from app.errors import NotFound
from app.extensions import db
from app.models import Definition, Incident, ProcessInstance, TaskCandidate, User, UserTask
from app.models.definitions import PUBLISHED
from app.models.tasks import OPEN
from app.services import case_story, duties, permissions, workorder_progress
from app.services.definitions import list_definitions
from app.services.instance_history import history
from app.services.instances import instance_definition, read_instance
from app.services.tasks import INBOX_ORDER
from app.services.visibility import may_see, visible_to

TABS = ("mine", "groups", "all")
# Each ends with the id, as INBOX_ORDER does: tasks of one step tie on everything else.
SORTS = {
    "priority": INBOX_ORDER,
    "due": (UserTask.due.asc().nulls_last(), UserTask.priority.desc(), UserTask.id),
    "created": (UserTask.created_at.desc(), UserTask.id),
    "oldest": (UserTask.created_at.asc(), UserTask.id),
}
PAGE_SIZE = 20


@dataclass
class InboxPage:
    tasks: list[UserTask]
    total: int
    counts: dict[str, int]
    page: int
    pages: int
    processes: dict[str, str]  # definition key -> name, for the filter and the rows
    business_keys: dict
    filtered_name: str | None = None  # the filtered process's name when none of its tasks is open


def _offered_to(user: User):
    return exists().where(
        TaskCandidate.task_id == UserTask.id,
        or_(
            (TaskCandidate.kind == "user") & (TaskCandidate.name == user.username),
            (TaskCandidate.kind == "group") & TaskCandidate.name.in_(user.group_names),
        ),
    )


def _claimable(user: User):
    """Unclaimed and offered to the user: by name, through a group, or to everyone (a model that
    names no one). Such a task is the user's to take, so it is listed with their groups' queue."""
    return UserTask.assignee.is_(None) & (UserTask.offered_to_all.is_(True) | _offered_to(user))


def _tab_filter(user: User, tab: str):
    if tab == "mine":
        return UserTask.assignee == user.username
    if tab == "groups":
        return _claimable(user)
    return visible_to(user)


def _text_filter(text: str):
    # What the user typed is matched as text: % and _ are escaped, not wildcards.
    typed = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{typed}%"
    keyed = select(ProcessInstance.id).where(ProcessInstance.business_key.ilike(pattern, escape="\\"))
    return or_(
        UserTask.name.ilike(pattern, escape="\\"),
        UserTask.definition_key.ilike(pattern, escape="\\"),
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
    processes = _processes(user)
    # A filter on a process without open tasks (a bookmark, a link) must still show as the filter.
    missing = None
    if process and process not in processes:
        missing = process_names(user.tenant_id, [process])[process]
    return InboxPage(tasks, total, counts, page, pages, processes, _business_keys(tasks), missing)


def _processes(user: User) -> dict[str, str]:
    """The processes of the open tasks the user may see, by name (the key when it has none)."""
    keys = db.session.execute(
        select(UserTask.definition_key).where(visible_to(user), UserTask.status == OPEN).distinct()
    ).scalars()
    names = process_names(user.tenant_id, list(keys))
    return dict(sorted(names.items(), key=lambda item: item[1].lower()))


def process_names(tenant_id: str, keys: list[str]) -> dict[str, str]:
    """key -> the name of its latest version (or the key): what people call a process."""
    if not keys:
        return {}
    rows = db.session.execute(
        select(Definition.key, Definition.name)
        .where(Definition.tenant_id == tenant_id, Definition.kind == "bpmn", Definition.key.in_(keys))
        .order_by(Definition.key, Definition.version)
    )
    named = {row.key: row.name for row in rows if row.name}  # the latest version's name wins
    return {key: named.get(key, key) for key in keys}


def _business_keys(tasks: list[UserTask]) -> dict:
    ids = {t.instance_id for t in tasks}
    if not ids:
        return {}
    rows = db.session.execute(
        select(ProcessInstance.id, ProcessInstance.business_key).where(ProcessInstance.id.in_(ids))
    )
    return {row.id: row.business_key for row in rows}


def next_task_for(user: User, instance_id) -> UserTask | None:
    """The open task of this instance that the user should do next: theirs first, then offered ones
    (to them, their groups or everyone); none a four-eyes rule keeps from them (the task they just
    did is often what a `notBy` names)."""
    query = select(UserTask).where(
        UserTask.instance_id == instance_id,
        UserTask.status == OPEN,
        or_(UserTask.assignee == user.username, _claimable(user)),
    )
    mine_first = (UserTask.assignee == user.username).desc()
    for task in db.session.execute(query.order_by(mine_first, UserTask.created_at).limit(20)).scalars():
        instance, element = duties.element_of(task)
        if duties.reason_against(user.username, instance, element, task) is None:
            return task
    return None


def instance_overview(user: User, instance_id) -> dict:
    """What the instance page shows: the row, its history, visit counts, open incidents and tasks
    (with the ids of those the user may open: the others are named, not linked)."""
    instance = read_instance(user, instance_id)
    entries = history(user.tenant_id, instance.id)
    incidents = list(
        db.session.execute(
            select(Incident).where(Incident.instance_id == instance.id).order_by(Incident.created_at)
        ).scalars()
    )
    tasks = list(
        db.session.execute(
            select(UserTask).where(UserTask.instance_id == instance.id, UserTask.status == OPEN)
        ).scalars()
    )
    failed = {i.element_id for i in incidents if i.status == "open" and i.element_id}
    return {
        "instance": instance,
        "definition": instance_definition(instance),
        "history": entries,
        "names": case_story.element_names(instance),  # (history rows of a loop's parent have none)
        "decisions": case_story.decisions(user.tenant_id, entries),
        "outcome": case_story.case_outcome(instance, entries),
        "visits": dict(Counter(e["element_id"] for e in case_story.path_taken(entries))),
        "incidents": incidents,
        "failed": sorted(failed),  # drawn as failed, not as current, though the token waits there
        "tasks": tasks,
        "openable": {task.id for task in tasks if may_see(user, task)},
        "master": _master_of(user, instance),
        "linked": workorder_progress.orders_for_page(user, instance),
    }


def _master_of(user: User, instance: ProcessInstance) -> dict | None:
    """A linked work order's master, named and linked when `user` may read it (else `id` None);
    None for an instance that is no linked order."""
    if instance.parent_instance_id is None:
        return None
    try:
        master = read_instance(user, instance.parent_instance_id)
    except NotFound:
        return {"id": None, "title": None}
    title = instance_definition(master).name or master.definition_key
    return {"id": master.id, "title": f"{title} · {master.business_key}" if master.business_key else title}


def diagram_xml(user: User, instance_id) -> str:
    """The BPMN file the instance's definition was deployed from, for the diagram viewer."""
    return instance_definition(read_instance(user, instance_id)).resource.content


def offered_for_start(definition: Definition) -> str | None:
    """None when a person may start `definition` by hand, else why not (for the message).

    Like Camunda's Tasklist: it needs a none start event (or a start form), and not
    camunda:isStartableInTasklist="false". A process that only starts on a timer or a message
    would wait at that event forever.
    """
    meta = definition.meta or {}
    if meta.get("startable_in_tasklist") is False:
        return "it is marked not startable in the inbox (camunda:isStartableInTasklist)"
    manual = meta.get("manual_start")
    if meta.get("start_form") or manual or (manual is None and not meta.get("timer_starts")):
        return None  # (meta stored before manual_start existed: only a timer start is known)
    return "it has no none start event: it starts on its own (a timer, message or signal)"


def may_start(user: User, definition: Definition) -> bool:
    if not permissions.allowed(user, permissions.START):
        return False
    groups = definition.meta.get("candidate_starter_groups") or []
    users = definition.meta.get("candidate_starter_users") or []
    if user.is_admin or not (groups or users):
        return True
    return user.username in users or bool(set(groups) & set(user.group_names))


def startable_processes(user: User) -> list[Definition]:
    """The latest published version of every process the user may start by hand."""
    latest, _ = list_definitions(user.tenant_id, "bpmn", limit=500)
    return [
        d for d in latest if d.status == PUBLISHED and offered_for_start(d) is None and may_start(user, d)
    ]
