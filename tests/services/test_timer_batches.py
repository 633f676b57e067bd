"""Due timers fired in batches: each once, in one transaction, a repeated delivery a no-op."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from app.extensions import db
from app.models import Job
from app.models.base import utcnow
from app.models.jobs import TIMER
from app.services.jobs import claim_due_jobs
from app.services.timer_batches import batches, fire_timers
from tests.conftest import DATA


def _start(admin, key: str) -> str:
    started = admin.post(f"/process-definitions/{key}/instances", json={})
    assert started.status_code == 201, started.json
    return started.json["id"]


def _make_due() -> list[str]:
    db.session.execute(update(Job).where(Job.kind == TIMER).values(due_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    return [job_id for job_id, _, kind in claim_due_jobs() if kind == TIMER]


def _history(admin, instance_id) -> list[str]:
    return [h["element_id"] for h in admin.get(f"/instances/{instance_id}/history").json["items"]]


def test_a_batch_fires_each_timer_once_and_a_repeated_delivery_does_nothing(admin):
    assert admin.deploy(DATA / "timers" / "boundary.bpmn").status_code == 201
    escalating = [_start(admin, "timer_interrupting") for _ in range(3)]
    reminding = _start(admin, "timer_reminder")
    claimed = _make_due()
    assert len(claimed) == 4
    assert fire_timers(claimed) == {"fired": 4}
    for instance_id in escalating:
        assert admin.get(f"/instances/{instance_id}").json["active_elements"] == ["escalated"]
    assert _history(admin, reminding).count("count_reminder") == 1
    next_period = db.session.execute(select(Job).where(Job.instance_id == reminding)).scalar_one()
    assert str(next_period.id) not in claimed  # R2: the second period has a row of its own
    assert fire_timers(claimed) == {"skipped": 4}
    assert _history(admin, reminding).count("count_reminder") == 1
    assert all(_history(admin, i).count("too_late") == 1 for i in escalating)


def test_a_suspended_instance_keeps_its_timer_for_later(admin):
    assert admin.deploy(DATA / "timers" / "boundary.bpmn").status_code == 201
    instance_id = _start(admin, "timer_interrupting")
    assert admin.post(f"/instances/{instance_id}/suspend").status_code == 200
    claimed = _make_due()
    assert fire_timers(claimed) == {"postponed": 1}
    job = db.session.execute(select(Job).where(Job.instance_id == instance_id)).scalar_one()
    assert job.due_at > utcnow() and job.locked_until is None
    assert sorted(admin.get(f"/instances/{instance_id}").json["active_elements"]) == ["approve"]


def test_the_sweep_groups_timers_due_close_together_and_sends_each_group_at_its_last_due_time():
    now = utcnow()
    due = [("a", now), ("b", now + timedelta(milliseconds=30)), ("c", now + timedelta(milliseconds=400))]
    due += [(f"d{n}", now + timedelta(seconds=1)) for n in range(150)]
    grouped = batches(due, size=100, spread=0.05)
    assert [ids for ids, _ in grouped[:2]] == [["a", "b"], ["c"]]
    assert grouped[0][1] == now + timedelta(milliseconds=30)
    assert [len(ids) for ids, _ in grouped[2:]] == [100, 50]


def test_a_batch_that_ends_its_instances_writes_their_rows_history_and_the_starters_notice(admin):
    # Deployed beside a model with user tasks: the timer model itself has none to look for.
    deployed = admin.deploy(DATA / "timers" / "wait_then_end.bpmn", DATA / "timers" / "boundary.bpmn")
    assert deployed.status_code == 201
    ended = [_start(admin, "wait_then_end") for _ in range(3)]
    waiting = _start(admin, "timer_interrupting")
    assert fire_timers(_make_due()) == {"fired": 4}
    for instance_id in ended:
        shown = admin.get(f"/instances/{instance_id}").json
        assert (shown["status"], shown["active_elements"]) == ("completed", [])
        assert shown["ended_at"] is not None
        assert _history(admin, instance_id)[-2:] == ["an_hour_later", "ended"]
    assert admin.get(f"/instances/{waiting}").json["active_elements"] == ["escalated"]
    notes = admin.get("/notifications?unread=true").json["items"]
    assert sorted(n["instance_id"] for n in notes if n["kind"] == "instance_completed") == sorted(ended)
    assert admin.post(f"/instances/{waiting}/suspend").status_code == 200  # its row takes a write


def test_two_timers_of_one_instance_due_in_one_batch_fire_once_between_them(admin):
    # Whichever fires first interrupts the task and takes the other boundary timer with it.
    assert admin.deploy(DATA / "timers" / "two_deadlines.bpmn").status_code == 201
    instance_id = _start(admin, "two_deadlines")
    claimed = _make_due()
    assert len(claimed) == 2
    assert fire_timers(claimed) == {"fired": 1, "skipped": 1}
    shown = admin.get(f"/instances/{instance_id}").json
    assert shown["status"] == "completed"
    ends = [e for e in _history(admin, instance_id) if e.startswith("gave_up")]
    assert len(ends) == 1
    assert not db.session.execute(select(Job).where(Job.instance_id == instance_id)).scalars().all()
