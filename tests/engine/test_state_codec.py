"""The live-state converters write byte for byte what SpiffWorkflow's own converters write, and
read back what those wrote: states stored before (and after) the faster codec load either way."""

from __future__ import annotations

import json
from uuid import UUID

import pytest
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnSubWorkflowConverter, BpmnWorkflowConverter
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

from app.engine import state as live
from app.engine.runner import Runner
from app.engine.specs import build_registry
from tests.engine.engine_support import bundle, complete_first


class LibraryStateConverter(BpmnWorkflowConverter):
    """Baton's state converter as it was before the codec: the library's converters, minus specs."""

    def to_dict(self, workflow):
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct):
        workflow = self.target_class(dct.pop("spec"), dct.pop("subprocess_specs"), deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


LIBRARY = build_registry()
LibraryStateConverter(BpmnWorkflow, LIBRARY)
BpmnSubWorkflowConverter(BpmnSubWorkflow, LIBRARY)


def library_dump(workflow) -> str:
    LIBRARY._encoder_mode = True
    try:
        return json.dumps(LIBRARY.convert(workflow), separators=(",", ":"))
    finally:
        LIBRARY._encoder_mode = False


def library_load(state: str, b):
    dct = json.loads(state)
    dct["spec"], dct["subprocess_specs"] = b.spec, b.subprocess_specs
    return LIBRARY.restore(dct)


MODELS = [
    ("parallel_data", {"items": [1, {"a": [2]}], "decision": "none", "kept": 1}),
    ("back_edge_loop", {"visits": 0, "limit": 3}),
    ("camunda_mi", {"parts": [1, 2, 3]}),
    ("booking_by_hand", {}),  # a call activity: a sub-process in the state
    ("event_subprocesses", {}),
    ("nested_event_subprocess", {}),
]


def _states(name: str, variables: dict):
    """Every state a run of the model saves, start to end."""
    b = bundle(name)
    result = Runner.start(b, variables).result()
    states = [result.state]
    for _ in range(20):
        if not result.user_tasks:
            break
        result = complete_first(b, result, {"note": "é", "n": 1.5})
        states.append(result.state)
    return b, [s for s in states if s]


@pytest.mark.parametrize(("name", "variables"), MODELS)
def test_the_codec_writes_what_the_library_writes(name, variables):
    b, states = _states(name, variables)
    assert states
    for state in states:
        workflow = library_load(state, b)
        assert live.dump(workflow) == library_dump(workflow) == state


@pytest.mark.parametrize(("name", "variables"), MODELS)
def test_the_codec_reads_what_the_library_reads(name, variables):
    b, states = _states(name, variables)
    for state in states:
        ours = live.load(state, b.spec, b.subprocess_specs, None)
        theirs = library_load(state, b)
        assert library_dump(ours) == library_dump(theirs)
        for mine, other in zip(live.all_workflows(ours), live.all_workflows(theirs), strict=True):
            assert list(mine.tasks) == list(other.tasks)
            assert [t.data for t in mine.tasks.values()] == [t.data for t in other.tasks.values()]
            assert [(t._parent, t._children) for t in mine.tasks.values()] == [
                (t._parent, t._children) for t in other.tasks.values()
            ]
        assert [t.id for t in ours.event_manager.tasks.values()] == [
            t.id for t in theirs.event_manager.tasks.values()
        ]
