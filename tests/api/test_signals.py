"""A signal reaches every instance waiting for it, as Camunda broadcasts it: thrown by a process
(in the same transaction as the step that threw it) or sent over REST (`POST /signals`, Camunda 7's
`POST /signal`). It starts each process with a signal start event of its name. A message of the
same name is another event."""

import pytest

from tests.conftest import DATA

MODEL = DATA / "events" / "alarm.bpmn"


@pytest.fixture
def plant(admin):
    assert admin.deploy(MODEL).status_code == 201
    runs = [admin.post("/process-definitions/production_run/instances", json={}).json["id"] for _ in range(2)]
    return admin, runs


def _open_elements(api, instance_id) -> list[str]:
    return [t["element_id"] for t in api.get(f"/tasks?instance_id={instance_id}").json["items"]]


def test_a_signal_thrown_by_one_process_stops_every_waiting_run(plant):
    api, runs = plant
    raiser = api.post("/process-definitions/raise_alarm/instances", json={}).json["id"]
    [inspect] = api.get(f"/tasks?instance_id={raiser}").json["items"]
    done = api.post(f"/tasks/{inspect['id']}/complete", json={"variables": {"note": "smoke"}})
    assert done.status_code == 200, done.json
    assert api.get(f"/instances/{raiser}").json["status"] == "completed"
    [evacuation] = api.get("/instances?key=evacuation").json["items"]
    assert evacuation["active_elements"] == ["evacuate"] and evacuation["started_by"] == "signal"
    for run in runs:
        assert _open_elements(api, run) == ["secure"]
        assert "note" not in api.get(f"/instances/{run}").json["variables"]  # the thrower's stay its own


def test_a_signal_sent_over_rest_reaches_every_waiting_run_with_its_variables(plant):
    api, runs = plant
    suspended = api.post("/process-definitions/production_run/instances", json={}).json["id"]
    assert api.post(f"/instances/{suspended}/suspend", json={}).status_code == 200
    sent = api.post("/signals", json={"name": "plant_alarm", "variables": {"cause": "fire"}})
    assert sent.status_code == 200, sent.json
    assert sorted(sent.json["delivered_to"]) == sorted(runs)
    [started] = sent.json["started"]
    evacuation = api.get(f"/instances/{started}").json
    assert evacuation["definition_key"] == "evacuation" and evacuation["variables"] == {"cause": "fire"}
    for run in runs:
        assert _open_elements(api, run) == ["secure"]
        assert api.get(f"/instances/{run}").json["variables"] == {"cause": "fire"}
    assert _open_elements(api, suspended) == ["produce"]


def test_a_signal_nobody_waits_for_reaches_no_one_and_a_message_of_its_name_is_not_it(plant):
    api, runs = plant
    assert api.post("/signals", json={"name": "nobody_listens"}).json == {"delivered_to": [], "started": []}
    assert api.post("/messages", json={"name": "plant_alarm"}).status_code == 404
    for run in runs:
        assert _open_elements(api, run) == ["produce"]


def test_a_process_only_a_signal_starts_is_not_started_by_hand(plant):
    api, _ = plant
    refused = api.post("/process-definitions/evacuation/instances", json={})
    assert refused.status_code == 409, refused.json
    assert "the signal 'plant_alarm' (POST /signals)" in refused.json["message"]
    assert refused.json["details"]["start_signals"] == ["plant_alarm"]


def test_a_thrown_signal_carries_what_its_camunda_in_mappings_name_to_every_catcher(admin):
    """Camunda 7's camunda:in on a throwing signalEventDefinition: source/target and
    sourceExpression values go to each caught or started instance; the rest stays the thrower's."""
    assert admin.deploy(DATA / "events" / "alarm_passing.bpmn").status_code == 201
    run = admin.post("/process-definitions/production_run/instances", json={}).json["id"]
    raiser = admin.post("/process-definitions/raise_alarm/instances", json={"variables": {"hall": "B"}}).json
    [inspect] = admin.get(f"/tasks?instance_id={raiser['id']}").json["items"]
    sent = {"variables": {"note": "smoke", "inspector_badge": 7}}
    assert admin.post(f"/tasks/{inspect['id']}/complete", json=sent).status_code == 200
    assert admin.get(f"/instances/{run}").json["variables"] == {"cause": "smoke", "hall": "B"}
    assert _open_elements(admin, run) == ["secure"]
    [evacuation] = admin.get("/instances?key=evacuation").json["items"]
    assert admin.get(f"/instances/{evacuation['id']}").json["variables"] == {"cause": "smoke", "hall": "B"}


def test_a_signal_mapping_whose_expression_does_not_parse_is_refused_at_deploy(admin):
    broken = (DATA / "events" / "alarm_passing.bpmn").read_text().replace("${hall}", "${hall +}")
    refused = admin.deploy_bytes({"alarm_broken.bpmn": broken.encode()})
    assert refused.status_code == 400, refused.json
    assert "alarm" in refused.json["message"] and "hall +" in refused.json["message"], refused.json
