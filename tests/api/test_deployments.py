"""Deploying, versioning and definition statuses, as a process owner sees them over HTTP."""

from tests.conftest import DATA

TWO_STEPS = (DATA / "simple" / "two_steps.bpmn").read_bytes()


def _changed(xml: bytes) -> bytes:
    return xml.replace(b'name="Review request"', b'name="Review the request"')


def test_a_changed_file_gets_the_next_version_and_an_identical_one_does_not(admin):
    first = admin.deploy_bytes({"two_steps.bpmn": TWO_STEPS}).json["definitions"][0]
    same = admin.deploy_bytes({"two_steps.bpmn": TWO_STEPS}).json["definitions"][0]
    changed = admin.deploy_bytes({"two_steps.bpmn": _changed(TWO_STEPS)}).json["definitions"][0]
    assert (first["version"], same["version"], changed["version"]) == (1, 1, 2)
    assert first["status"] == "published" and first["kind"] == "bpmn"
    listed = admin.get("/process-definitions").json
    assert listed["total"] == 1 and listed["items"][0]["version"] == 2
    assert [v["version"] for v in admin.get("/process-definitions/two_steps").json["versions"]] == [1, 2]


def test_running_instances_stay_on_their_version_and_new_ones_take_the_latest(admin):
    admin.deploy_bytes({"two_steps.bpmn": TWO_STEPS})
    old = admin.post("/process-definitions/two_steps/instances", json={}).json
    admin.deploy_bytes({"two_steps.bpmn": _changed(TWO_STEPS)})
    new = admin.post("/process-definitions/two_steps/instances", json={}).json
    assert (old["definition_version"], new["definition_version"]) == (1, 2)
    assert old["tasks"][0]["name"] == "Review request" and new["tasks"][0]["name"] == "Review the request"
    assert admin.post(f"/tasks/{old['tasks'][0]['id']}/complete", json={}).status_code == 200
    assert admin.get(f"/instances/{old['id']}").json["definition_version"] == 1


def test_a_deprecated_definition_starts_nothing_new(admin):
    admin.deploy_bytes({"two_steps.bpmn": TWO_STEPS})
    changed = admin.post("/process-definitions/two_steps/status", json={"status": "deprecated"})
    assert changed.status_code == 200 and changed.json["status"] == "deprecated"
    refused = admin.post("/process-definitions/two_steps/instances", json={})
    assert refused.status_code == 409 and "deprecated" in refused.json["message"]


def test_a_draft_deployment_is_not_started_until_published(admin):
    admin.deploy(DATA / "simple" / "two_steps.bpmn", publish="false")
    assert admin.post("/process-definitions/two_steps/instances", json={}).status_code == 409
    admin.post("/process-definitions/two_steps/status", json={"status": "published"})
    assert admin.post("/process-definitions/two_steps/instances", json={}).status_code == 201


def _deployments(admin) -> set:
    return {e["object_id"] for e in admin.get("/audit?action=deploy").json["items"]}


def test_redeploying_a_draft_unchanged_publishes_it_and_stores_no_new_deployment(admin):
    draft = admin.deploy(DATA / "simple" / "two_steps.bpmn", publish="false")
    assert draft.status_code == 201 and draft.json["definitions"][0]["status"] == "draft"
    again = admin.deploy(DATA / "simple" / "two_steps.bpmn")
    assert again.status_code == 200, again.json
    assert again.json["id"] == draft.json["id"]  # the deployment that holds the version
    assert again.json["definitions"][0] | {"status": "draft"} == draft.json["definitions"][0]
    assert again.json["definitions"][0]["status"] == "published"
    assert admin.post("/process-definitions/two_steps/instances", json={}).status_code == 201
    assert _deployments(admin) == {draft.json["id"]}
    published = admin.get("/audit?action=definition.published").json["items"]
    assert [(e["before"], e["after"], e["reason"]) for e in published] == [
        ({"status": "draft"}, {"status": "published"}, "redeployed")
    ]


def test_redeploying_a_deprecated_version_unchanged_publishes_it_again(admin):
    admin.deploy_bytes({"two_steps.bpmn": TWO_STEPS})
    admin.post("/process-definitions/two_steps/status", json={"status": "deprecated"})
    again = admin.deploy_bytes({"two_steps.bpmn": TWO_STEPS})
    assert again.status_code == 200 and again.json["definitions"][0]["version"] == 1
    assert admin.get("/process-definitions/two_steps").json["status"] == "published"
    assert admin.post("/process-definitions/two_steps/instances", json={}).status_code == 201


def test_an_unchanged_redeploy_as_draft_leaves_the_published_version_published(admin):
    admin.deploy_bytes({"two_steps.bpmn": TWO_STEPS})
    again = admin.deploy(DATA / "simple" / "two_steps.bpmn", publish="false")
    assert again.status_code == 200 and again.json["definitions"][0]["status"] == "published"
    assert len(_deployments(admin)) == 1


def test_a_deployment_with_one_changed_file_publishes_the_unchanged_drafts_too(admin):
    other = TWO_STEPS.replace(b"two_steps", b"other_steps")
    first = admin.deploy_bytes({"two_steps.bpmn": TWO_STEPS, "other.bpmn": other}, publish="false")
    assert {d["status"] for d in first.json["definitions"]} == {"draft"}
    again = admin.deploy_bytes({"two_steps.bpmn": _changed(TWO_STEPS), "other.bpmn": other})
    assert again.status_code == 201 and again.json["id"] != first.json["id"]
    versions = {d["key"]: (d["version"], d["status"]) for d in again.json["definitions"]}
    assert versions == {"two_steps": (2, "published"), "other_steps": (1, "published")}


def _start_timer_rows() -> int:
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Job

    return db.session.execute(select(func.count()).where(Job.kind == "start_timer")).scalar_one()


def test_a_draft_with_a_timer_start_event_is_scheduled_when_it_is_published(admin):
    admin.deploy(DATA / "timers" / "start_cycle.bpmn", publish="false")
    assert _start_timer_rows() == 0  # a draft starts nothing
    published = admin.post("/process-definitions/maintenance_round/status", json={"status": "published"})
    assert published.status_code == 200 and _start_timer_rows() == 1


def test_broken_xml_is_a_400_naming_file_and_line_and_nothing_is_stored(admin):
    broken = TWO_STEPS.replace(b"</bpmn:userTask>", b"</bpmn:userTsk>", 1)
    response = admin.deploy_bytes(
        {"good.bpmn": TWO_STEPS.replace(b"two_steps", b"other"), "broken.bpmn": broken}
    )
    assert response.status_code == 400
    assert response.json["details"]["file"] == "broken.bpmn" and response.json["details"]["line"]
    assert "broken.bpmn" in response.json["message"]
    assert admin.get("/process-definitions").json["total"] == 0


def test_an_invalid_model_names_the_element(admin):
    invalid = TWO_STEPS.replace(b'targetRef="approve"', b'targetRef="nowhere"')
    response = admin.deploy_bytes({"invalid.bpmn": invalid})
    assert response.status_code == 400, response.json
    assert response.json["details"]["file"] == "invalid.bpmn"
    assert response.json["details"]["element_id"] or "nowhere" in response.json["message"]


def test_a_broken_decision_table_names_its_element(admin):
    dmn = (DATA.parent.parent / "dmn" / "inspection_routing.dmn").read_bytes()
    broken = dmn.replace(b"<text>[0.2..0.5]</text>", b"<text>[0.2..</text>")
    response = admin.deploy_bytes({"routing.dmn": broken})
    assert response.status_code == 400, response.json
    assert response.json["details"]["file"] == "routing.dmn"
    assert "UnaryTests_r4_wear" in response.json["message"] or response.json["details"]["element_id"]


def test_unsupported_files_and_empty_deployments_are_refused(admin):
    assert admin.deploy_bytes({"notes.txt": b"hello"}).status_code == 400
    assert admin.deploy_bytes({}).status_code == 400


def test_unknown_keys_are_404(admin):
    assert admin.get("/process-definitions/nope").status_code == 404
    assert admin.post("/process-definitions/nope/instances", json={}).status_code == 404
    assert admin.post("/decisions/nope/evaluate", json={}).status_code == 404


def test_a_process_without_an_id_is_a_400_naming_the_file_and_line(admin):
    xml = (
        b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">\n'
        b"<bpmn:process/>\n</bpmn:definitions>"
    )
    response = admin.deploy_bytes({"anonymous.bpmn": xml})
    assert response.status_code == 400, response.json
    assert response.json["details"] == {"file": "anonymous.bpmn", "line": 2, "element_id": None}


def test_an_element_id_the_engine_reserves_is_a_400_naming_it(admin):
    xml = TWO_STEPS.replace(b'id="start"', b'id="Start"').replace(b'sourceRef="start"', b'sourceRef="Start"')
    response = admin.deploy_bytes({"reserved.bpmn": xml})
    assert response.status_code == 400, response.json
    assert response.json["details"]["element_id"] == "Start" and "reserved" in response.json["message"]


def test_a_dmn_parse_error_names_its_location_once(admin):
    dmn = (DATA.parent.parent / "dmn" / "inspection_routing.dmn").read_bytes()
    broken = dmn.replace(b'hitPolicy="FIRST"', b'hitPolicy="SOMETIMES"', 1)
    response = admin.deploy_bytes({"e2.dmn": broken})
    assert response.status_code == 400, response.json
    message, details = response.json["message"], response.json["details"]
    assert message.count("e2.dmn") == 1 and message.endswith("unknown hit policy 'SOMETIMES'")
    assert details["line"] and details["element_id"]
