"""Every scenario runs twice: in one server process, and as if each request went to a process that
never served the instance before (another gunicorn worker, a Celery worker, after a restart)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.process_caches import forget_process_caches

ONE_PROCESS, PROCESS_PER_REQUEST = "one process", "a fresh process per request"


@pytest.fixture(autouse=True, params=[ONE_PROCESS, PROCESS_PER_REQUEST])
def server_processes(request, monkeypatch):
    if request.param == PROCESS_PER_REQUEST:
        served = FlaskClient.open

        def open_in_a_fresh_process(self, *args, **kwargs):
            forget_process_caches()
            return served(self, *args, **kwargs)

        monkeypatch.setattr(FlaskClient, "open", open_in_a_fresh_process)
    return request.param
