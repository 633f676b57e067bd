"""A request body is JSON or it is refused: a broken body is never read as an empty one."""

import pytest

from tests.conftest import DATA


@pytest.fixture
def deployed(admin):
    assert admin.deploy(DATA / "simple" / "two_steps.bpmn").status_code == 201
    return admin


def _post_raw(api, path, body: bytes, content_type="application/json"):
    return api.post(path, data=body, headers={"Content-Type": content_type})


def test_a_start_with_a_broken_json_body_is_a_400_and_starts_nothing(deployed):
    response = _post_raw(deployed, "/process-definitions/two_steps/instances", b'{"variables": {"a": 1,}}')
    assert response.status_code == 400
    assert "not valid JSON" in response.json["message"] and "line 1 column" in response.json["message"]
    assert deployed.get("/instances?key=two_steps").json["total"] == 0


def test_a_completion_with_a_broken_json_body_leaves_the_task_open(deployed):
    task = deployed.post("/process-definitions/two_steps/instances", json={}).json["tasks"][0]
    response = _post_raw(deployed, f"/tasks/{task['id']}/complete", b'{"variables": {"amount": 5,')
    assert response.status_code == 400
    assert deployed.get(f"/tasks/{task['id']}").json["status"] == "open"


def test_a_body_that_is_not_sent_as_json_is_a_415(deployed):
    body = b'{"variables": {"a": 1}, "business_key": "NOCT"}'
    response = _post_raw(deployed, "/process-definitions/two_steps/instances", body, "text/plain")
    assert response.status_code == 415 and "application/json" in response.json["message"]
    assert deployed.get("/instances?key=two_steps").json["total"] == 0


def test_json_sent_as_curl_sends_it_without_a_content_type_is_a_415_not_an_empty_start(deployed):
    # `curl -d '{...}'` without -H 'Content-Type: application/json' says form-urlencoded: the form
    # parser used to swallow the body first, so the start went ahead without its variables (201).
    body = b'{"variables": {"a": 1}, "business_key": "CURL"}'
    form = "application/x-www-form-urlencoded"
    response = _post_raw(deployed, "/process-definitions/two_steps/instances", body, form)
    assert response.status_code == 415 and "application/json" in response.json["message"]
    assert form in response.json["message"]
    assert deployed.get("/instances?key=two_steps").json["total"] == 0


def test_a_completion_sent_as_a_form_leaves_the_task_open(deployed):
    task = deployed.post("/process-definitions/two_steps/instances", json={}).json["tasks"][0]
    body = b'{"variables": {"amount": 5}}'
    response = _post_raw(deployed, f"/tasks/{task['id']}/complete", body, "application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert deployed.get(f"/tasks/{task['id']}").json["status"] == "open"


def test_nan_and_infinity_are_not_json_values(deployed):
    for raw in (b'{"variables": {"x": NaN}}', b'{"variables": {"x": -Infinity}}'):
        response = _post_raw(deployed, "/process-definitions/two_steps/instances", raw)
        assert response.status_code == 400 and "not a JSON value" in response.json["message"]


def test_an_empty_body_still_means_no_values(deployed):
    response = _post_raw(deployed, "/process-definitions/two_steps/instances", b"")
    assert response.status_code == 201 and response.json["variables"] == {}


def _nested(levels: int) -> bytes:
    return b'{"variables": {"deep": ' + b"[" * levels + b"]" * levels + b"}}"


@pytest.mark.parametrize("levels", [600, 5000])
def test_a_body_nested_too_deep_is_a_400_naming_the_limit_before_anything_runs(deployed, levels):
    task = deployed.post("/process-definitions/two_steps/instances", json={}).json["tasks"][0]
    for path in (
        "/process-definitions/two_steps/instances",
        f"/tasks/{task['id']}/complete",
        "/messages",
        "/decisions/any/evaluate",
    ):
        response = _post_raw(deployed, path, _nested(levels))
        assert response.status_code == 400, (path, response.json)
        assert "64" in response.json["message"] and response.json["details"]["max_depth"] == 64
    assert deployed.get("/instances?key=two_steps").json["total"] == 1
    assert deployed.get(f"/tasks/{task['id']}").json["status"] == "open"


def test_a_body_nested_within_the_limit_is_taken(deployed):
    started = _post_raw(deployed, "/process-definitions/two_steps/instances", _nested(60))
    assert started.status_code == 201, started.json


def test_a_body_over_the_size_limit_is_a_documented_413(deployed, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    body = b'{"variables": {"text": "' + b"x" * 2000 + b'"}}'
    response = _post_raw(deployed, "/process-definitions/two_steps/instances", body)
    assert response.status_code == 413  # (the conforming client checks the document lists it)
    assert deployed.get("/instances?key=two_steps").json["total"] == 0


@pytest.mark.parametrize("body", [b"[]", b'"x"', b"3"])
def test_a_body_that_is_no_json_object_says_so(deployed, body):
    response = _post_raw(deployed, "/process-definitions/two_steps/instances", body)
    assert response.status_code == 400
    assert response.json["message"] == "the request body must be a JSON object"
    assert response.json["details"]["fields"] == {"body": ["the request body must be a JSON object"]}


def test_a_missing_reason_names_the_field_in_the_shape_of_every_other_400(deployed):
    started = deployed.post("/process-definitions/two_steps/instances", json={}).json
    refused = deployed.post(f"/instances/{started['id']}/cancel", json={})
    assert refused.status_code == 400 and refused.json["details"]["field"] == "reason"  # (kept)
    assert list(refused.json["details"]["fields"]) == ["reason"]


def test_notification_preferences_take_only_true_or_false(deployed):
    for value in ("no", "yes", 0, 1):
        refused = deployed.client.put(
            "/api/v1/notifications/preferences",
            json={"email": value},
            headers={"Authorization": f"Bearer {deployed.token}"},
        )
        assert refused.status_code == 400 and "email" in refused.json["details"]["fields"], value
    assert deployed.get("/notifications/preferences").json["email"] is True
    assert deployed.post("/messages", json={"name": "x", "all": "yes"}).status_code == 400


def test_two_files_of_one_name_in_a_deployment_are_named(deployed):
    import io

    files = [(io.BytesIO((DATA / "simple" / "two_steps.bpmn").read_bytes()), "twice.bpmn") for _ in range(2)]
    response = deployed.client.post(
        "/api/v1/deployments",
        data={"files": files, "name": "dup"},
        headers={"Authorization": f"Bearer {deployed.token}"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and "'twice.bpmn'" in response.json["message"]
    assert response.json["details"]["file"] == "twice.bpmn"


@pytest.mark.parametrize("name", ["", "  "])
def test_an_empty_variable_name_is_a_400_wherever_variables_are_given(deployed, name):
    """A variable named "" no expression or form can name: refused at every door, never stored."""
    started = deployed.post("/process-definitions/two_steps/instances", json={}).json
    doors = [
        ("/process-definitions/two_steps/instances", {}),
        (f"/tasks/{started['tasks'][0]['id']}/complete", {}),
        ("/messages", {"name": "no_such_message"}),
        ("/signals", {"name": "no_such_signal"}),
    ]
    for path, body in doors:
        response = deployed.post(path, json={**body, "variables": {name: 1, "fine": 2}})
        assert response.status_code == 400, (path, response.json)
        assert list(response.json["details"]["fields"]) == ["variables"], path
        assert "must not be empty" in response.json["message"], path
    assert deployed.get(f"/tasks/{started['tasks'][0]['id']}").json["status"] == "open"


UNSTORABLE = {"nul": "a\u0000b", "lone surrogate": "\ud800"}


@pytest.mark.parametrize("text", UNSTORABLE.values(), ids=UNSTORABLE.keys())
def test_text_no_column_can_hold_is_a_400_naming_where_it_was_sent(deployed, text):
    """NUL and lone surrogates fit no PostgreSQL text: a 400 naming the field, never a 500, nothing
    written."""
    doors = [
        ("/process-definitions/two_steps/instances", {"variables": {"note": text}}, "body.variables.note"),
        ("/process-definitions/two_steps/instances", {"variables": {text: 1}}, "body.variables"),
        ("/process-definitions/two_steps/instances", {"business_key": text}, "body.business_key"),
        ("/tokens", {"name": text}, "body.name"),
        ("/messages", {"name": "m", "variables": {"list": ["ok", text]}}, "body.variables.list[1]"),
    ]
    tokens = deployed.get("/tokens").json["items"]
    for path, body, field in doors:
        response = deployed.post(path, json=body)
        assert response.status_code == 400, (path, response.json)
        assert response.json["details"]["field"].startswith(field), (path, response.json)
        assert field in response.json["message"], response.json
    assert deployed.get("/instances?key=two_steps").json["total"] == 0
    assert deployed.get("/tokens").json["items"] == tokens


@pytest.mark.parametrize(
    "path",
    [
        "/audit?actor=a%00b",
        "/tasks?definition_key=a%00",
        "/instances?business_key=%00",
        "/sla?definition_key=%00",
    ],
)
def test_a_nul_in_a_query_parameter_is_a_400_naming_it(deployed, path):
    response = deployed.get(path)
    assert response.status_code == 400, response.json
    name = path.split("?")[1].split("=")[0]
    assert response.json["details"]["field"] == name and "NUL" in response.json["message"]


def test_a_nul_in_a_path_or_a_deployment_name_is_a_400(deployed):
    response = deployed.get("/process-definitions/a%00b")
    assert response.status_code == 400 and response.json["details"]["field"] == "path"
    bpmn = (DATA / "simple" / "two_steps.bpmn").read_bytes().replace(b'"two_steps"', b'"other"')
    response = deployed.deploy_bytes({"other.bpmn": bpmn}, name="release\u00001")
    assert response.status_code == 400 and response.json["details"]["field"] == "name"
    assert deployed.get("/process-definitions/other").status_code == 404
