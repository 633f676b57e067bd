"""Multi-instance activities as Camunda 7 and Zeebe model them.

SpiffWorkflow 3.2's Camunda parser reads camunda:collection as a variable name only, evaluates
loopCardinality as Python, rewrites the shared spec on first run, and gives a completion
condition none of the counters Camunda models use. Baton's version:

- the items: camunda:collection (`${expr}`, `=FEEL` or a variable name), zeebe inputCollection,
  or loopCardinality (any dialect) giving 0..n-1; evaluated once when the activity starts and
  kept in the activity's internal data (the spec is never changed);
- each instance gets camunda:elementVariable / zeebe inputElement and `loopCounter` as local
  variables (removed when it completes; everything else it sets reaches the process); the first
  instance's loopCounter is 0 in Camunda 7 and 1 in Zeebe, as each engine counts;
- zeebe outputElement is evaluated in each instance, its input mappings' local variables
  included as in Zeebe's inner instance scope, and stored at its index in outputCollection;
- completionCondition sees Camunda 7's nrOfInstances, nrOfCompletedInstances, nrOfActiveInstances
  and Zeebe's numberOfInstances, numberOfCompletedInstances, numberOfActiveInstances,
  numberOfTerminatedInstances (always 0: an instance is only withdrawn when the activity ends);
  a Camunda 8 model's `=FEEL` condition must give true or false, as in Zeebe (a null from a
  misspelt variable failed nothing and the activity waited for every instance);
- parallel instances share the process's variables as in Camunda: when one completes, the others
  that have not changed a variable since they started see its new value. Each instance starts
  with a copy of the data, so without this a counter kept by output mappings
  (`approvals = ${approved ? approvals + 1 : approvals}`) would count 1 each time and the last
  instance to finish would write its stale copy back over the others' votes.
"""

from __future__ import annotations

import hashlib
import json

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.bpmn.specs.data_spec import TaskDataReference
from SpiffWorkflow.bpmn.specs.defaults import ParallelMultiInstanceTask, SequentialMultiInstanceTask
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.util.task import TaskState

from app.engine import expressions, io_mapping
from app.engine.compensation_records import LOCALS
from app.engine.data import copy_value
from app.engine.execution_facts import acting_on
from app.engine.expression_errors import ExpressionError
from app.engine.zeebe_conditions import for_camunda_8, zeebe_type

ITEMS = "baton_items"
SEEN = "baton_seen"  # per parallel instance: a digest of each variable as the instance last saw it
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "camunda": "http://camunda.org/schema/1.0/bpmn",
    "zeebe": "http://camunda.org/schema/zeebe/1.0",
}
CAM = "{" + NS["camunda"] + "}"


class _ItemsRef:
    """The data input the library iterates: the items evaluated when the activity started."""

    bpmn_id = ITEMS

    def exists(self, task):
        return ITEMS in task.internal_data

    def get(self, task):
        return task.internal_data[ITEMS]


def outside_instance(task, data: dict) -> dict:
    """`data` of `task` without what it holds as an instance of a multi-instance activity
    (`loopCounter`, the element variable): as the activity around it has them, else not at all."""
    body = task.parent
    spec = body.task_spec if body is not None else None
    if not isinstance(spec, BatonMultiInstanceMixin):
        return data
    data = dict(data)
    for name in ("loopCounter", spec.element_variable):
        if name in body.data:
            data[name] = body.data[name]
        else:
            data.pop(name or "", None)
    return data


class BatonMultiInstanceMixin:
    collection = element_variable = output_collection = output_element = loop_cardinality = None
    strict_condition = False  # a Camunda 8 model's: true or false, else the completion fails
    first_counter = 0  # loopCounter of the first instance: 0 in Camunda 7, 1 in Zeebe

    def _items(self, my_task) -> list:
        data = my_task.data
        try:
            with acting_on(my_task):
                value = self._evaluate_items(data)
        except (ExpressionError, TypeError, ValueError) as exc:
            my_task.error()
            raise WorkflowTaskException(f"multi-instance items failed: {exc}", task=my_task)
        if isinstance(value, dict):
            value = list(value.values())
        if not isinstance(value, list):
            my_task.error()
            what = self.collection or self.loop_cardinality
            raise WorkflowTaskException(
                f"multi-instance collection '{what}' is not a list: {value!r}", task=my_task
            )
        return value

    def _evaluate_items(self, data: dict):
        if self.collection is not None:
            text = self.collection.strip()
            return expressions.evaluate(text, data) if _is_expression(text) else data.get(text)
        return list(range(int(expressions.evaluate(str(self.loop_cardinality).strip(), data))))

    def _update_hook(self, my_task):
        if ITEMS not in my_task.internal_data:
            my_task._inherit_data()
            my_task.internal_data[ITEMS] = self._items(my_task)
            if self.output_collection:
                my_task.data[self.output_collection] = [None] * len(my_task.internal_data[ITEMS])
        return super()._update_hook(my_task)

    def create_child(self, my_task, item, key_or_index=None):
        task_spec = my_task.workflow.spec.task_specs[self.task_spec]
        if not task_spec.completed_event.is_connected(self.merge_child):
            task_spec.completed_event.connect(self.merge_child)
        child = my_task._add_child(task_spec, TaskState.WAITING)
        child.triggered = True
        index = key_or_index if isinstance(key_or_index, int) else len(my_task.children) - 1
        child.internal_data["key_or_index"] = index
        child.data["loopCounter"] = index + self.first_counter
        if self.element_variable:
            child.data[self.element_variable] = copy_value(item)
        child.task_spec._update(child)
        if not isinstance(self, SequentialMultiInstanceTask):
            child.internal_data[SEEN] = {k: _digest(v) for k, v in child.data.items()}

    def merge_child(self, workflow, child):
        my_task = child.parent
        if self.output_collection and self.output_element:
            try:
                with acting_on(child):
                    value = expressions.evaluate(self.output_element, io_mapping.completed_scope(child))
            except ExpressionError as exc:
                raise WorkflowTaskException(f"outputElement failed: {exc.message}", task=child)
            outputs = my_task.data.setdefault(self.output_collection, [])
            index = child.internal_data.get("key_or_index", len(outputs))
            outputs.extend([None] * (index + 1 - len(outputs)))
            outputs[index] = value
        # Its locals leave the data, but a compensation handler of this instance needs them.
        names = ("loopCounter", self.element_variable)
        child.internal_data[LOCALS] = {name: child.data.pop(name) for name in names if name in child.data}
        child.data.pop(self.output_collection or "", None)
        written = _written(child)
        result = super().merge_child(workflow, child)
        _share(my_task, child, written)
        return result

    def check_completion_condition(self, my_task):
        if not self.condition or not my_task.internal_data.get("merged"):
            return False
        total = len(my_task.internal_data.get(ITEMS, []))
        done = len(my_task.internal_data["merged"])
        active = 1 if isinstance(self, SequentialMultiInstanceTask) and done < total else total - done
        counters = {"nrOfInstances": total, "nrOfCompletedInstances": done, "nrOfActiveInstances": active}
        counters |= {
            "numberOfInstances": total,
            "numberOfCompletedInstances": done,
            "numberOfActiveInstances": active,
            "numberOfTerminatedInstances": 0,
        }
        result = my_task.workflow.script_engine.evaluate(my_task, self.condition, counters)
        if self.strict_condition and type(result) is not bool:  # Zeebe raises an incident here
            raise WorkflowTaskException(
                f"completion condition of '{self.bpmn_id}': expected result of the expression "
                f"'{self.condition}' to be 'BOOLEAN', but was '{zeebe_type(result)}'",
                task=my_task,
            )
        return bool(result)


def _digest(value) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _written(child) -> list[str]:
    """The variables a parallel instance changed since it started (or last saw a sibling's write)."""
    seen = child.internal_data.get(SEEN)
    if seen is None:
        return []
    return [k for k, v in child.data.items() if k in seen and seen[k] != _digest(v)]


def _share(my_task, child, written: list[str]) -> None:
    """Give the still running siblings the variables `child` wrote, unless they changed them too."""
    for sibling in my_task.children:
        seen = sibling.internal_data.get(SEEN)
        if sibling is child or seen is None or sibling.state >= TaskState.COMPLETED:
            continue
        for key in written:
            if key in seen and key in my_task.data and seen[key] == _digest(sibling.data.get(key)):
                sibling.data[key] = copy_value(my_task.data[key])
                seen[key] = _digest(sibling.data[key])


def _is_expression(text: str) -> bool:
    return expressions.dialect_of(text) in ("juel", "feel")


class BatonSequentialMultiInstance(BatonMultiInstanceMixin, SequentialMultiInstanceTask):
    pass


class BatonParallelMultiInstance(BatonMultiInstanceMixin, ParallelMultiInstanceTask):
    pass


def loop_settings(parser, loop) -> dict | None:
    """Camunda/Zeebe multi-instance settings of a loop element, or None for standard BPMN data refs."""
    zeebe = loop.xpath("./bpmn:extensionElements/zeebe:loopCharacteristics", namespaces=NS)
    cardinality = loop.xpath("./bpmn:loopCardinality", namespaces=NS)
    condition = loop.xpath("./bpmn:completionCondition", namespaces=NS)
    settings = {
        "collection": loop.get(CAM + "collection"),
        "element_variable": loop.get(CAM + "elementVariable"),
        "loop_cardinality": (cardinality[0].text or "").strip() if cardinality else None,
        "condition": (condition[0].text or "").strip() if condition else None,
    }
    if zeebe:
        z = zeebe[0]
        settings.update(
            collection=z.get("inputCollection"),
            element_variable=z.get("inputElement"),
            output_collection=z.get("outputCollection"),
            output_element=z.get("outputElement"),
        )
    if settings["collection"] is None and settings["loop_cardinality"] is None:
        return None
    settings["strict_condition"] = (settings["condition"] or "").startswith("=") and for_camunda_8(loop)
    settings["first_counter"] = 1 if zeebe or for_camunda_8(loop) else 0
    return settings


def add_multi_instance(parser: TaskParser, loop) -> None:
    """The parser side: replace the parsed task with a Baton multi-instance wrapping it."""
    settings = loop_settings(parser, loop)
    if settings is None:
        # Standard BPMN (loopDataInputRef / inputDataItem): the library's own implementation.
        return TaskParser._add_multiinstance_task(parser, loop)
    original = parser.spec.task_specs.pop(parser.task.name)
    cls = BatonSequentialMultiInstance if loop.get("isSequential") == "true" else BatonParallelMultiInstance
    parser.task = cls(
        parser.spec,
        original.name,
        task_spec="",
        data_input=_ItemsRef(),
        input_item=TaskDataReference(settings["element_variable"]) if settings["element_variable"] else None,
        condition=settings.pop("condition") or None,
        description="Multi-instance",
    )
    for key, value in settings.items():
        setattr(parser.task, key, value)
    parser._copy_task_attrs(original, loop)


def connect_loop_children(*specs) -> None:
    """Let each loop (multi-instance or standard loop) hear its instances complete.

    The library connects a loop's child spec to the loop when it deserializes a spec, or when the
    loop creates a child. A spec parsed from BPMN, in a process that then loads an instance already
    inside the loop, had neither: the instance completed unheard and a sequential approval chain
    stopped after its first approver whenever the next request went to another server process.
    """
    for spec in specs:
        for task_spec in spec.task_specs.values():
            child = spec.task_specs.get(task_spec.task_spec) if isinstance(task_spec, LoopTask) else None
            if child is not None and not child.completed_event.is_connected(task_spec.merge_child):
                child.completed_event.connect(task_spec.merge_child)
