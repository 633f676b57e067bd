"""The minutely SLA check and a step on the same instance, with real commits: a warning or a breach
is recorded once, by whichever of the two holds the instance."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest
from sqlalchemy.engine import make_url

from app.extensions import db
from app.models import SlaClock
from app.services import sla
from tests.conftest import COMMITS_DB_URL
from tests.scenarios.flow import deploy, start

pytestmark = pytest.mark.commits


def _step_holding(instance_id: str) -> psycopg.Connection:
    """Another connection that holds the instance's row as a step does, until it is closed."""
    url = make_url(COMMITS_DB_URL).set(drivername="postgresql").render_as_string(False)
    step = psycopg.connect(url)
    step.execute("SELECT id FROM process_instances WHERE id = %s FOR UPDATE", (instance_id,))
    return step


def test_the_check_leaves_an_instance_in_a_step_to_that_step_and_records_each_crossing_once(
    committed_admin, committed_app
):
    deploy(committed_admin, "incident_management.bpmn")  # slaHours 8, wall-clock
    iid = start(committed_admin, "incident_management", summary="mail down")
    with committed_app.app_context():
        clock = db.session.get(SlaClock, iid)
        clock.started_at -= timedelta(hours=9)
        db.session.commit()
        step = _step_holding(iid)
        try:
            assert sla.check_open_clocks() == 0  # the step holds it (and checks the clock itself)
        finally:
            step.close()
        assert sla.check_open_clocks() == 1
        assert sla.check_open_clocks() == 0
    events = committed_admin.get(f"/instances/{iid}/sla").json["events"]
    assert [e["kind"] for e in events] == ["started", "warning", "breached"]
