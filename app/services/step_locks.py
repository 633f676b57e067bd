"""A completion's read: its task, instance and state in one locked statement (and, on PostgreSQL,
the instance's open task ids, which the step would read next)."""

from __future__ import annotations

from sqlalchemy import bindparam, event, literal_column, select
from sqlalchemy.orm import Session

from app.errors import NotFound
from app.extensions import db
from app.models import InstanceState, ProcessInstance
from app.models.tasks import UserTask
from app.services.fast_flush import writes_step_rows
from app.services.prepared import Prepared, adopt

_i, _t, _s = ProcessInstance.__table__, UserTask.__table__, InstanceState.__table__
# A completion's three rows in one statement, all locked: a rival that got there first is seen as
# it left them (PostgreSQL reads a locked row again after the wait), never as it was before.
_STEP_ROWS = (
    select(*_i.c, *_t.c, _s.c.state, _s.c.size_bytes)
    .select_from(_t.join(_i, _i.c.id == _t.c.instance_id).join(_s, _s.c.instance_id == _i.c.id))
    .where(_t.c.id == bindparam("task_id"))
    .with_for_update(of=[_i, _t, _s])
)
_TASK_STEP = Prepared(_STEP_ROWS)
# On PostgreSQL the same read also brings the instance's open task ids, which the step would read
# next. The locked rows are the latest, but that list comes from the statement's snapshot, taken
# before any wait: it is used only if the state row is the one the snapshot saw (same xmin), and
# every change to an instance's open tasks is a step, which writes its state row.
_TASK_STEP_WITH_OPEN = Prepared(
    _STEP_ROWS.add_columns(
        literal_column(
            "(SELECT seen.xmin FROM instance_states AS seen"
            " WHERE seen.instance_id = process_instances.id) = instance_states.xmin"
        ),
        literal_column(
            "ARRAY(SELECT ot.id FROM user_tasks AS ot"
            " WHERE ot.instance_id = process_instances.id AND ot.status = 'open')"
        ),
    )
)


_OPEN_IDS = "baton_locked_open_task_ids"


def take_open_task_ids(instance_id) -> set | None:
    """The open task ids read with this instance's lock in this transaction, once; else None."""
    held = db.session.info.pop(_OPEN_IDS, None)
    return held[1] if held is not None and held[0] == instance_id else None


@event.listens_for(Session, "after_soft_rollback")
@event.listens_for(Session, "after_transaction_end")
def _forget_open_task_ids(session: Session, *args) -> None:
    session.info.pop(_OPEN_IDS, None)  # (a transaction's end, also by close, or any rollback)


def lock_task_step(tenant_id: str, task_id):
    """(instance, task) of a task, locked with the instance's state until commit (the state row is
    held on the instance for load_runner); None when the task or the state is missing (the separate
    reads then say which, with the right status)."""
    db.session.flush()
    with_open = writes_step_rows()
    row = (_TASK_STEP_WITH_OPEN if with_open else _TASK_STEP).first({"task_id": task_id})
    if row is None:
        return None
    width, tasks_end = len(_i.c), len(_i.c) + len(_t.c)
    instance = adopt(ProcessInstance, dict(zip(_i.c.keys(), row[:width], strict=True)))
    task = adopt(UserTask, dict(zip(_t.c.keys(), row[width:tasks_end], strict=True)))
    state = adopt(
        InstanceState, {"instance_id": instance.id, "state": row[tasks_end], "size_bytes": row[tasks_end + 1]}
    )
    instance.state_row = state  # held (the session holds unchanged rows weakly): load_runner reads none
    if with_open and row[-2]:
        db.session.info[_OPEN_IDS] = (instance.id, set(row[-1]))
    if instance.tenant_id != tenant_id:
        raise NotFound(f"task {task_id} does not exist")
    return instance, task
