"""Timer start events follow the latest published version, also when a newer one is deprecated."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Definition, Job
from app.models.jobs import START_TIMER
from app.services.job_runs import run_job
from app.services.jobs import claim_due_jobs
from tests.conftest import DATA
from tests.due_jobs import claimed

WEEKLY = (DATA / "timers" / "start_cycle.bpmn").read_text().replace("R3/PT1S", "R/P7D")


def _scheduled_versions(key: str) -> list[int]:
    query = select(Definition.version).join(Job, Job.definition_id == Definition.id)
    return list(db.session.execute(query.where(Definition.key == key, Job.kind == START_TIMER)).scalars())


def test_deprecating_the_latest_version_gives_the_schedule_back_to_the_published_one(admin):
    assert admin.deploy_bytes({"round.bpmn": WEEKLY.encode()}).status_code == 201
    v2 = WEEKLY.replace('id="inspect" name="Inspect"', 'id="inspect" name="Inspect the line"')
    assert admin.deploy_bytes({"round.bpmn": v2.encode()}).status_code == 201
    assert _scheduled_versions("maintenance_round") == [2]
    deprecated = admin.post("/process-definitions/maintenance_round/status", json={"status": "deprecated"})
    assert deprecated.status_code == 200, deprecated.json
    assert _scheduled_versions("maintenance_round") == [1]  # v1 is what starts now, by hand or on time
    (row,) = db.session.execute(select(Job).where(Job.kind == START_TIMER)).scalars()
    assert run_job(claimed(row).id) == "started"
    (started,) = admin.get("/instances", query_string={"key": "maintenance_round"}).json["items"]
    assert started["definition_version"] == 1 and started["started_by"] == "timer"
    published = admin.post("/process-definitions/maintenance_round/status", json={"status": "published"})
    assert published.status_code == 200 and _scheduled_versions("maintenance_round") == [2]


def test_a_new_version_without_a_timer_start_event_ends_the_old_versions_schedule(admin):
    # The weekly round of v1 went on starting v1 instances after v2 dropped the timer start event.
    assert admin.deploy_bytes({"round.bpmn": WEEKLY.encode()}).status_code == 201
    by_hand = WEEKLY.replace(
        "<bpmn:timerEventDefinition><bpmn:timeCycle>R/P7D</bpmn:timeCycle></bpmn:timerEventDefinition>", ""
    )
    assert by_hand != WEEKLY and admin.deploy_bytes({"round.bpmn": by_hand.encode()}).status_code == 201
    assert _scheduled_versions("maintenance_round") == []
    deprecated = admin.post("/process-definitions/maintenance_round/status", json={"status": "deprecated"})
    assert deprecated.status_code == 200 and _scheduled_versions("maintenance_round") == [1]


def test_a_process_only_a_timer_starts_is_not_started_by_hand(admin):
    # Started over REST it used to wait at its timer start event (a week, for this one), an
    # instance with nothing to do that the inbox's start page already refuses to make.
    assert admin.deploy_bytes({"round.bpmn": WEEKLY.encode()}).status_code == 201
    refused = admin.post("/process-definitions/maintenance_round/instances", json={})
    assert refused.status_code == 409, refused.json
    assert "'every_second'" in refused.json["message"] and "timer" in refused.json["message"]
    assert refused.json["details"]["start_timers"] == ["every_second"]
    assert admin.get("/instances?key=maintenance_round").json["total"] == 0


def test_redeploying_the_same_file_does_not_fire_a_start_date_that_has_fired(admin):
    # The row of a date that had fired was gone, so the same file deployed again (make run deploys
    # bpmn/ at every start) scheduled it anew: a date in the past started another instance each time.
    once = WEEKLY.replace(
        "<bpmn:timeCycle>R/P7D</bpmn:timeCycle>", "<bpmn:timeDate>2025-01-01T08:00:00Z</bpmn:timeDate>"
    )
    assert admin.deploy_bytes({"round.bpmn": once.encode()}).status_code == 201
    (row,) = db.session.execute(select(Job).where(Job.kind == START_TIMER)).scalars()
    assert run_job(claimed(row).id) == "started"
    assert admin.deploy_bytes({"round.bpmn": once.encode()}).status_code == 200  # the same file again
    for job_id, _, _ in claim_due_jobs():
        run_job(job_id)
    assert admin.get("/instances", query_string={"key": "maintenance_round"}).json["total"] == 1
