"""Camunda 7's HTTP connector, run by the real worker against a real HTTP server on 127.0.0.1.

The worker may call 127.0.0.1 only (BATON_HTTP_CONNECTOR_ALLOWED_HOSTS in tests/tasks/conftest.py):
`localhost` is the same server under a name the configuration does not allow.
"""

from __future__ import annotations

import json
import socket

import pytest
from sqlalchemy import text

from app.extensions import db
from tests.conftest import DATA
from tests.local_http import RecordingApi, serving
from tests.tasks.conftest import wait_for

pytestmark = pytest.mark.commits


class RatesApi(RecordingApi):
    """A small JSON API that keeps every request it receives: (method, path, headers, body)."""

    received: list = []

    def do_GET(self):  # noqa: N802 - http.server's hook name
        self.record(b"")
        if self.path == "/rates/EUR":
            rate = {"rate": 1.08, "name": "Euro", "open": True, "bank": {"city": "Frankfurt"}}
            return self.answer(200, json.dumps(rate).encode(), "application/json")
        self.answer(404, b"no such rate", "text/plain")

    def do_POST(self):  # noqa: N802 - http.server's hook name
        self.record()
        if self.path.partition("?")[0] == "/orders":
            return self.answer(201, b'{"id": "ord-17"}', "application/json")
        self.answer(204, b"", "text/plain")


@pytest.fixture
def server():
    """The API's port; what it received is in RatesApi.received (emptied for each test)."""
    RatesApi.received = []
    with serving(RatesApi) as port:
        yield port


def _start(api, name: str, key: str, variables: dict, business_key: str | None = None) -> str:
    deployed = api.deploy(DATA / "connector" / name)
    assert deployed.status_code in (200, 201), deployed.json
    body = {"variables": variables, **({"business_key": business_key} if business_key else {})}
    started = api.post(f"/process-definitions/{key}/instances", json=body)
    assert started.status_code == 201, started.json
    return started.json["id"]


def _reviewed(api, instance_id: str) -> dict:
    """The instance once the connector's task is done and it waits in its review task."""

    def waiting():
        body = api.get(f"/instances/{instance_id}").json
        return body if body["active_elements"] == ["review"] else None

    return wait_for(waiting)


def _incident(api, instance_id: str) -> dict:
    return wait_for(lambda: api.get(f"/incidents?instance_id={instance_id}&status=open").json["items"], 20)[0]


def test_a_get_with_a_url_from_variables_maps_the_json_answer_with_spin(api, server):
    iid = _start(api, "get_rate.bpmn", "conn_get", {"base": f"http://127.0.0.1:{server}", "currency": "EUR"})
    variables = _reviewed(api, iid)["variables"]
    assert variables["rate"] == 1.08 and variables["currencyName"] == "Euro"
    assert variables["marketOpen"] is True and variables["city"] == "Frankfurt"
    assert variables["status"] == 200 and variables["contentType"] == "application/json"
    assert "response" not in variables and "statusCode" not in variables  # only the outputs are set
    ((method, path, headers, _),) = RatesApi.received
    assert (method, path, headers["Accept"]) == ("GET", "/rates/EUR", "application/json")


def test_a_post_sends_its_payload_and_headers_from_variables(api, server):
    payload = json.dumps({"sku": "A-1", "qty": 2})
    variables = {"base": f"http://127.0.0.1:{server}", "apiKey": "k-123", "payloadJson": payload}
    iid = _start(api, "post_order.bpmn", "conn_post", variables, business_key="PO-42")
    variables = _reviewed(api, iid)["variables"]
    assert (variables["status"], variables["orderId"]) == (201, "ord-17")
    ((method, path, headers, body),) = RatesApi.received
    assert (method, path) == ("POST", "/orders")
    assert headers["X-Api-Key"] == "k-123" and headers["Content-Type"] == "application/json"
    assert (headers["X-Order"], headers["X-Step"]) == ("PO-42", "call")  # `execution`, in the worker
    assert json.loads(body) == {"sku": "A-1", "qty": 2}


def test_a_404_is_a_result_the_model_reads_not_an_incident(api, server):
    iid = _start(api, "status.bpmn", "conn_status", {"url": f"http://127.0.0.1:{server}/rates/XXX"})
    variables = _reviewed(api, iid)["variables"]
    assert variables["status"] == 404 and variables["body"] == "no such rate"
    assert api.get(f"/incidents?instance_id={iid}").json["items"] == []


def test_a_host_the_configuration_does_not_allow_is_never_called_and_becomes_an_incident(api, server):
    iid = _start(api, "status.bpmn", "conn_status", {"url": f"http://localhost:{server}/rates/EUR"})
    incident = _incident(api, iid)
    assert f"may not call localhost:{server}" in incident["message"]
    assert "after 1 attempt(s)" in incident["message"]  # not retried: the model says R3/PT1S
    assert "BATON_HTTP_CONNECTOR_ALLOWED_HOSTS" in incident["message"]
    assert incident["element_id"] == "call" and RatesApi.received == []


def test_a_refused_connection_is_retried_then_becomes_an_incident(api):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    iid = _start(api, "status.bpmn", "conn_status", {"url": f"http://127.0.0.1:{port}/rates/EUR"})
    incident = _incident(api, iid)
    assert "after 3 attempt(s)" in incident["message"]  # R3/PT1S
    assert f"could not reach 127.0.0.1:{port}" in incident["message"]
    assert api.get(f"/instances/{iid}").json["status"] == "failed"


def test_a_connector_without_outputs_sets_no_variable(api, server):
    iid = _start(api, "no_outputs.bpmn", "conn_quiet", {"base": f"http://127.0.0.1:{server}"})
    assert _reviewed(api, iid)["variables"] == {"base": f"http://127.0.0.1:{server}"}
    assert [(m, p, b) for m, p, _, b in RatesApi.received] == [("POST", "/ping", b"quiet")]


def test_a_message_end_event_with_a_connector_sends_it_and_the_instance_ends(api, server):
    iid = _start(api, "message_end.bpmn", "conn_end", {"base": f"http://127.0.0.1:{server}", "order": 7})
    assert wait_for(lambda: api.get(f"/instances/{iid}").json["status"] == "completed")
    assert [(m, p, b) for m, p, _, b in RatesApi.received] == [("POST", "/shipped", b"order 7 shipped")]


TOKEN = "tok-5f2e-very-secret"


def _set_secret(api, name: str, value: str) -> None:
    saved = api.client.put(f"/api/v1/secrets/{name}", json={"value": value}, headers=api._headers())
    assert saved.status_code == 200, saved.json


def test_a_secret_placeholder_sends_the_tenants_secret_and_stores_it_nowhere(api, server, worker_dir):
    _set_secret(api, "api-token", TOKEN)
    iid = _start(
        api, "secret_header.bpmn", "conn_secret", {"base": f"http://127.0.0.1:{server}", "sku": "A-1"}
    )
    assert _reviewed(api, iid)["variables"]["orderId"] == "ord-17"
    ((method, path, headers, body),) = RatesApi.received
    assert (method, path, headers["Authorization"]) == ("POST", f"/orders?key={TOKEN}", f"Bearer {TOKEN}")
    assert json.loads(body) == {"sku": "A-1", "token": TOKEN}
    seen = [api.get(f"/instances/{iid}"), api.get(f"/instances/{iid}/history"), api.get("/audit")]
    assert all(r.status_code == 200 and TOKEN not in r.get_data(as_text=True) for r in seen)
    rows = db.session.execute(text("SELECT payload::text || coalesce(last_error, '') FROM jobs"))
    jobs = list(rows.scalars())
    assert "{{secrets.api-token}}" in "".join(jobs) and all(TOKEN not in job for job in jobs)
    log = (worker_dir / "baton-test.log").read_text()
    assert f"http-connector POST 127.0.0.1:{server}" in log and TOKEN not in log


def test_an_unknown_secret_is_an_incident_naming_it_and_nothing_is_sent(api, server):
    _set_secret(api, "api-token", TOKEN)
    iid = _start(
        api,
        "unknown_secret.bpmn",
        "conn_no_secret",
        {"base": f"http://127.0.0.1:{server}", "payloadJson": "{}"},
    )
    incident = _incident(api, iid)
    assert "after 2 attempt(s)" in incident["message"]  # R2/PT1S
    assert "secret 'no-such-token'" in incident["message"] and TOKEN not in incident["message"]
    assert RatesApi.received == []
