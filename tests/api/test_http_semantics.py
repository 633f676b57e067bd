"""HTTP as a REST client relies on it: a wrong method says which ones the URL takes, a repeated query
parameter is refused rather than half read."""

from tests.conftest import DATA


def test_a_wrong_method_is_a_405_naming_the_methods_the_url_takes(admin):
    response = admin.client.delete("/api/v1/instances", headers=admin._headers())
    assert response.status_code == 405 and response.json["error"] == "method_not_allowed"
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert "GET" in response.json["message"] and response.json["details"]["allowed"] == ["GET"]


def test_a_wrong_method_on_an_inbox_page_also_says_which_ones_it_takes(client):
    response = client.delete("/login")
    assert response.status_code == 405 and response.mimetype == "text/html"
    assert {"GET", "POST"} <= set(response.headers["Allow"].split(", "))


def test_a_repeated_query_parameter_is_a_400_naming_it_not_its_first_value_alone(admin):
    assert admin.deploy(DATA / "simple" / "two_steps.bpmn").status_code == 201
    admin.post("/process-definitions/two_steps/instances", json={})
    repeated = (
        "/instances?status=completed&status=waiting",
        "/tasks?limit=1&limit=2",
        "/audit?actor=a&actor=b",
    )
    for path in repeated:
        response = admin.get(path)
        name = path.split("?")[1].split("=")[0]
        assert response.status_code == 400, (path, response.json)
        assert list(response.json["details"]["fields"]) == [name] and f"'{name}'" in response.json["message"]
    assert admin.get("/instances?status=waiting&key=two_steps").json["total"] == 1


def test_an_id_that_is_no_uuid_is_a_404_naming_it(admin):
    response = admin.get("/tasks/12345/form")
    assert response.status_code == 404 and response.json["error"] == "not_found"
    assert "'12345'" in response.json["message"] and "UUID" in response.json["message"]
    assert response.json["details"] == {"path": "/api/v1/tasks/12345/form", "segment": "12345"}


def test_a_url_no_route_has_is_a_404_naming_the_path_and_the_document(admin):
    response = admin.get("/process-instance")
    assert response.status_code == 404 and "/api/v1/process-instance" in response.json["message"]
    assert "/api/v1/openapi.json" in response.json["message"]


def test_options_answers_the_methods_of_the_url_without_a_token(client):
    for path, methods in (("/api/v1/instances", {"GET"}), ("/api/v1/deployments", {"POST"})):
        response = client.options(path)
        assert response.status_code == 204, (path, response.status_code, response.mimetype)
        assert methods | {"OPTIONS"} <= set(response.headers["Allow"].split(", ")), path
        assert response.get_data() == b""
    task = client.options("/api/v1/tasks/00000000-0000-0000-0000-000000000000/complete")
    assert task.status_code == 204 and "POST" in task.headers["Allow"]


def test_every_api_error_is_json(client, admin):
    answers = [
        client.get("/api/v1/instances"),  # no token: 401
        client.options("/api/v1/no-such-thing"),  # no route
        admin.client.delete("/api/v1/instances", headers=admin._headers()),  # 405
        admin.get("/instances?limit=0"),  # 400
    ]
    for response in answers:
        assert response.status_code >= 400 and response.mimetype == "application/json", response
