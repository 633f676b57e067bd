"""Which decision a business rule task evaluates and which process a call activity runs: Camunda's
bindings (latest by default, deployment, version, versionTag), resolved when the element is reached."""

import pytest

from app.services import catalog
from app.services.prepared import Prepared
from tests.conftest import DATA

FILES = DATA / "bindings"
DECIDE, PICK = (FILES / "decide.bpmn").read_text(), (FILES / "pick.dmn").read_text()
CALLER, CALLEE = (FILES / "caller.bpmn").read_text(), (FILES / "callee.bpmn").read_text()
PICK_V2 = PICK.replace('"one"', '"two"').replace('versionTag="first"', 'versionTag="second"')
CALLEE_V2 = CALLEE.replace("Callee v1", "Callee v2").replace("first", "second")
BINDING = 'camunda:decisionRef="pick"'


def deploy(api, **files: str) -> dict:
    response = api.deploy_bytes({name.replace("_", "."): text.encode() for name, text in files.items()})
    assert response.status_code == 201, response.json
    return response.json


def picked(api) -> str:
    started = api.post("/process-definitions/decide/instances", json={})
    assert started.status_code == 201 and started.json["status"] == "waiting", started.json
    return api.get(f"/instances/{started.json['id']}").json["variables"]["picked"]


def test_redeploying_only_the_decision_changes_what_new_instances_decide(admin):
    deploy(admin, decide_bpmn=DECIDE, pick_dmn=PICK)  # deployed together, as `make run` does
    assert picked(admin) == "one"
    deploy(admin, pick_dmn=PICK_V2)
    assert picked(admin) == "two"  # latest binding, Camunda's default


@pytest.mark.parametrize(
    ("binding", "expected"),
    [
        ('camunda:decisionRefBinding="deployment"', "one"),
        ('camunda:decisionRefBinding="version" camunda:decisionRefVersion="1"', "one"),
        ('camunda:decisionRefBinding="version" camunda:decisionRefVersion="${2}"', "two"),
        ('camunda:decisionRefBinding="versionTag" camunda:decisionRefVersionTag="first"', "one"),
        ('camunda:decisionRefBinding="latest"', "two"),
    ],
)
def test_a_decision_binding_chooses_the_version(admin, binding, expected):
    deploy(admin, decide_bpmn=DECIDE.replace(BINDING, f"{BINDING} {binding}"), pick_dmn=PICK)
    deploy(admin, pick_dmn=PICK_V2)
    assert picked(admin) == expected


def test_zeebe_binding_type_deployment_keeps_the_decision_deployed_with_it(admin):
    zeebe = DECIDE.replace(
        f'{BINDING} camunda:resultVariable="picked" camunda:mapDecisionResult="singleEntry">',
        '><bpmn:extensionElements><zeebe:calledDecision decisionId="pick" resultVariable="picked"'
        ' bindingType="deployment" /></bpmn:extensionElements>',
    )
    deploy(admin, decide_bpmn=zeebe, pick_dmn=PICK)
    deploy(admin, pick_dmn=PICK_V2)
    assert picked(admin) == "one"  # Zeebe keeps the decision's own result: one output, its value


def test_a_deployment_binding_to_what_the_deployment_lacks_is_refused(admin):
    deploy(admin, pick_dmn=PICK)
    bound = DECIDE.replace(BINDING, f'{BINDING} camunda:decisionRefBinding="deployment"')
    refused = admin.deploy_bytes({"decide.bpmn": bound.encode()})
    assert refused.status_code == 400
    assert "this deployment has no decision 'pick'" in refused.json["message"]
    assert refused.json["details"]["element_id"] == "pick_one"
    wrong = DECIDE.replace(BINDING, f'{BINDING} camunda:decisionRefBinding="newest"')
    assert "'newest' is none of latest" in admin.deploy_bytes({"decide.bpmn": wrong.encode()}).json["message"]


def test_a_decision_deployed_after_its_process_is_a_warning_then_an_incident_then_retried(admin):
    deployed = deploy(admin, decide_bpmn=DECIDE)
    (warning,) = deployed["warnings"]
    assert (
        warning["element_id"] == "pick_one"
        and "the decision 'pick' is not deployed yet" in warning["message"]
    )
    started = admin.post("/process-definitions/decide/instances", json={}).json
    assert started["status"] == "failed"
    incident = admin.get("/incidents", query_string={"instance_id": started["id"]}).json["items"][0]
    assert (
        incident["element_id"] == "pick_one" and "the decision 'pick' is not deployed" in incident["message"]
    )
    deploy(admin, pick_dmn=PICK)
    assert admin.post(f"/incidents/{incident['id']}/retry", json={}).status_code == 200
    assert admin.get(f"/instances/{started['id']}").json["variables"]["picked"] == "one"


def _open_task(api, instance_id) -> dict:
    (task,) = api.get("/tasks", query_string={"instance_id": instance_id}).json["items"]
    return task


def test_a_caller_deployed_before_its_callee_runs_once_the_callee_is_deployed(admin):
    deployed = deploy(admin, caller_bpmn=CALLER)  # was a 400: "The process 'callee' was not found"
    assert "the process 'callee' is not deployed yet" in deployed["warnings"][0]["message"]
    started = admin.post("/process-definitions/caller/instances", json={}).json
    incident = admin.get("/incidents", query_string={"instance_id": started["id"]}).json["items"][0]
    assert incident["element_id"] == "call_callee"
    assert "call activity 'call_callee': the process 'callee' is not deployed" in incident["message"]
    deploy(admin, callee_bpmn=CALLEE)
    assert admin.post(f"/incidents/{incident['id']}/retry", json={}).status_code == 200
    assert _open_task(admin, started["id"])["name"] == "Callee v1"


def test_a_call_runs_the_callee_current_when_reached_and_keeps_it_until_it_ends(admin):
    deploy(admin, caller_bpmn=CALLER, callee_bpmn=CALLEE)
    running = admin.post("/process-definitions/caller/instances", json={}).json["id"]
    deploy(admin, callee_bpmn=CALLEE_V2)
    fresh = admin.post("/process-definitions/caller/instances", json={}).json["id"]
    first, second = _open_task(admin, running), _open_task(admin, fresh)
    assert (first["name"], second["name"]) == ("Callee v1", "Callee v2")
    assert (first["candidate_groups"], second["candidate_groups"]) == (["first-team"], ["second-team"])
    assert admin.post(f"/tasks/{first['id']}/complete", json={}).status_code == 200
    assert _open_task(admin, running)["element_id"] == "after_call"


@pytest.mark.parametrize(
    ("binding", "expected"),
    [
        ('camunda:calledElementBinding="deployment"', "Callee v1"),
        ('camunda:calledElementBinding="version" camunda:calledElementVersion="1"', "Callee v1"),
        ('camunda:calledElementBinding="versionTag" camunda:calledElementVersionTag="second"', "Callee v2"),
    ],
)
def test_a_call_activity_binding_chooses_the_callee_version(admin, binding, expected):
    bound = CALLER.replace('calledElement="callee"', f'calledElement="callee" {binding}')
    deploy(admin, caller_bpmn=bound, callee_bpmn=CALLEE)
    deploy(admin, callee_bpmn=CALLEE_V2)
    started = admin.post("/process-definitions/caller/instances", json={}).json
    assert _open_task(admin, started["id"])["name"] == expected


@pytest.fixture
def statements(monkeypatch):
    """The SQL of every statement sent on the driver's cursor (a start's reads and writes)."""
    sent: list[str] = []
    run = Prepared._run

    def counting(self, params):
        sent.append(str(self.statement))
        return run(self, params)

    monkeypatch.setattr(Prepared, "_run", counting)
    return sent


def test_resolving_latest_costs_a_start_no_statement_of_its_own(admin, statements):
    deploy(admin, decide_bpmn=DECIDE, pick_dmn=PICK)
    picked(admin)  # the caches fill
    statements.clear()
    assert picked(admin) == "one"
    reads = [sql for sql in statements if "FROM definitions" in sql]
    assert len(reads) == 1  # the start's own, which brings the catalog version along
    deploy(admin, pick_dmn=PICK_V2)
    assert picked(admin) == "two"


def test_a_process_that_did_not_deploy_learns_of_it_at_its_next_start_or_within_the_trust_interval(
    admin, monkeypatch
):
    deploy(admin, decide_bpmn=DECIDE, pick_dmn=PICK)
    assert picked(admin) == "one"
    tenant = "default"
    seen_before = catalog._known[tenant][0]
    deploy(admin, pick_dmn=PICK_V2)
    catalog.note(tenant, seen_before)  # as if another server process had deployed it
    from app.engine.bindings import Binding
    from app.services.bindings import TenantBindings

    resolve = TenantBindings(tenant).decision
    assert resolve("pick", Binding(), {}, None).evaluate("pick") == "one"  # trusted for 2 s
    monkeypatch.setattr(catalog, "TRUST_SECONDS", 0.0)
    assert resolve("pick", Binding(), {}, None).evaluate("pick") == "two"  # then read again
    catalog.note(tenant, seen_before)
    monkeypatch.setattr(catalog, "TRUST_SECONDS", 2.0)
    assert picked(admin) == "two"  # a start reads the version with its definition
