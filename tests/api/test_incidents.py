"""A failing script becomes an incident; an operator fixes the data and retries it over HTTP."""

from tests.conftest import DATA
from tests.engine.engine_support import ENGINE_DATA


def _failed_instance(admin):
    assert admin.deploy(ENGINE_DATA / "failing_script.bpmn").status_code == 201
    started = admin.post(
        "/process-definitions/failing_script/instances", json={"variables": {"total": 1, "parts": 0}}
    )
    assert started.json["status"] == "failed"
    incident = admin.get("/incidents", query_string={"instance_id": started.json["id"]}).json["items"][0]
    return started.json["id"], incident


def test_a_failed_script_is_retried_with_corrected_variables_and_the_instance_goes_on(admin):
    instance_id, incident = _failed_instance(admin)
    retried = admin.post(f"/incidents/{incident['id']}/retry", json={"variables": {"parts": 4}})
    assert retried.status_code == 200 and retried.json["status"] == "resolved", retried.json
    after = admin.get(f"/instances/{instance_id}").json
    assert after["status"] != "failed" and after["variables"]["parts"] == 4
    actions = [
        e["action"] for e in admin.get("/audit", query_string={"action": "incident.retry"}).json["items"]
    ]
    assert actions == ["incident.retry"]


def test_a_retry_that_fails_again_is_a_409_naming_the_new_incident(admin):
    instance_id, incident = _failed_instance(admin)
    again = admin.post(f"/incidents/{incident['id']}/retry", json={})
    assert again.status_code == 409, again.json
    incidents = admin.get("/incidents", query_string={"instance_id": instance_id}).json["items"]
    assert sorted(i["status"] for i in incidents) == ["open", "resolved"]
    new = next(i for i in incidents if i["status"] == "open")
    assert again.json["details"]["incident_id"] == new["id"] and new["id"] in again.json["message"]
    assert admin.get(f"/instances/{instance_id}").json["status"] == "failed"


def test_retrying_a_failed_step_of_a_suspended_instance_is_a_409_and_runs_nothing(admin):
    """Nothing runs in a suspended instance: the retry ran the script and left the instance
    running, its suspension silently lost. It is refused now; resumed, the retry goes on."""
    instance_id, incident = _failed_instance(admin)
    assert admin.post(f"/instances/{instance_id}/suspend").status_code == 200
    refused = admin.post(f"/incidents/{incident['id']}/retry", json={"variables": {"parts": 4}})
    assert refused.status_code == 409 and "resume" in refused.json["message"], refused.json
    after = admin.get(f"/instances/{instance_id}").json
    assert after["status"] == "suspended" and after["variables"]["parts"] == 0
    assert admin.get(f"/incidents?instance_id={instance_id}").json["items"][0]["status"] == "open"
    assert admin.post(f"/instances/{instance_id}/resume").json["status"] == "failed"
    retried = admin.post(f"/incidents/{incident['id']}/retry", json={"variables": {"parts": 4}})
    assert retried.status_code == 200, retried.json
    assert admin.get(f"/instances/{instance_id}").json["status"] == "waiting"


def test_resolving_a_failed_step_is_a_409_that_says_to_retry_or_cancel(admin):
    instance_id, incident = _failed_instance(admin)
    refused = admin.post(f"/incidents/{incident['id']}/resolve")
    assert refused.status_code == 409 and "retry" in refused.json["message"]
    assert "cancel the instance" in refused.json["message"]
    assert admin.get(f"/instances/{instance_id}").json["status"] == "failed"
    assert admin.get(f"/incidents?instance_id={instance_id}").json["items"][0]["status"] == "open"


def test_an_incident_nothing_waits_on_is_resolved_by_hand_once_and_audited(admin):
    assert admin.deploy(DATA / "incidents" / "bad_assignee.bpmn").status_code == 201
    started = admin.post("/process-definitions/bad_assignee/instances", json={}).json
    assert started["status"] == "waiting" and started["tasks"][0]["assignee"] is None
    incident = admin.get(f"/incidents?instance_id={started['id']}").json["items"][0]
    assert "assignee failed" in incident["message"]
    assert admin.post(f"/incidents/{incident['id']}/resolve").status_code == 200
    assert admin.post(f"/incidents/{incident['id']}/resolve").status_code == 409
    assert admin.get("/audit", query_string={"action": "incident.resolve"}).json["total"] == 1
    done = admin.post(f"/tasks/{started['tasks'][0]['id']}/complete", json={})
    assert done.json["instance"]["status"] == "completed"


def _unrouted(admin, grade="Z"):
    """An instance stopped at a gateway none of whose conditions holds."""
    assert admin.deploy(DATA / "incidents" / "grade_route.bpmn").status_code == 201
    started = admin.post("/process-definitions/grade_route/instances", json={}).json
    done = admin.post(f"/tasks/{started['tasks'][0]['id']}/complete", json={"variables": {"grade": grade}})
    assert done.json["instance"]["status"] == "failed", done.json
    incidents = admin.get(f"/incidents?instance_id={started['id']}").json["items"]
    assert [(i["element_id"], i["status"]) for i in incidents] == [("route", "open")]
    assert "No conditions satisfied for route" in incidents[0]["message"]
    return started["id"], incidents[0]


def test_a_gateway_incident_is_retried_with_corrected_variables_and_takes_its_path(admin):
    instance_id, incident = _unrouted(admin)
    assert incident["task_id"] is not None
    retried = admin.post(f"/incidents/{incident['id']}/retry", json={"variables": {"grade": "B"}})
    assert retried.status_code == 200 and retried.json["status"] == "resolved", retried.json
    after = admin.get(f"/instances/{instance_id}").json
    assert after["status"] == "waiting" and after["active_elements"] == ["rework"]
    assert [t["element_id"] for t in after["tasks"]] == ["rework"]


def test_a_gateway_retried_with_variables_still_wrong_opens_a_new_incident(admin):
    instance_id, incident = _unrouted(admin)
    again = admin.post(f"/incidents/{incident['id']}/retry", json={"variables": {"grade": "C"}})
    assert again.status_code == 409 and again.json["details"]["element_id"] == "route"
    incidents = admin.get(f"/incidents?instance_id={instance_id}").json["items"]
    assert sorted(i["status"] for i in incidents) == ["open", "resolved"]
    assert admin.get(f"/instances/{instance_id}").json["status"] == "failed"


def test_resolving_a_gateway_incident_is_refused_and_leaves_it_retryable(admin):
    instance_id, incident = _unrouted(admin)
    refused = admin.post(f"/incidents/{incident['id']}/resolve")
    assert refused.status_code == 409 and refused.json["details"]["element_id"] == "route"
    retried = admin.post(f"/incidents/{incident['id']}/retry", json={"variables": {"grade": "A"}})
    assert retried.status_code == 200
    assert admin.get(f"/instances/{instance_id}").json["active_elements"] == ["ship"]


def test_a_completion_whose_output_mapping_fails_is_refused_and_the_task_stays_open(admin):
    """As in Camunda 7: the completion fails as a whole, nothing of it is kept, and the person can
    complete again (here with the value the mapping needs)."""
    assert admin.deploy(DATA / "incidents" / "bad_output.bpmn").status_code == 201
    started = admin.post("/process-definitions/bad_output/instances", json={}).json
    task_id = started["tasks"][0]["id"]
    refused = admin.post(f"/tasks/{task_id}/complete", json={"variables": {"x": 1}})
    assert refused.status_code == 422, refused.json
    assert "review" in refused.json["message"] and "undefinedVar" in refused.json["message"]
    assert refused.json["details"]["element_id"] == "review"
    assert admin.get(f"/tasks/{task_id}").json["status"] == "open"
    after = admin.get(f"/instances/{started['id']}").json
    assert after["status"] == "waiting" and "x" not in after["variables"]
    assert admin.get(f"/incidents?instance_id={started['id']}").json["total"] == 0
    done = admin.post(f"/tasks/{task_id}/complete", json={"variables": {"undefinedVar": 1}})
    assert done.status_code == 200, done.json
    assert admin.get(f"/instances/{started['id']}").json["variables"]["next"] == 2


def test_a_completion_kept_as_an_incident_is_retried_by_completing_the_task_again(admin):
    """An escalation's auto-approval has no person to refuse: its failed completion is an incident
    (as were completions before they were refused), and retrying it completes the task again."""
    from app.extensions import db
    from app.models import ProcessInstance, UserTask
    from app.services import escalations

    assert admin.deploy(DATA / "incidents" / "bad_output.bpmn").status_code == 201
    started = admin.post("/process-definitions/bad_output/instances", json={}).json
    task_id = started["tasks"][0]["id"]
    instance = db.session.get(ProcessInstance, started["id"])
    escalations._auto_approve(instance, db.session.get(UserTask, task_id))
    assert admin.get(f"/instances/{started['id']}").json["status"] == "failed"
    incident = admin.get(f"/incidents?instance_id={started['id']}").json["items"][0]
    assert admin.post(f"/incidents/{incident['id']}/retry", json={}).status_code == 409
    incident = next(
        i for i in admin.get(f"/incidents?instance_id={started['id']}").json["items"] if i["status"] == "open"
    )
    retried = admin.post(f"/incidents/{incident['id']}/retry", json={"variables": {"undefinedVar": 1}})
    assert retried.status_code == 200, retried.json
    after = admin.get(f"/instances/{started['id']}").json
    assert after["status"] == "waiting" and after["active_elements"] == ["after"]
    assert after["variables"]["next"] == 2
    assert admin.get(f"/tasks/{task_id}").json["status"] == "completed"


def _service_job(instance_id):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Job

    return db.session.execute(select(Job).where(Job.instance_id == instance_id)).scalar_one()


def test_an_external_tasks_topic_expression_is_evaluated_per_instance(admin):
    """As Camunda 7 evaluates camunda:topic="${topic}": the handler is the variable's value."""
    from app.services import job_runs

    model = (
        (DATA / "service" / "echo.bpmn")
        .read_text()
        .replace('camunda:topic="baton.echo"', 'camunda:topic="${topic}"')
    )
    assert admin.deploy_bytes({"echo.bpmn": model.encode()}).status_code == 201
    started = admin.post(
        "/process-definitions/svc_echo/instances", json={"variables": {"topic": "baton.echo"}}
    ).json
    assert job_runs.run_job(_service_job(started["id"]).id) == "done"
    after = admin.get(f"/instances/{started['id']}").json
    assert after["active_elements"] == ["review"] and after["variables"]["echoed"] is True
