"""A failing script becomes an incident; an operator fixes the data and retries it over HTTP."""

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


def test_a_retry_that_fails_again_opens_a_new_incident(admin):
    instance_id, incident = _failed_instance(admin)
    assert admin.post(f"/incidents/{incident['id']}/retry", json={}).status_code == 200
    incidents = admin.get("/incidents", query_string={"instance_id": instance_id}).json["items"]
    assert sorted(i["status"] for i in incidents) == ["open", "resolved"]
    assert admin.get(f"/instances/{instance_id}").json["status"] == "failed"


def test_resolving_by_hand_is_audited_and_a_second_resolve_is_a_409(admin):
    _, incident = _failed_instance(admin)
    assert admin.post(f"/incidents/{incident['id']}/resolve").status_code == 200
    assert admin.post(f"/incidents/{incident['id']}/resolve").status_code == 409
    assert admin.get("/audit", query_string={"action": "incident.resolve"}).json["total"] == 1
