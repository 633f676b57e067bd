"""POST /api/v1/deployments takes what Camunda 7's /deployment/create takes, as Camunda Modeler's
deploy dialog sends it: files under any part name, deployment-name, deployment-source and the rest."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from app.models import Deployment
from tests.conftest import DATA

TWO_STEPS = (DATA / "simple" / "two_steps.bpmn").read_bytes()
RISK = (DATA / "security" / "risk.dmn").read_bytes()


def upload(api, data: dict, **kw):
    return api.client.post(
        "/api/v1/deployments",
        data=data,
        headers=api._headers(),
        content_type=kw.pop("content_type", "multipart/form-data"),
        **kw,
    )


def _deployments(db_session) -> int:
    return db_session.execute(select(func.count()).select_from(Deployment)).scalar_one()


def test_camunda_modelers_deploy_form_is_taken(admin):
    # Modeler names each file's part after the file, and adds its own text parts.
    response = upload(
        admin,
        {
            "deployment-name": "invoice",
            "deployment-source": "Camunda Modeler",
            "deploy-changed-only": "true",
            "enable-duplicate-filtering": "true",
            "tenant-id": "default",
            "two_steps.bpmn": (io.BytesIO(TWO_STEPS), "two_steps.bpmn"),
            "risk.dmn": (io.BytesIO(RISK), "risk.dmn"),
        },
    )
    assert response.status_code == 201, response.json
    assert response.json["name"] == "invoice"
    assert sorted(d["key"] for d in response.json["definitions"]) == ["risk", "two_steps"]
    assert admin.post("/process-definitions/two_steps/instances", json={}).status_code == 201


def test_a_file_sent_as_a_text_part_named_like_a_file_is_deployed(admin):
    # What a client sends when it appends the XML as a string: Camunda names the resource by the part.
    response = upload(admin, {"data.bpmn": TWO_STEPS.decode(), "name": "as text"})
    assert response.status_code == 201, response.json
    assert response.json["definitions"][0]["key"] == "two_steps"


def test_files_part_and_name_still_work(admin):
    response = admin.deploy(DATA / "simple" / "two_steps.bpmn", name="ours")
    assert response.status_code == 201 and response.json["name"] == "ours"


def test_an_upload_without_a_file_says_how_to_send_one(admin, db_session):
    for data in ({"deployment-name": "empty"}, {"files": (io.BytesIO(b""), "")}):
        response = upload(admin, data)
        assert response.status_code == 400, response.json
        assert "at least one file" in response.json["message"]
        assert (
            "multipart/form-data" in response.json["message"] and "any part name" in response.json["message"]
        )
    assert _deployments(db_session) == 0


def test_a_json_body_is_a_415_saying_how_to_upload(admin):
    response = admin.post("/deployments", json={"files": ["two_steps.bpmn"]})
    assert response.status_code == 415
    assert (
        "multipart/form-data" in response.json["message"] and "application/json" in response.json["message"]
    )


def test_an_unknown_text_part_is_a_400_naming_it_and_what_was_meant(admin, db_session):
    response = upload(admin, {"deploymnet-name": "x", "files": (io.BytesIO(TWO_STEPS), "two_steps.bpmn")})
    assert response.status_code == 400
    assert (
        "unknown form field 'deploymnet-name' (did you mean 'deployment-name'?)" in response.json["message"]
    )
    assert _deployments(db_session) == 0


def test_another_tenant_id_is_refused(admin, db_session):
    response = upload(admin, {"tenant-id": "acme", "files": (io.BytesIO(TWO_STEPS), "two_steps.bpmn")})
    assert response.status_code == 400 and "tenant-id 'acme'" in response.json["message"]
    assert _deployments(db_session) == 0


def test_a_publish_value_that_is_not_a_boolean_is_refused(admin):
    response = upload(admin, {"publish": "perhaps", "files": (io.BytesIO(TWO_STEPS), "two_steps.bpmn")})
    assert response.status_code == 400 and "publish" in response.json["message"]


def test_a_file_over_the_limit_is_refused_under_any_part_name(app, admin, db_session, monkeypatch):
    monkeypatch.setattr(app.config["BATON"], "MAX_UPLOAD_BYTES", 4000)
    padded = TWO_STEPS + b"<!--" + b"x" * 4000 + b"-->"
    for data in ({"model": (io.BytesIO(padded), "big.bpmn")}, {"big.bpmn": padded.decode()}):
        response = upload(admin, data)
        assert response.status_code == 400 and "over the limit of 4000 bytes" in response.json["message"]
    assert _deployments(db_session) == 0


def test_too_many_parts_are_refused(admin, db_session):
    parts = {f"f{i}.bpmn": (io.BytesIO(b"<x/>"), f"f{i}.bpmn") for i in range(1001)}
    response = upload(admin, parts)
    assert response.status_code == 413
    assert _deployments(db_session) == 0
