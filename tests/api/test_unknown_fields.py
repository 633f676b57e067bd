"""A field or query parameter the API does not take is a 400 naming it, never silently dropped."""

import pytest

from tests.conftest import DATA, signature


@pytest.fixture
def deployed(admin):
    assert admin.deploy(DATA / "simple" / "two_steps.bpmn").status_code == 201
    return admin


def test_a_misspelt_field_on_start_is_a_400_naming_what_was_meant_and_starts_nothing(deployed):
    response = deployed.post("/process-definitions/two_steps/instances", json={"varibles": {"amount": 5}})
    assert response.status_code == 400
    assert "unknown field 'varibles' (did you mean 'variables'?)" in response.json["message"]
    assert response.json["details"]["fields"] == {"varibles": ["Unknown field (did you mean 'variables'?)."]}
    assert deployed.get("/instances?key=two_steps").json["total"] == 0


def test_camundas_business_key_is_taken_on_start(deployed):
    response = deployed.post("/process-definitions/two_steps/instances", json={"businessKey": "ORDER-7"})
    assert response.status_code == 201 and response.json["business_key"] == "ORDER-7"
    assert deployed.get("/instances?business_key=ORDER-7").json["total"] == 1


def test_business_key_under_both_names_with_two_values_is_refused(deployed):
    body = {"businessKey": "A", "business_key": "B"}
    response = deployed.post("/process-definitions/two_steps/instances", json=body)
    assert response.status_code == 400 and "business_key" in response.json["message"]
    assert "not both" in str(response.json["details"])


def test_an_unknown_completion_field_leaves_the_task_open(deployed):
    task = deployed.post("/process-definitions/two_steps/instances", json={}).json["tasks"][0]
    response = deployed.post(f"/tasks/{task['id']}/complete", json={"variabels": {"approved": True}})
    assert response.status_code == 400 and "'variabels'" in response.json["message"]
    assert deployed.get(f"/tasks/{task['id']}").json["status"] == "open"


def test_instances_filter_by_definition_key_as_tasks_do(deployed, admin):
    admin.deploy(DATA / "security" / "waits_for_message.bpmn")
    deployed.post("/process-definitions/two_steps/instances", json={})
    deployed.post("/process-definitions/waits_for_message/instances", json={})
    by_new_name = deployed.get("/instances?definition_key=two_steps").json
    assert by_new_name["total"] == 1 and by_new_name["items"][0]["definition_key"] == "two_steps"
    assert deployed.get("/instances?key=two_steps").json["total"] == 1
    assert deployed.get("/tasks?definition_key=two_steps").json["total"] == 1


def test_an_unknown_query_parameter_is_a_400_naming_what_was_meant(deployed):
    response = deployed.get("/instances?definiton_key=two_steps")
    assert response.status_code == 400
    assert (
        "unknown query parameter 'definiton_key' (did you mean 'definition_key'?)" in response.json["message"]
    )
    response = deployed.get("/tasks?asignee=admin")
    assert response.status_code == 400 and "did you mean 'assignee'?" in response.json["message"]


def test_a_query_parameter_on_a_route_that_takes_none_is_refused(deployed):
    task = deployed.post("/process-definitions/two_steps/instances", json={}).json["tasks"][0]
    response = deployed.get(f"/tasks/{task['id']}?fields=name")
    assert response.status_code == 400
    assert response.json["message"] == "unknown query parameter 'fields': this route takes none"


def test_a_body_field_on_a_route_that_takes_none_is_refused(deployed):
    # Camunda's claim takes {"userId"}; Baton's claims for the caller, so the field is not ignored.
    task = deployed.post("/process-definitions/two_steps/instances", json={}).json["tasks"][0]
    response = deployed.post(f"/tasks/{task['id']}/claim", json={"userId": "someone-else"})
    assert response.status_code == 400
    assert response.json["message"] == "unknown field 'userId': this route takes no request body"
    assert deployed.get(f"/tasks/{task['id']}").json["assignee"] is None
    assert deployed.post(f"/tasks/{task['id']}/claim", json={}).status_code == 200


def test_a_version_that_is_not_a_number_is_refused_not_read_as_the_latest(deployed):
    response = deployed.get("/process-definitions/two_steps?version=latest")
    assert response.status_code == 400 and "version" in response.json["message"]
    assert deployed.get("/process-definitions/two_steps?version=1").json["version"] == 1
    assert deployed.get("/process-definitions/two_steps/xml?version=0").status_code == 400


def test_an_unknown_signature_field_is_a_400_naming_it_and_nothing_is_signed(admin, as_user):
    # A signer who adds the meaning of their signature ("meaning": ...) must not believe it was
    # recorded: the signature block used to take any key and drop the ones it did not know.
    assert admin.deploy(DATA / "inbox" / "signed_release.bpmn").status_code == 201
    started = admin.post("/process-definitions/signed_release/instances", json={}).json
    quinn = as_user("quinn", groups=["QA"])
    body = {"variables": {"batch": "B1"}, "signature": signature(quinn, meaning="Reviewed")}
    refused = quinn.post(f"/tasks/{started['tasks'][0]['id']}/complete", json=body)
    assert refused.status_code == 400, refused.json
    assert "signature: unknown field 'meaning'" in refused.json["message"]
    assert "decision, password, role" in refused.json["message"]
    assert admin.get(f"/instances/{started['id']}/signatures").json["total"] == 0
    assert quinn.get(f"/tasks/{started['tasks'][0]['id']}").json["status"] == "open"
    not_an_object = quinn.post(f"/tasks/{started['tasks'][0]['id']}/complete", json={"signature": "approve"})
    assert not_an_object.status_code == 400
    assert not_an_object.json["message"] == "invalid request: signature: not a JSON object"  # not "_schema"
