"""Who may call what: every /api/v1 route is checked, so a route without a declared permission fails."""

from __future__ import annotations

import re
import uuid

import pytest

from app import create_app
from app.api import PUBLIC_ENDPOINTS
from app.api.access import ENDPOINT_PERMISSIONS
from app.services.permissions import ADMIN, PERMISSIONS
from tests.conftest import DATA, Api, make_config


def _routes() -> list[tuple[str, str, str]]:
    """(endpoint, method, rule) of every authenticated API route, read from the real url_map."""
    app = create_app(make_config())
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api.") or rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, rule.rule))
    return sorted(found)


ROUTES = _routes()
IDS = [f"{method} {rule}" for _, method, rule in ROUTES]


def concrete(rule: str) -> str:
    """A callable URL for a rule: UUID parameters get a fresh UUID, others a placeholder."""
    rule = re.sub(r"<uuid:[^>]+>", lambda _: str(uuid.uuid4()), rule)
    return re.sub(r"<[^>]+>", "nothing-here", rule).removeprefix("/api/v1")


def call(api: Api, method: str, path: str):
    headers = {"Authorization": f"Bearer {api.token}"}
    return api.client.open(f"/api/v1{path}", method=method, json={}, headers=headers)


def test_routes_were_found():
    assert len(ROUTES) >= 25


@pytest.mark.parametrize(("endpoint", "method", "rule"), ROUTES, ids=IDS)
def test_every_route_declares_its_permission(endpoint, method, rule):
    assert endpoint in ENDPOINT_PERMISSIONS, f"add {endpoint} to app/api/access.py ENDPOINT_PERMISSIONS"


def test_every_permission_names_a_route():
    """A permission without a route is a rule nobody reads, and hides a route that went missing."""
    assert set(ENDPOINT_PERMISSIONS) - {endpoint for endpoint, _, _ in ROUTES} == set()


@pytest.mark.parametrize(("endpoint", "method", "rule"), ROUTES, ids=IDS)
def test_a_user_without_the_role_gets_a_403_with_a_reason(as_user, endpoint, method, rule):
    nobody = as_user(roles="")
    response = call(nobody, method, concrete(rule))
    assert response.status_code == 403, response.json
    permission = ENDPOINT_PERMISSIONS[endpoint]
    assert response.json["error"] == "forbidden"
    assert f"'{permission}' requires one of the roles" in response.json["message"]
    assert response.json["details"]["permission"] == permission


@pytest.mark.parametrize(("endpoint", "method", "rule"), ROUTES, ids=IDS)
def test_a_user_with_a_granting_role_gets_past_the_check(as_user, endpoint, method, rule):
    permission = ENDPOINT_PERMISSIONS[endpoint]
    role = "admin" if permission == ADMIN else sorted(PERMISSIONS[permission])[0]
    holder = as_user(roles=role, admin=role == "admin")
    response = call(holder, method, concrete(rule))
    assert response.status_code != 403, response.json
    assert response.status_code < 500


def test_a_plain_user_cannot_deploy_but_a_modeler_can(as_user):
    user = as_user(roles="user")
    refused = user.deploy(DATA / "simple" / "two_steps.bpmn")
    assert refused.status_code == 403 and "'deploy'" in refused.json["message"]
    modeler = as_user(roles="modeler")
    assert modeler.deploy(DATA / "simple" / "two_steps.bpmn").status_code == 201
    changed = modeler.post("/process-definitions/two_steps/status", json={"status": "deprecated"})
    assert changed.status_code == 200 and changed.json["status"] == "deprecated"


def test_only_operators_suspend_resume_and_cancel(admin, as_user):
    admin.deploy(DATA / "simple" / "two_steps.bpmn")
    instance = admin.post("/process-definitions/two_steps/instances", json={}).json["id"]
    user, operator = as_user(roles="user"), as_user(roles="operator")
    assert user.post(f"/instances/{instance}/suspend").status_code == 403
    assert operator.post(f"/instances/{instance}/suspend").json["status"] == "suspended"
    assert operator.post(f"/instances/{instance}/resume").json["status"] == "waiting"
    no_reason = operator.post(f"/instances/{instance}/cancel", json={})
    assert no_reason.status_code == 400 and "reason" in no_reason.json["message"]
    cancelled = operator.post(f"/instances/{instance}/cancel", json={"reason": "customer withdrew"})
    assert cancelled.json["status"] == "cancelled"


def test_candidate_starters_limit_who_starts_a_process(admin, as_user):
    admin.deploy(DATA / "security" / "restricted_start.bpmn")
    path = "/process-definitions/restricted_start/instances"
    outsider = as_user(roles="user")
    refused = outsider.post(path, json={})
    assert refused.status_code == 403
    assert "planners" in refused.json["message"]
    assert refused.json["details"]["candidate_starter_users"] == ["carol"]
    assert as_user(roles="user", groups=["planners"]).post(path, json={}).status_code == 201
    assert as_user("carol", roles="user").post(path, json={}).status_code == 201


def test_a_process_without_candidate_starters_is_startable_by_any_user(admin, as_user):
    admin.deploy(DATA / "simple" / "two_steps.bpmn")
    started = as_user(roles="user").post("/process-definitions/two_steps/instances", json={})
    assert started.status_code == 201


def test_a_user_sees_and_completes_only_tasks_offered_to_them(admin, as_user):
    admin.deploy(DATA / "simple" / "two_steps.bpmn")
    admin.post("/process-definitions/two_steps/instances", json={})
    outsider, reviewer = as_user(roles="user"), as_user(roles="user", groups=["reviewers"])
    assert outsider.get("/tasks").json["total"] == 0
    task = reviewer.get("/tasks").json["items"][0]
    refused = outsider.post(f"/tasks/{task['id']}/complete", json={})
    assert refused.status_code == 403 and "not assigned or offered" in refused.json["message"]
    assert reviewer.post(f"/tasks/{task['id']}/complete", json={}).status_code == 200


def test_a_message_or_signal_that_would_start_a_case_needs_the_start_permission(admin, as_user):
    """An operator correlates messages and signals (CORRELATE) but starts nothing: a message start
    or a signal start is a start, as Camunda 7 asks CREATE_INSTANCE for one."""
    admin.deploy(DATA / "messages" / "two_starts.bpmn")
    admin.deploy(DATA / "events" / "alarm.bpmn")
    operator = as_user("opal", roles="operator")
    refused = operator.post("/messages", json={"name": "qa_go"})
    assert refused.status_code == 403 and refused.json["details"]["permission"] == "start", refused.json
    refused = operator.post("/signals", json={"name": "plant_alarm"})
    assert refused.status_code == 403 and refused.json["details"]["permission"] == "start", refused.json
    assert admin.get("/instances").json["total"] == 0
    assert as_user("ursula").post("/messages", json={"name": "qa_go"}).status_code == 201
