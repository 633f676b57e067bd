from tests.conftest import DATA


def test_two_step_process_runs_to_the_end_over_http(admin):
    deployed = admin.deploy(DATA / "simple" / "two_steps.bpmn")
    assert deployed.status_code == 201, deployed.json
    assert deployed.json["definitions"][0]["key"] == "two_steps"
    started = admin.post("/process-definitions/two_steps/instances", json={"variables": {"amount": 5}})
    assert started.status_code == 201, started.json
    body = started.json
    assert body["status"] == "waiting" and body["active_elements"] == ["review"]
    task = body["tasks"][0]
    assert task["candidate_groups"] == ["reviewers"] and task["priority"] == 70
    done = admin.post(f"/tasks/{task['id']}/complete", json={"variables": {"ok": True}})
    assert done.status_code == 200, done.json
    again = admin.post(f"/tasks/{task['id']}/complete", json={})
    assert again.status_code == 409
    instance = admin.get(f"/instances/{body['id']}").json
    assert instance["active_elements"] == ["approve"]
    second = instance["tasks"][0]
    assert second["assignee"] == "boss"
    assert admin.post(f"/tasks/{second['id']}/complete", json={}).status_code == 200
    final = admin.get(f"/instances/{body['id']}").json
    assert final["status"] == "completed"
    assert final["variables"] == {"amount": 5, "ok": True}
    history = admin.get(f"/instances/{body['id']}/history").json["items"]
    assert [h["element_id"] for h in history] == ["start", "review", "approve", "end"]
    assert history[1]["completed_by"] == "admin"
