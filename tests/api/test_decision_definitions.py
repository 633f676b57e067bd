"""Decisions over REST, as Camunda 7's /decision-definition: list, read, fetch the DMN, publish or
deprecate a version (which `latest` bindings see at once), and evaluate any version, drafts too."""

from __future__ import annotations

from tests.conftest import DATA
from tests.services.test_bindings import picked  # what `decide`, bound to `latest`, decides now

FILES = DATA / "bindings"
DECIDE, PICK = (FILES / "decide.bpmn").read_bytes(), (FILES / "pick.dmn").read_bytes()
PICK_V2 = PICK.replace(b'"one"', b'"two"').replace(b'versionTag="first"', b'versionTag="second"')
RISK = DATA / "security" / "risk.dmn"


def deploy(api, publish: bool = True, **files: bytes) -> dict:
    form = {} if publish else {"publish": "false"}
    named = {name.replace("_", "."): data for name, data in files.items()}
    response = api.deploy_bytes(named, **form)
    assert response.status_code == 201, response.json
    return response.json


def evaluated(api, version: int | None = None):
    query = {"version": version} if version else {}
    return api.post("/decisions/pick/evaluate", json={"variables": {}}, query_string=query)


def test_the_list_holds_the_latest_version_of_each_decision_and_no_process(admin):
    deploy(admin, decide_bpmn=DECIDE, pick_dmn=PICK)
    deploy(admin, pick_dmn=PICK_V2)
    assert admin.deploy(RISK).status_code == 201
    listed = admin.get("/decision-definitions").json
    assert listed["total"] == 2
    found = [(d["key"], d["version"], d["kind"]) for d in listed["items"]]
    assert found == [("pick", 2, "dmn"), ("risk", 1, "dmn")]
    assert listed["items"][0]["version_tag"] == "second" and listed["items"][1]["version_tag"] is None
    page = admin.get("/decision-definitions", query_string={"limit": 1, "offset": 1}).json
    assert [d["key"] for d in page["items"]] == ["risk"] and page["total"] == 2
    assert [d["key"] for d in admin.get("/process-definitions").json["items"]] == ["decide"]


def test_one_decision_comes_with_its_versions_and_any_version_is_read(admin):
    deploy(admin, pick_dmn=PICK)
    deploy(admin, publish=False, pick_dmn=PICK_V2)
    latest = admin.get("/decision-definitions/pick").json
    assert (latest["version"], latest["status"], latest["version_tag"]) == (2, "draft", "second")
    assert [(v["version"], v["status"]) for v in latest["versions"]] == [(1, "published"), (2, "draft")]
    first = admin.get("/decision-definitions/pick", query_string={"version": 1}).json
    assert (first["version"], first["status"], first["version_tag"]) == (1, "published", "first")


def test_the_dmn_file_of_a_version_is_fetched(admin):
    deploy(admin, pick_dmn=PICK)
    deploy(admin, pick_dmn=PICK_V2)
    latest = admin.get("/decision-definitions/pick/xml")
    assert latest.status_code == 200 and latest.mimetype == "application/xml"
    assert latest.get_data() == PICK_V2
    assert admin.get("/decision-definitions/pick/xml", query_string={"version": 1}).get_data() == PICK


def test_unknown_decisions_and_versions_are_404s_naming_them(admin):
    deploy(admin, decide_bpmn=DECIDE, pick_dmn=PICK)
    for path in ("/decision-definitions/nope", "/decision-definitions/nope/xml"):
        missing = admin.get(path)
        assert missing.status_code == 404
        assert "decision definition 'nope' does not exist" in missing.json["message"]
    process = admin.get("/decision-definitions/decide")  # a process's key is no decision's
    assert process.status_code == 404 and "decision definition 'decide'" in process.json["message"]
    version = admin.get("/decision-definitions/pick", query_string={"version": 3})
    assert version.status_code == 404 and "'pick' version 3 does not exist" in version.json["message"]
    status = admin.post("/decision-definitions/pick/status", json={"status": "deprecated", "version": 3})
    assert status.status_code == 404 and "'pick' version 3" in status.json["message"]
    assert admin.post("/decision-definitions/nope/status", json={"status": "published"}).status_code == 404
    assert evaluated(admin, version=3).status_code == 404


def test_deprecating_and_publishing_a_decision_changes_what_latest_bindings_decide(admin):
    deploy(admin, decide_bpmn=DECIDE, pick_dmn=PICK)
    deploy(admin, publish=False, pick_dmn=PICK_V2)
    assert picked(admin) == "one"  # a draft is not `latest`
    published = admin.post("/decision-definitions/pick/status", json={"status": "published"})
    assert published.status_code == 200
    assert (published.json["version"], published.json["status"]) == (2, "published")
    assert picked(admin) == "two"
    deprecated = admin.post("/decision-definitions/pick/status", json={"status": "deprecated", "version": 2})
    assert deprecated.json["status"] == "deprecated"
    assert picked(admin) == "one"
    assert evaluated(admin).json["result"] == "one"
    audit = admin.get("/audit").json["items"]
    assert {"definition.published", "definition.deprecated"} <= {entry["action"] for entry in audit}


def test_a_status_the_route_does_not_know_is_a_400(admin):
    deploy(admin, pick_dmn=PICK)
    draft = admin.post("/decision-definitions/pick/status", json={"status": "draft"})
    assert draft.status_code == 400 and "status" in draft.json["message"]


def test_a_draft_version_is_evaluated_when_asked_for(admin):
    deploy(admin, pick_dmn=PICK)
    deploy(admin, publish=False, pick_dmn=PICK_V2)
    assert evaluated(admin).json["result"] == "one"  # the latest published
    assert evaluated(admin, version=2).json["result"] == "two"  # the draft, to test it
    assert evaluated(admin, version=1).json["result"] == "one"
    bad = admin.post("/decisions/pick/evaluate", json={}, query_string={"version": 0})
    assert bad.status_code == 400 and "version" in bad.json["message"]


def test_evaluating_an_unpublished_decision_says_which_versions_exist_in_what_status(admin):
    deploy(admin, publish=False, pick_dmn=PICK)
    draft = evaluated(admin)
    assert draft.status_code == 404
    assert "decision 'pick' has no published version (version 1 is draft)" in draft.json["message"]
    assert "?version=n" in draft.json["message"] and draft.json["details"]["versions"] == {"1": "draft"}
    assert evaluated(admin, version=1).json["result"] == "one"
    deploy(admin, pick_dmn=PICK_V2)
    admin.post("/decision-definitions/pick/status", json={"status": "deprecated"})
    deprecated = evaluated(admin).json
    assert "(version 1 is draft, version 2 is deprecated)" in deprecated["message"]
    nothing = admin.post("/decisions/nope/evaluate", json={})
    assert nothing.status_code == 404 and nothing.json["message"] == "decision 'nope' is not deployed"


def test_readers_read_decisions_and_only_modelers_change_their_status(admin, as_user):
    deploy(admin, pick_dmn=PICK)
    user = as_user(roles="user")
    assert user.get("/decision-definitions").json["total"] == 1
    assert user.get("/decision-definitions/pick").status_code == 200
    assert user.get("/decision-definitions/pick/xml").status_code == 200
    refused = user.post("/decision-definitions/pick/status", json={"status": "deprecated"})
    assert refused.status_code == 403 and "'publish'" in refused.json["message"]
    modeler = as_user(roles="modeler")
    changed = modeler.post("/decision-definitions/pick/status", json={"status": "deprecated"})
    assert changed.status_code == 200 and changed.json["status"] == "deprecated"
    assert as_user(roles="").get("/decision-definitions").status_code == 403
