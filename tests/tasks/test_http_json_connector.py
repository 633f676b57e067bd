"""Camunda 8's REST connector (`io.camunda:http-json:1`), run by the real worker against a real HTTP
server on 127.0.0.1, from models as the Modeler's REST Outbound Connector template writes them.

The worker may call 127.0.0.1 only (BATON_HTTP_CONNECTOR_ALLOWED_HOSTS in tests/tasks/conftest.py):
`localhost` is the same server under a name the configuration does not allow.
"""

from __future__ import annotations

import base64
import json
import socket

import pytest
from sqlalchemy import text

from app.extensions import db
from tests.conftest import DATA
from tests.local_http import RecordingApi, serving
from tests.tasks.conftest import wait_for

pytestmark = pytest.mark.commits
INPUTS = ("url", "method", "headers", "queryParameters", "authentication", "body", "storeResponse")


class ShopApi(RecordingApi):
    """A small JSON API keeping every request it receives: (method, path, headers, body)."""

    received: list = []

    def do_GET(self):  # noqa: N802 - http.server's hook name
        self.record(b"")
        path = self.path.partition("?")[0]
        if path == "/rates/EUR":
            rate = {"rate": 1.08, "open": True, "bank": {"city": "Frankfurt"}}
            return self.answer(200, json.dumps(rate).encode())
        if path == "/rates/BAD":
            return self.answer(500, b'{"error": "database down"}')
        self.answer(404, b'{"error": "unknown currency"}')

    def do_POST(self):  # noqa: N802 - http.server's hook name
        self.record()
        self.answer(201, b'{"id": "ord-17"}')


@pytest.fixture
def server():
    """The API's port; what it received is in ShopApi.received (emptied for each test)."""
    ShopApi.received = []
    with serving(ShopApi) as port:
        yield port


def _start(api, name: str, key: str, variables: dict, xml: str | None = None) -> str:
    path = DATA / "zeebe" / name
    deployed = api.deploy_bytes({name: xml.encode()}) if xml else api.deploy(path)
    assert deployed.status_code in (200, 201), deployed.json
    started = api.post(f"/process-definitions/{key}/instances", json={"variables": variables})
    assert started.status_code == 201, started.json
    return started.json["id"]


def _waiting_in(api, instance_id: str, element: str) -> dict:
    def waiting():
        body = api.get(f"/instances/{instance_id}").json
        return body if body["active_elements"] == [element] else None

    return wait_for(waiting)


def _incident(api, instance_id: str) -> dict:
    return wait_for(lambda: api.get(f"/incidents?instance_id={instance_id}&status=open").json["items"], 20)[0]


def _set_secret(api, name: str, value: str) -> None:
    saved = api.client.put(f"/api/v1/secrets/{name}", json={"value": value}, headers=api._headers())
    assert saved.status_code == 200, saved.json


def test_the_response_goes_to_the_result_variable_and_the_result_expression_sets_its_keys(api, server):
    base = f"http://127.0.0.1:{server}"
    iid = _start(api, "rest_rate.bpmn", "z8_rest_rate", {"base": base, "currency": "EUR"})
    variables = _waiting_in(api, iid, "review")["variables"]
    response = variables["rateResponse"]
    assert response["status"] == 200 and response["headers"]["Content-Type"] == "application/json"
    assert response["body"] == {"rate": 1.08, "open": True, "bank": {"city": "Frankfurt"}}
    assert (variables["rate"], variables["city"], variables["status"]) == (1.08, "Frankfurt", 200)
    assert not set(INPUTS) & set(variables)  # the template's inputs are local to the task
    ((method, path, headers, _),) = ShopApi.received
    assert (method, path, headers["Accept"]) == ("GET", "/rates/EUR?day=today&exact=true", "application/json")


def test_a_404_the_error_expression_maps_to_bpmn_error_goes_to_the_boundary_event(api, server):
    base = f"http://127.0.0.1:{server}"
    iid = _start(api, "rest_rate.bpmn", "z8_rest_rate", {"base": base, "currency": "XXX"})
    variables = _waiting_in(api, iid, "askForRate")["variables"]
    assert variables["answer"] == {"error": "unknown currency"} and variables["status"] == "404"
    assert "rateResponse" not in variables and not set(INPUTS) & set(variables)
    assert api.get(f"/incidents?instance_id={iid}").json["items"] == []
    assert len(ShopApi.received) == 1  # thrown, not retried


def test_a_500_the_error_expression_leaves_alone_is_retried_then_an_incident(api, server):
    base = f"http://127.0.0.1:{server}"
    iid = _start(api, "rest_rate.bpmn", "z8_rest_rate", {"base": base, "currency": "BAD"})
    incident = _incident(api, iid)
    assert "after 2 attempt(s)" in incident["message"]  # retries="2", retryBackoff PT1S
    assert f"127.0.0.1:{server} answered 500" in incident["message"]
    assert len(ShopApi.received) == 2


def test_a_host_the_configuration_does_not_allow_becomes_an_incident_naming_it(api, server):
    base = f"http://localhost:{server}"
    iid = _start(api, "rest_rate.bpmn", "z8_rest_rate", {"base": base, "currency": "EUR"})
    incident = _incident(api, iid)
    assert f"may not call localhost:{server}" in incident["message"]
    assert "BATON_HTTP_CONNECTOR_ALLOWED_HOSTS" in incident["message"]
    assert "after 1 attempt(s)" in incident["message"] and incident["element_id"] == "call"
    assert ShopApi.received == []


def test_a_job_error_fails_the_job_with_the_retries_it_names(api, server):
    xml = (DATA / "zeebe" / "rest_rate.bpmn").read_text()
    start = xml.index('<zeebe:header key="errorExpression"')
    end = xml.index("/>", start) + 2
    job_error = "=if response.status = 200 then jobError(&#34;market closed&#34;, {}, 0) else null"
    xml = xml[:start] + f'<zeebe:header key="errorExpression" value="{job_error}" />' + xml[end:]
    base = f"http://127.0.0.1:{server}"
    iid = _start(api, "rest_rate.bpmn", "z8_rest_rate", {"base": base, "currency": "EUR"}, xml)
    incident = _incident(api, iid)
    assert "after 1 attempt(s)" in incident["message"] and "market closed" in incident["message"]


def test_no_answer_at_all_reaches_the_error_expression_as_an_error_without_a_code(api):
    """As Camunda's runtime maps any failure to `error`: a refused connection has a type and a
    message but no code, so `error.code = "404"` leaves it alone and this expression catches it."""
    xml = (DATA / "zeebe" / "rest_rate.bpmn").read_text()
    start = xml.index('<zeebe:header key="errorExpression"')
    end = xml.index("/>", start) + 2
    unreachable = (
        "=if error.code = null and error.type = &#34;ConnectionError&#34; then bpmnError(&#34;NO_RATE&#34;, "
        "error.message, {answer: error.message, status: &#34;unreachable&#34;}) else null"
    )
    xml = xml[:start] + f'<zeebe:header key="errorExpression" value="{unreachable}" />' + xml[end:]
    with socket.socket() as closed:  # a port taken and never listened on: the connection is refused
        closed.bind(("127.0.0.1", 0))
        base = f"http://127.0.0.1:{closed.getsockname()[1]}"
        iid = _start(api, "rest_rate.bpmn", "z8_rest_rate", {"base": base, "currency": "EUR"}, xml)
        variables = _waiting_in(api, iid, "askForRate")["variables"]
    assert variables["status"] == "unreachable" and "could not reach 127.0.0.1" in variables["answer"]
    assert api.get(f"/incidents?instance_id={iid}").json["items"] == []


TOKEN = "tok-c8-very-secret"
PASSWORD = "pw-c8-very-secret"


def test_bearer_authentication_and_secret_placeholders_reach_the_server_and_are_stored_nowhere(
    api, server, worker_dir
):
    _set_secret(api, "rest-token", TOKEN)
    base = f"http://127.0.0.1:{server}"
    iid = _start(api, "rest_order.bpmn", "z8_rest_order", {"base": base, "sku": "A-1"})
    variables = _waiting_in(api, iid, "review")["variables"]
    assert variables == {"base": base, "sku": "A-1", "orderId": "ord-17"}
    ((method, path, headers, body),) = ShopApi.received
    assert (method, path, headers["Authorization"]) == ("POST", f"/orders?key={TOKEN}", f"Bearer {TOKEN}")
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"sku": "A-1", "signed": f"by {TOKEN}"}  # ignoreNullValues: no note
    seen = [api.get(f"/instances/{iid}"), api.get(f"/instances/{iid}/history"), api.get("/audit")]
    assert all(r.status_code == 200 and TOKEN not in r.get_data(as_text=True) for r in seen)
    jobs = "".join(
        db.session.execute(text("SELECT payload::text || coalesce(last_error, '') FROM jobs")).scalars()
    )
    assert "{{secrets.rest-token}}" in jobs and TOKEN not in jobs
    log = (worker_dir / "baton-test.log").read_text()
    assert f"io.camunda:http-json:1 POST 127.0.0.1:{server}" in log and TOKEN not in log


def test_basic_authentication_sends_the_user_and_the_secret_password(api, server, worker_dir):
    _set_secret(api, "rest-password", PASSWORD)
    base = f"http://127.0.0.1:{server}"
    iid = _start(api, "rest_basic.bpmn", "z8_rest_basic", {"base": base, "sku": "B-2"})
    assert _waiting_in(api, iid, "review")["variables"]["orderId"] == "ord-17"
    ((_, path, headers, body),) = ShopApi.received
    expected = "Basic " + base64.b64encode(f"ada:{PASSWORD}".encode()).decode()
    assert (path, headers["Authorization"]) == ("/orders", expected)
    assert json.loads(body) == {"sku": "B-2", "signed": "by ada"}
    assert PASSWORD not in api.get(f"/instances/{iid}").get_data(as_text=True)
    assert PASSWORD not in (worker_dir / "baton-test.log").read_text()
