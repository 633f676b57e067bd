"""SLA figures on the embedded default (SQLite), which has no interval arithmetic."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from app.models import ProcessInstance, SlaClock
from app.models.base import utcnow
from app.services import identity
from tests.conftest import make_config


def test_resolution_times_are_hours_on_sqlite(tmp_path):
    app = create_app(make_config(f"sqlite:///{tmp_path / 'baton.db'}"))
    with app.app_context():
        upgrade()
        identity.create_user("ada", roles="admin")
        token = identity.create_token("ada", name="t")
        now, iid = utcnow(), uuid.uuid4()
        db.session.add(
            ProcessInstance(id=iid, definition_id=uuid.uuid4(), definition_key="k", definition_version=1,
                            status="completed", variables={}, active_elements=[])
        )  # fmt: skip
        db.session.add(
            SlaClock(instance_id=iid, tenant_id="default", definition_key="k", target_hours=8,
                     started_at=now - timedelta(hours=3), stopped_at=now, elapsed_hours=2.0)
        )  # fmt: skip
        db.session.execute(db.text("PRAGMA foreign_keys=OFF"))
        db.session.commit()
        reply = app.test_client().get(
            "/api/v1/sla/summary?group_by=definition", headers={"Authorization": f"Bearer {token}"}
        )
        db.engine.dispose()
    assert reply.status_code == 200, reply.json
    row = reply.json["items"][0]
    assert row["average_resolution_hours"] == 2.0
    assert abs(row["average_resolution_wall_clock_hours"] - 3.0) < 0.01
