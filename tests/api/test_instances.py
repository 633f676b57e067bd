"""Starting and controlling instances over HTTP."""

import uuid

import pytest

from tests.conftest import DATA


@pytest.fixture
def deployed(admin):
    assert admin.deploy(DATA / "simple" / "two_steps.bpmn").status_code == 201
    return admin


def test_an_idempotency_key_makes_a_retried_start_return_the_first_instance(deployed):
    headers = {"Idempotency-Key": "start-42"}
    first = deployed.post("/process-definitions/two_steps/instances", json={}, headers=headers)
    retry = deployed.post("/process-definitions/two_steps/instances", json={}, headers=headers)
    assert first.status_code == 201 and retry.status_code == 200
    assert retry.json["id"] == first.json["id"]
    assert deployed.get("/instances?key=two_steps").json["total"] == 1


def test_an_idempotency_key_longer_than_its_column_is_a_400_naming_the_header(deployed):
    refused = _start(deployed, idempotency_key="k" * 256)
    assert refused.status_code == 400 and refused.json["details"]["field"] == "Idempotency-Key", refused.json
    assert deployed.get("/instances?key=two_steps").json["total"] == 0
    assert _start(deployed, idempotency_key="k" * 255).status_code == 201


def _start(api, key="two_steps", idempotency_key="start-7", **body):
    path = f"/process-definitions/{key}/instances"
    return api.post(path, json=body, headers={"Idempotency-Key": idempotency_key})


def test_an_idempotency_key_reused_for_another_definition_is_a_409_naming_it(deployed):
    deployed.deploy(DATA / "simple" / "dated_review.bpmn")
    first = _start(deployed)
    other = _start(deployed, key="dated_review")
    assert first.status_code == 201 and other.status_code == 409, other.json
    assert "'two_steps', not 'dated_review'" in other.json["message"]
    assert other.json["details"]["differs"] == ["definition_key"]
    assert deployed.get("/instances?key=dated_review").json["total"] == 0


def test_an_idempotency_key_reused_with_another_business_key_is_a_409(deployed):
    assert _start(deployed, business_key="PO-1").status_code == 201
    again = _start(deployed, business_key="PO-2")
    assert again.status_code == 409 and 'business key "PO-1", not "PO-2"' in again.json["message"]
    assert _start(deployed).json["details"]["differs"] == ["business_key"]  # none is another one too
    assert _start(deployed, business_key="PO-1").status_code == 200


def test_an_idempotency_key_reused_with_other_variables_is_a_409_as_in_stripe(deployed):
    first = _start(deployed, variables={"amount": 5, "items": [1, 2]})
    assert first.status_code == 201
    other = _start(deployed, variables={"amount": 6, "items": [1, 2]})
    assert other.status_code == 409 and other.json["details"]["differs"] == ["variables"], other.json
    assert "other variables" in other.json["message"]
    same = _start(deployed, variables={"items": [1, 2], "amount": 5})  # key order is no difference
    assert same.status_code == 200 and same.json["id"] == first.json["id"]
    assert deployed.get("/instances?key=two_steps").json["total"] == 1


def test_another_users_idempotency_key_never_returns_their_instance(deployed, as_user):
    alice, bob = as_user("alice"), as_user("bob")
    first = _start(alice)
    reused = _start(bob)
    assert first.status_code == 201 and reused.status_code == 409, reused.json
    assert reused.json["details"]["differs"] == ["user"]
    assert first.json["id"] not in str(reused.json)


def test_a_refused_starter_gets_a_403_even_with_a_used_idempotency_key(admin, as_user):
    admin.deploy(DATA / "security" / "restricted_start.bpmn")
    carol, dave = as_user("carol"), as_user("dave")
    assert _start(carol, key="restricted_start").status_code == 201
    assert _start(dave, key="restricted_start").status_code == 403
    assert _start(carol, key="restricted_start").status_code == 200


def test_instances_are_listed_with_filters(deployed):
    deployed.post("/process-definitions/two_steps/instances", json={"business_key": "A"})
    deployed.post("/process-definitions/two_steps/instances", json={"business_key": "B"})
    assert deployed.get("/instances?business_key=B").json["total"] == 1
    assert deployed.get("/instances?status=waiting&key=two_steps").json["total"] == 2
    assert deployed.get("/instances?status=completed").json["total"] == 0
    assert deployed.get("/instances?status=bogus").status_code == 400


def test_variables_past_what_orjson_reads_come_back_as_they_were_sent(deployed):
    # Integers past 64 bits are JSON; orjson, which reads the JSON columns back, makes them floats.
    sent = {"big": 2**70 + 1, "negative": -(2**65) - 1, "max": 2**63 - 1, "ratio": 0.1, "text": "Grüße"}
    made = deployed.post("/process-definitions/two_steps/instances", json={"variables": sent})
    assert made.status_code == 201, made.json
    (task,) = deployed.get(f"/tasks?instance_id={made.json['id']}").json["items"]
    done = deployed.post(f"/tasks/{task['id']}/complete", json={"variables": {}})  # the state read back
    assert done.status_code == 200, done.json
    assert deployed.get(f"/instances/{made.json['id']}").json["variables"] == sent


def test_suspend_blocks_completion_until_resume(deployed):
    started = deployed.post("/process-definitions/two_steps/instances", json={}).json
    task_id = started["tasks"][0]["id"]
    assert deployed.post(f"/instances/{started['id']}/suspend").json["status"] == "suspended"
    assert deployed.post(f"/tasks/{task_id}/complete", json={}).status_code == 409
    assert deployed.post(f"/instances/{started['id']}/resume").json["status"] == "waiting"
    assert deployed.post(f"/tasks/{task_id}/complete", json={}).status_code == 200


def test_cancel_ends_the_instance_and_its_open_tasks(deployed):
    started = deployed.post("/process-definitions/two_steps/instances", json={}).json
    assert deployed.post(f"/instances/{started['id']}/cancel").status_code == 400  # a reason is required
    cancelled = deployed.post(f"/instances/{started['id']}/cancel", json={"reason": "customer withdrew"})
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    task = deployed.get(f"/tasks/{started['tasks'][0]['id']}").json
    assert task["status"] == "cancelled"
    assert deployed.post(f"/tasks/{task['id']}/complete", json={}).status_code == 409
    assert deployed.post(f"/instances/{started['id']}/cancel", json={"reason": "again"}).status_code == 409


def test_variables_must_be_a_json_object(deployed):
    response = deployed.post("/process-definitions/two_steps/instances", json={"variables": [1, 2]})
    assert response.status_code == 400 and "variables" in response.json["details"]["fields"]


def test_unknown_instance_is_a_404(deployed):
    assert deployed.get(f"/instances/{uuid.uuid4()}").status_code == 404
    assert deployed.post(f"/instances/{uuid.uuid4()}/cancel", json={"reason": "x"}).status_code == 404


def test_claim_and_unclaim(deployed, as_user):
    started = deployed.post("/process-definitions/two_steps/instances", json={}).json
    task_id = started["tasks"][0]["id"]
    rita = as_user("rita", groups=["reviewers"])
    rob = as_user("rob", groups=["reviewers"])
    assert rita.post(f"/tasks/{task_id}/claim").json["assignee"] == "rita"
    assert rob.post(f"/tasks/{task_id}/claim").status_code in (403, 409)
    assert rob.get("/tasks?candidate_group=reviewers").json["total"] == 0
    assert rita.post(f"/tasks/{task_id}/unclaim").json["assignee"] is None
    assert rob.post(f"/tasks/{task_id}/claim").json["assignee"] == "rob"


def test_tasks_filter_by_assignee_group_and_definition(deployed, as_user):
    started = deployed.post("/process-definitions/two_steps/instances", json={}).json
    deployed.post(f"/tasks/{started['tasks'][0]['id']}/complete", json={})
    assert deployed.get("/tasks?assignee=boss").json["total"] == 1
    assert deployed.get("/tasks?candidate_group=reviewers").json["total"] == 0
    assert deployed.get("/tasks?definition_key=two_steps").json["total"] == 1
    boss = as_user("boss")
    assert boss.get("/tasks").json["items"][0]["element_id"] == "approve"


def test_every_api_route_but_health_and_openapi_needs_a_token(client):
    assert client.get("/api/v1/health").status_code == 200
    assert client.get("/api/v1/openapi.json").json["openapi"].startswith("3.")
    for path in ("/api/v1/process-definitions", "/api/v1/instances", "/api/v1/tasks"):
        response = client.get(path)
        assert response.status_code == 401 and response.json["error"] == "unauthorized"
    assert client.get("/api/v1/tasks", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_task_totals_are_exact_below_the_cap_and_flagged_as_lower_bounds_beyond(deployed, monkeypatch):
    from app.services import tasks as task_service

    monkeypatch.setattr(task_service, "COUNT_CAP", 3)
    for _ in range(3):
        deployed.post("/process-definitions/two_steps/instances", json={})
    exact = deployed.get("/tasks?limit=2").json
    assert (exact["total"], exact["total_is_lower_bound"], len(exact["items"])) == (3, False, 2)
    for _ in range(2):
        deployed.post("/process-definitions/two_steps/instances", json={})
    at_the_cap = deployed.get("/tasks?limit=2").json  # 5 = limit + cap: all counted, exact
    assert (at_the_cap["total"], at_the_cap["total_is_lower_bound"]) == (5, False)
    for _ in range(3):
        deployed.post("/process-definitions/two_steps/instances", json={})
    bounded = deployed.get("/tasks?limit=2").json
    assert (bounded["total"], bounded["total_is_lower_bound"]) == (6, True)


def test_an_assignee_delegates_a_task_to_a_colleague(deployed, as_user):
    started = deployed.post("/process-definitions/two_steps/instances", json={}).json
    task_id = started["tasks"][0]["id"]
    rita = as_user("rita", groups=["reviewers"])
    as_user("dora")
    rita.post(f"/tasks/{task_id}/claim")
    delegated = rita.post(f"/tasks/{task_id}/delegate", json={"to": "dora"})
    assert delegated.status_code == 200 and delegated.json["assignee"] == "dora"
    taken_back = rita.post(f"/tasks/{task_id}/delegate", json={"to": "rita"})
    assert taken_back.status_code == 409 and "already claimed by dora" in taken_back.json["message"]
    unknown = deployed.post(f"/tasks/{task_id}/delegate", json={"to": "nobody"})
    assert unknown.status_code == 400 and "'nobody'" in unknown.json["message"]
    assert deployed.post(f"/tasks/{task_id}/delegate", json={}).status_code == 400


def _approval_then_call(admin) -> str:
    """An instance of two sequential approvals, then a call activity, then a decision."""
    history = DATA / "history"
    deployed = admin.deploy(
        history / "approval_then_call.bpmn",
        DATA / "camunda" / "call_child.bpmn",
        history / "history_route.dmn",
    )
    assert deployed.status_code == 201, deployed.json
    variables = {"approvers": ["team-lead", "finance"], "approved": True}
    started = admin.post("/process-definitions/approval_then_call/instances", json={"variables": variables})
    return started.json["id"]


def test_history_names_bpmn_element_types_in_the_order_the_instance_got_there(admin):
    iid = _approval_then_call(admin)
    for _ in range(3):  # two approvals, then the called process's task
        (task,) = admin.get(f"/tasks?instance_id={iid}").json["items"]
        assert admin.post(f"/tasks/{task['id']}/complete", json={}).status_code == 200
    entries = admin.get(f"/instances/{iid}/history").json["items"]
    assert admin.get(f"/instances/{iid}").json["status"] == "completed"
    steps = [(e["element_id"], e["type"]) for e in entries]
    assert steps == [
        ("start", "startEvent"),
        ("approve", "userTask"),  # the multi-instance activity, then each approval it ran
        ("approve", "userTask"),
        ("approve", "userTask"),
        ("approved", "exclusiveGateway"),
        ("call", "callActivity"),
        ("cstart", "startEvent"),
        ("child_task", "userTask"),
        ("cend", "endEvent"),
        ("route", "businessRuleTask"),
        ("done", "endEvent"),
    ]
    entered = [e["entered_at"] for e in entries]
    assert entered == sorted(entered)


def test_an_open_user_task_is_listed_where_it_was_entered(admin):
    assert admin.deploy(DATA / "simple" / "two_steps.bpmn").status_code == 201
    started = admin.post("/process-definitions/two_steps/instances", json={}).json
    entries = admin.get(f"/instances/{started['id']}/history").json["items"]
    assert [(e["type"], e["state"]) for e in entries] == [("startEvent", "completed"), ("userTask", "active")]


@pytest.mark.parametrize(
    "path",
    [
        "/instances?offset=99999999999999999999",
        "/tasks?offset=99999999999999999999",
        "/tasks?offset=9223372036854775807",
        "/audit?offset=99999999999999999999",
        "/incidents?offset=99999999999999999999",
        "/process-definitions/two_steps?version=99999999999999999999",
        "/process-definitions/two_steps/xml?version=99999999999999999999",
    ],
)
def test_a_number_too_large_for_the_database_is_a_400_naming_the_field(deployed, path):
    answer = deployed.get(path)
    assert answer.status_code == 400, answer.json
    assert ("offset" if "offset" in path else "version") in answer.json["details"]["fields"]


def test_version_zero_in_a_status_change_is_a_400_as_in_the_query(deployed):
    for version in (0, 2**40):
        answer = deployed.post(
            "/process-definitions/two_steps/status", json={"status": "deprecated", "version": version}
        )
        assert answer.status_code == 400 and "version" in answer.json["details"]["fields"], answer.json
    assert deployed.get("/process-definitions/two_steps?version=0").status_code == 400


def test_history_shows_a_running_multi_instance_body_and_call_activity_as_active(admin):
    iid = _approval_then_call(admin)
    entries = admin.get(f"/instances/{iid}/history").json["items"]
    active = [(e["element_id"], e["state"]) for e in entries if e["state"] != "completed"]
    assert active == [("approve", "active"), ("approve", "active")]  # the body, then its first approval
    for _ in range(2):
        (task,) = admin.get(f"/tasks?instance_id={iid}").json["items"]
        assert admin.post(f"/tasks/{task['id']}/complete", json={}).status_code == 200
    entries = admin.get(f"/instances/{iid}/history").json["items"]
    active = [(e["element_id"], e["type"], e["state"]) for e in entries if e["state"] != "completed"]
    assert active == [("call", "callActivity", "active"), ("child_task", "userTask", "active")]


def test_history_shows_the_element_a_failed_instance_is_stuck_on(admin):
    assert admin.deploy(DATA / "incidents" / "grade_route.bpmn").status_code == 201
    started = admin.post("/process-definitions/grade_route/instances", json={}).json
    admin.post(f"/tasks/{started['tasks'][0]['id']}/complete", json={"variables": {"grade": "Z"}})
    entries = admin.get(f"/instances/{started['id']}/history").json["items"]
    assert [(e["element_id"], e["type"], e["state"]) for e in entries] == [
        ("start", "startEvent", "completed"),
        ("inspect", "userTask", "completed"),
        ("route", "exclusiveGateway", "failed"),
    ]


def test_history_pages_with_limit_and_offset_and_counts_every_entry(deployed):
    started = deployed.post("/process-definitions/two_steps/instances", json={}).json
    deployed.post(f"/tasks/{started['tasks'][0]['id']}/complete", json={})
    path = f"/instances/{started['id']}/history"
    everything = deployed.get(path).json
    assert everything["total"] == len(everything["items"]) == 3  # start, review, approve (active)
    page = deployed.get(f"{path}?limit=1&offset=1").json
    assert page["items"] == everything["items"][1:2] and page["total"] == 3
    assert deployed.get(f"{path}?offset=5").json == {"items": [], "total": 3}
    refused = deployed.get(f"{path}?limit=0")
    assert refused.status_code == 400 and list(refused.json["details"]["fields"]) == ["limit"]
