"""The workflow converters of the live state: SpiffWorkflow's format, written and read faster.

The JSON is exactly what the library's converters write (tests compare the two byte for byte),
so every stored state loads either way. What differs is the work: the library reaches each task
through its generic registry and turns every task id to and from text three or four times (as a
key, as the task's id, as its parent's child, as its child's parent); here each id is converted
once per save or load, and each task's parent is looked up once.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnSubWorkflowConverter,
    BpmnWorkflowConverter,
    TaskConverter,
)
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

TASK = "Task"


class _FastTasks:
    """Save and load a workflow's task mapping; tasks of another converter go through the registry."""

    registry: Any  # the library converter this is mixed into sets it

    def tasks_to_dict(self, workflow) -> dict:
        tasks = workflow.tasks
        texts = {task_id: str(task_id) for task_id in tasks}
        out = {}
        for task_id, task in tasks.items():
            if self.registry.typenames.get(task.__class__) != TASK:
                out[texts[task_id]] = self.registry.convert(task)
                continue
            out[texts[task_id]] = self._task_to_dict(task, tasks.get(task._parent), texts)
        return out

    def _task_to_dict(self, task, parent, texts: dict) -> dict:
        data = task.data
        if parent is None:
            delta = {}
        else:
            before, data = parent.data, {}
            delta = {
                "updates": {k: v for k, v in task.data.items() if k not in before or v != before[k]},
                "deletions": [k for k in before if k not in task.data],
            }
        return {
            "id": texts[task.id],
            "parent": None if parent is None else texts.get(task._parent) or str(task._parent),
            "children": [texts.get(child) or str(child) for child in task._children],
            "last_state_change": task.last_state_change,
            "state": task._state,
            "task_spec": task.task_spec.name,
            "triggered": task.triggered,
            "internal_data": self.registry.convert(task.internal_data),
            "data": data,
            "delta": delta,
            "typename": TASK,
        }

    def tasks_from_dict(self, dct: dict, workflow) -> dict:
        ids = {text: UUID(text) for text in dct}
        tasks = workflow.tasks  # Task() adds itself here: a child's parent is found while loading
        for text, value in dct.items():
            if value.get("typename") == TASK:
                self._task_from_dict(value, workflow, ids)
            else:
                tasks[ids[text]] = self.registry.restore(value, workflow=workflow)
        return tasks

    def _task_from_dict(self, dct: dict, workflow, ids: dict) -> Task:
        def uuid(text):
            return ids.get(text) or UUID(text)

        spec = workflow.spec.task_specs.get(dct["task_spec"])
        task = Task(workflow, spec, state=dct["state"], id=uuid(dct["id"]))
        task._parent = uuid(dct["parent"]) if dct["parent"] is not None else None
        task._children = [uuid(child) for child in dct["children"]]
        task.last_state_change = dct["last_state_change"]
        task.triggered = dct["triggered"]
        task.internal_data = self.registry.restore(dct["internal_data"])
        if isinstance(spec, CatchingEvent) and task.has_state(TaskState.WAITING):
            workflow.top_workflow.event_manager.add_task(task)
        delta, parent = dct.get("delta"), task.parent
        if delta and parent is not None:
            data = DeepMerge.merge({}, parent.data)
            data.update(self.registry.restore(delta.get("updates", {})))
            for key in delta.get("deletions", ()):
                data.pop(key, None)
        else:
            data = self.registry.restore(dct["data"])
        task.data = data
        return task


class LiveStateConverter(_FastTasks, BpmnWorkflowConverter):
    """The workflow converter, minus the specs (they are supplied by the caller on restore)."""

    def to_dict(self, workflow):
        return {
            **self._workflow_to_dict(workflow),
            "subprocesses": self.mapping_to_dict(workflow.subprocesses),
            "bpmn_events": self.registry.convert(workflow.bpmn_events),
        }

    def from_dict(self, dct):
        workflow = self.target_class(dct.pop("spec"), dct.pop("subprocess_specs"), deserializing=True)
        workflow.tasks = self.tasks_from_dict(dct["tasks"], workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow

    def _workflow_to_dict(self, workflow) -> dict:
        """WorkflowConverter.to_dict, with the fast task mapping."""
        return {
            "data": self.registry.convert(self.registry.clean(workflow.data)),
            "correlations": workflow.correlations,
            "last_task": str(workflow.last_task.id) if workflow.last_task is not None else None,
            "success": workflow.success,
            "completed": workflow.completed,
            "tasks": self.tasks_to_dict(workflow),
            "root": str(workflow.task_tree.id),
        }


class LiveSubWorkflowConverter(_FastTasks, BpmnSubWorkflowConverter):
    """A sub-process's converter, with the fast task mapping."""

    def to_dict(self, workflow):
        dct = LiveStateConverter._workflow_to_dict(self, workflow)
        dct["parent_task_id"] = str(workflow.parent_task_id)
        dct["spec"] = workflow.spec.name
        return dct

    def from_dict(self, dct, task, top_workflow):
        spec = _called_spec(task, top_workflow.subprocess_specs)
        subprocess = self.target_class(spec, task.id, top_workflow, deserializing=True)
        subprocess.tasks = self.tasks_from_dict(dct["tasks"], subprocess)
        subprocess.task_tree = subprocess.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(subprocess, dct)
        return subprocess


def _called_spec(task, specs):
    """A sub-process's spec: a call activity's is the definition it bound when it was reached."""
    from app.engine.call_activity import CALLED, CalledSpecs

    called = task.internal_data.get(CALLED)
    if called is not None and isinstance(specs, CalledSpecs):
        return specs.bind(called)
    return specs.get(task.task_spec.spec)


def install(registry) -> None:
    """Register the live-state converters; they assume the registry's stock task converter."""
    task_to_dict = registry.convert_to_dict[TASK].args[1]
    assert type(task_to_dict.__self__) is TaskConverter, "the fast task mapping writes TaskConverter's format"
    LiveStateConverter(BpmnWorkflow, registry)
    LiveSubWorkflowConverter(BpmnSubWorkflow, registry)
