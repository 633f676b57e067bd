"""Call activities as Camunda 7 and Zeebe pass variables between caller and called process.

- camunda:in / camunda:out (source, sourceExpression, variables="all"): when an element has any
  of them, only what they name crosses, in each direction (Camunda 7's rule); camunda:in
  businessKey is accepted and ignored (the child is part of the caller's instance here).
- zeebe:calledElement: the child sees every variable of the call activity (inputs included), or
  with propagateAllParentVariables="false" only its input mappings' variables;
  propagateAllChildVariables="false" returns only what the output mappings take.
- neither: SpiffWorkflow's behaviour (everything in, everything back).
The called process is zeebe:calledElement processId or the calledElement attribute.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.defaults import CallActivity
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow

from app.engine import expressions
from app.engine.bindings import Binding, resolve_key
from app.engine.data import copy_value
from app.engine.execution_facts import acting_on
from app.engine.expression_errors import ExpressionError
from app.engine.io_mapping import ABSENT, NS, local_names

CALLED = "baton_called"  # internal data of a call activity's task: the definition id it bound


def in_out_rows(node, kind: str) -> list[dict]:
    """The camunda:in (kind "in") or camunda:out rows of an element's extensionElements."""
    return [
        {k: m.get(k) for k in ("source", "sourceExpression", "target", "variables", "businessKey")}
        for m in node.xpath(f"./bpmn:extensionElements/camunda:{kind}", namespaces=NS)
    ]


def read_mappings(node) -> dict:
    zeebe = node.xpath("./bpmn:extensionElements/zeebe:calledElement", namespaces=NS)
    return {
        "in": in_out_rows(node, "in"),
        "out": in_out_rows(node, "out"),
        "zeebe": zeebe[0].get("propagateAllChildVariables", "true") != "false" if zeebe else None,
        "zeebe_in": zeebe[0].get("propagateAllParentVariables", "true") != "false" if zeebe else None,
    }


def called_element(node) -> str | None:
    zeebe = node.xpath("./bpmn:extensionElements/zeebe:calledElement", namespaces=NS)
    return node.get("calledElement") or (zeebe[0].get("processId") if zeebe else None)


def mapped(rows: list[dict], source: dict, task) -> dict:
    """The values camunda:in/out rows take from `source` (a failing expression fails `task`)."""
    out: dict = {}
    for row in rows:
        if row.get("variables") == "all":
            out.update(copy_value(source))
        elif row.get("sourceExpression") and row.get("target"):
            try:
                with acting_on(task):
                    out[row["target"]] = expressions.evaluate(row["sourceExpression"], source)
            except ExpressionError as exc:
                task.error()
                raise WorkflowTaskException(f"mapping to '{row['target']}' failed: {exc.message}", task=task)
        elif row.get("source") and row.get("target"):
            out[row["target"]] = copy_value(source.get(row["source"]))
    return out


class CalledSpecs(dict):
    """A workflow's sub-process specs: its own (embedded sub-processes) and those of the processes
    its call activities bound when they were reached (or, reloaded, the ones they bound then)."""

    def __init__(self, own: dict, bindings):
        super().__init__(own)
        self.bindings = bindings
        self.bound: dict = {}  # definition id -> ProcessBundle

    def __bool__(self) -> bool:
        return True  # BpmnWorkflow replaces a falsy mapping with a plain dict

    def bind(self, definition_id: str):
        """The spec of a bound definition; its own sub-processes join this workflow's."""
        bundle = self.bound.get(definition_id)
        if bundle is None:
            bundle = self.bound[definition_id] = self.bindings.bundle(definition_id)
            for name, spec in bundle.subprocess_specs.items():
                self.setdefault(name, spec)
        return bundle.spec


class BatonCallActivity(CallActivity):
    """A CallActivity whose variable passing follows the model's camunda:/zeebe: mappings, and whose
    called process is resolved by its binding when it is reached (app.engine.bindings)."""

    mappings: dict = {"in": [], "out": [], "zeebe": None}
    binding = Binding()

    def start_workflow(self, my_task):
        top = my_task.workflow.top_workflow
        specs = top.subprocess_specs
        if not isinstance(specs, CalledSpecs):
            return super().start_workflow(my_task)  # no server behind the engine: by name, as the library
        try:
            origin = getattr(my_task.workflow.spec, "baton_definition", None)
            key = resolve_key(self.spec, my_task.data, "process")
            definition_id = specs.bindings.process(key, self.binding, my_task.data, origin)
        except LookupError as exc:
            my_task.error()
            raise WorkflowTaskException(f"call activity '{self.bpmn_id}': {exc}", task=my_task)
        my_task.internal_data[CALLED] = definition_id
        my_task.internal_data.setdefault("baton_in", time.time())  # app.engine.state.ENTERED
        subworkflow = BpmnSubWorkflow(specs.bind(definition_id), parent_task_id=my_task.id, top_workflow=top)
        top.subprocesses[my_task.id] = subworkflow
        subworkflow.completed_event.connect(self._on_subworkflow_completed, my_task)
        self.copy_data(my_task, subworkflow)
        subworkflow.get_next_task(spec_name="Start").run()

    def _camunda(self) -> bool:
        return bool(self.mappings["in"] or self.mappings["out"])

    def copy_data(self, my_task, subworkflow):
        if self._camunda():
            given = mapped(self.mappings["in"], my_task.data, my_task)
        elif self.mappings.get("zeebe_in") is False:
            # propagateAllParentVariables="false": the child gets the input mappings' variables only
            names = local_names(my_task)
            given = {name: copy_value(my_task.data[name]) for name in names if name in my_task.data}
        else:
            return super().copy_data(my_task, subworkflow)
        start = subworkflow.get_next_task(subworkflow.task_tree, skip_subprocesses=True, spec_name="Start")
        start.set_data(**given)

    def update_data(self, my_task, subworkflow):
        child = subworkflow.last_task.data
        if self._camunda():
            my_task.data.update(mapped(self.mappings["out"], child, my_task))
        elif self.mappings["zeebe"] is False:
            if not getattr(self, "io_mapping", None):
                return
            # Child variables are visible to the output mappings only, then dropped with the inputs.
            new = [k for k in child if k not in my_task.data]
            my_task.internal_data[ABSENT] = sorted({*my_task.internal_data.get(ABSENT, []), *new})
            my_task.data.update(copy_value(child))
        else:
            super().update_data(my_task, subworkflow)


def own_element_ids(spec, subprocess_specs: dict) -> frozenset:
    """The element ids of a process's own model: its elements and its embedded sub-processes'."""
    ids, pending = set(), [spec]
    while pending:
        for task_spec in pending.pop().task_specs.values():
            ids.add(task_spec.bpmn_id)
            inner = getattr(task_spec, "spec", None)
            if isinstance(task_spec, SubWorkflowTask) and not isinstance(task_spec, BatonCallActivity):
                pending += [subprocess_specs[inner]] if inner in subprocess_specs else []
    return frozenset(ids - {None})


def calls_processes(spec, subprocess_specs: dict) -> bool:
    """Whether a process (or a sub-process of it) has a call activity."""
    specs = (spec, *subprocess_specs.values())
    return any(isinstance(t, BatonCallActivity) for p in specs for t in p.task_specs.values())


_CONTAINERS = ("callActivity", "subProcess")


class CalledElements(Mapping):
    """The element extensions of an instance: its definition's, then those of the processes its call
    activities bound. On a shared id the caller's element wins, unless it is only a container
    (Camunda's invoice names its call activity and the called user task both `reviewInvoice`)."""

    def __init__(self, own: dict, own_ids: frozenset, specs: CalledSpecs):
        # `own` also holds the elements of the processes it called when it was deployed: only
        # those of its own model (`own_ids`) come before what its calls bound.
        self.own, self.own_ids, self.specs = own, own_ids, specs

    def __getitem__(self, element_id: str) -> dict:
        mine = self.own.get(element_id)
        if element_id in self.own_ids and mine is not None and mine.get("type") not in _CONTAINERS:
            return mine
        for bundle in reversed(self.specs.bound.values()):  # the latest bound first
            found = bundle.elements.get(element_id)
            if found is not None:
                return found
        if mine is None:
            raise KeyError(element_id)
        return mine

    def __iter__(self):
        return iter({**{k: None for b in self.specs.bound.values() for k in b.elements}, **self.own})

    def __len__(self) -> int:
        return sum(1 for _ in self)
