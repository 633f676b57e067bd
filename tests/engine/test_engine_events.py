"""BPMN events the raw library gets wrong: link events (event subprocesses and compensation: see
the hardening issue, not yet covered here)."""

from __future__ import annotations

import pytest

from app.engine.errors import ModelError
from app.engine.parser import parse_deployment
from app.engine.runner import Runner
from tests.engine.engine_support import ENGINE_DATA, bundle, complete_first, raw_library, raw_workflow


def test_a_link_throw_event_continues_at_its_catch_event():
    b = bundle("link_events")
    result = Runner.start(b, {}).result()
    assert result.status == "waiting" and result.active_elements == ["after"]
    assert [h.element_id for h in result.history] == ["start", "before", "go_to_page_2", "from_page_1"]
    assert complete_first(b, result).status == "completed"


def test_raw_library_skips_the_path_after_a_link_silently():
    with raw_library():
        workflow = raw_workflow("link_events")
    assert workflow.is_completed()
    assert not [t for t in workflow.tasks.values() if t.task_spec.bpmn_id == "after"]


def test_a_link_without_a_catch_event_is_refused_at_deploy_time():
    text = (
        (ENGINE_DATA / "link_events.bpmn").read_text().replace('id="l2" name="page2"', 'id="l2" name="other"')
    )
    with pytest.raises(ModelError, match="link event 'page2' has no catch event"):
        parse_deployment({"broken_link.bpmn": text.encode()})
