"""Input/output mappings as Camunda models them: camunda:inputOutput and zeebe:ioMapping.

Where they run (the least invasive place that is correct for every task type): each task spec's
own SpiffWorkflow events, connected once when the spec is parsed (no subclass per task type).

- `update_event` (emitted when a task inherits its parent's data, before it becomes READY or
  starts a call activity): inputs are evaluated and written to the task's data, so the task,
  its form, its service handler and a called process see them. What they shadowed is remembered.
- `completed_event` (emitted in `_on_complete_hook`, before the next tasks copy the data):
  outputs are evaluated against the task's data (inputs included), the inputs are removed (the
  shadowed values come back: inputs are local), then the outputs are written to the process.

Everything else the task sets (a form's fields, a handler's result) flows on as before, except
under Zeebe output mappings: there, as in Camunda 8, what the task set (a job's result, a
completion's or message's variables) is local to the element and only the outputs reach the
process, so the process's variables are taken back as they were when the task began.
A mapping that fails marks the task failed and raises, so the instance gets an incident naming
the element and the expression.

A Zeebe input sees the inputs listed before it (Zeebe reads them as one FEEL context); a
Camunda 7 input parameter is evaluated outside the element, so it sees none of them.

Value forms: Camunda 7 text (`${...}` JUEL, a composite `Hello ${name}`, or a constant string),
camunda:list / camunda:map (nested), and an empty parameter (null); Zeebe `=FEEL` sources (a
source without `=` is a static string) with dotted targets (`order.id`) building nested objects.
camunda:script parameters are not run (a deploy warning says so) and map to null.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.util.task import TaskState

from app.engine import expressions
from app.engine.data import copy_value
from app.engine.execution_facts import acting_on
from app.engine.expression_errors import ExpressionError

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "camunda": "http://camunda.org/schema/1.0/bpmn",
    "zeebe": "http://camunda.org/schema/zeebe/1.0",
}
CAM = "{" + NS["camunda"] + "}"
SHADOW, ABSENT = "baton_io_shadow", "baton_io_absent"
BEFORE = "baton_io_before"  # the process's variables when a task with Zeebe outputs began
LOCALS = "baton_io_locals"  # the inputs' local variables as the task completed with them


# --- reading ------------------------------------------------------------------------------------
def value_tree(node) -> tuple:
    """A camunda parameter/value/entry node as a tagged tree: text, list, map, script or null."""
    for child in node:
        if child.tag == CAM + "list":
            return ("list", [value_tree(v) for v in child if v.tag == CAM + "value"])
        if child.tag == CAM + "map":
            return ("map", [(e.get("key"), value_tree(e)) for e in child if e.tag == CAM + "entry"])
        if child.tag == CAM + "script":
            return ("script", child.get("scriptFormat") or "unknown")
    text = (node.text or "").strip()
    return ("text", text) if text else ("null",)


def read(node) -> dict | None:
    """The element's mappings: {"inputs": [(target, value)], "outputs": [...]} or None."""
    base = "./bpmn:extensionElements/camunda:inputOutput/camunda:"
    inputs = [(p.get("name"), value_tree(p)) for p in node.xpath(base + "inputParameter", namespaces=NS)]
    outputs = [(p.get("name"), value_tree(p)) for p in node.xpath(base + "outputParameter", namespaces=NS)]
    zbase = "./bpmn:extensionElements/zeebe:ioMapping/zeebe:"
    inputs += [
        (m.get("target"), ("zeebe", m.get("source") or ""))
        for m in node.xpath(zbase + "input", namespaces=NS)
    ]
    outputs += [
        (m.get("target"), ("zeebe", m.get("source") or ""))
        for m in node.xpath(zbase + "output", namespaces=NS)
    ]
    return {"inputs": inputs, "outputs": outputs} if inputs or outputs else None


def expressions_in(value: tuple) -> list[str]:
    """Every expression text inside a value tree (for deploy-time checks)."""
    kind = value[0]
    if kind == "text" and ("${" in value[1] or "#{" in value[1] or value[1].startswith("=")):
        return [value[1]]
    if kind == "zeebe" and value[1].strip().startswith("="):
        return [value[1]]
    if kind == "list":
        return [e for v in value[1] for e in expressions_in(v)]
    if kind == "map":
        return [e for _, v in value[1] for e in expressions_in(v)]
    return []


# --- evaluating ---------------------------------------------------------------------------------
def evaluate(value: tuple, context: dict) -> Any:
    kind = value[0]
    if kind == "text":
        text = value[1]
        if "${" in text or "#{" in text:
            from app.engine import juel

            return juel.evaluate(text, context)  # a composite `Hello ${name}` is JUEL text too
        return expressions.evaluate(text, context) if text.startswith("=") else text
    if kind == "zeebe":
        source = value[1].strip()
        return expressions.evaluate(source, context) if source.startswith("=") else source
    if kind == "list":
        return [evaluate(v, context) for v in value[1]]
    if kind == "map":
        return {k: evaluate(v, context) for k, v in value[1]}
    return None


def set_path(data: dict, target: str, value: Any) -> None:
    """`a.b.c` writes data["a"]["b"]["c"], creating objects on the way (Zeebe targets)."""
    *parents, last = target.split(".")
    node = data
    for name in parents:
        if not isinstance(node.get(name), dict):
            node[name] = {}
        node = node[name]
    node[last] = value


def _layer(context: dict, target: str, value: Any) -> None:
    """set_path on `context` copying each object on the way, so the task's data stays as it was."""
    *parents, last = target.split(".")
    node = context
    for name in parents:
        child = node.get(name)
        node[name] = dict(child) if isinstance(child, dict) else {}
        node = node[name]
    node[last] = value


def _fail(task, what: str, target: str, value: tuple, exc: Exception):
    text = value[1] if len(value) > 1 and isinstance(value[1], str) else ""
    message = getattr(exc, "message", str(exc))
    task.error()
    return WorkflowTaskException(f"{what} mapping '{target}' ({text}) failed: {message}", task=task)


def _mapped(task, what: str, target: str, value: tuple, context: dict) -> Any:
    try:
        return evaluate(value, context)
    except (ExpressionError, TypeError, ValueError) as exc:
        raise _fail(task, what, target, value, exc)


# --- the hooks ----------------------------------------------------------------------------------
def apply_inputs(mapping: dict, task) -> None:
    """Evaluate the inputs into the task's data; remember what they shadow (first time only)."""
    context = dict(task.data)
    values: dict = {}
    with acting_on(task):
        for target, value in mapping["inputs"]:
            values[target] = _mapped(task, "input", target, value, context)
            if value[0] == "zeebe":
                # Zeebe reads its inputs as one FEEL context, {x: 5, y: x * 2}: each sees those
                # before it. Camunda 7 evaluates every input parameter outside the element: none does.
                _layer(context, target, values[target])
    if SHADOW not in task.internal_data:
        roots = {t.split(".")[0] for t in values}
        task.internal_data[SHADOW] = {k: copy_value(task.data[k]) for k in roots if k in task.data}
        task.internal_data[ABSENT] = sorted(k for k in roots if k not in task.data)
    for target, result in values.items():
        set_path(task.data, target, copy_value(result))


def apply_outputs(mapping: dict, task) -> None:
    """Evaluate outputs in the task's scope, drop the local inputs, write outputs to the process."""
    context = dict(task.data)
    with acting_on(task):
        values = {
            target: _mapped(task, "output", target, value, context) for target, value in mapping["outputs"]
        }
    roots = local_names(task)
    if roots:
        task.internal_data[LOCALS] = {name: copy_value(context[name]) for name in roots if name in context}
    for name in task.internal_data.pop(ABSENT, []):
        task.data.pop(name, None)
    task.data.update(task.internal_data.pop(SHADOW, {}))
    if BEFORE in task.internal_data:
        task.data.clear()
        task.data.update(task.internal_data.pop(BEFORE))
    for target, result in values.items():
        set_path(task.data, target, copy_value(result))


def local_names(task) -> list[str]:
    """The names the task's input mappings made local (new ones, and ones shadowing a variable)."""
    return [*task.internal_data.get(ABSENT, []), *task.internal_data.get(SHADOW, {})]


def completed_scope(task) -> dict:
    """What an expression evaluated as `task` completes sees, as Zeebe evaluates a multi-instance
    outputElement in the inner instance's scope: its input mappings' local variables (the
    completion's value when it set one of them) over the variables it gives back."""
    return {**task.data, **task.internal_data.get(LOCALS, {})}


def rebase(task, data: dict) -> None:
    """Under Zeebe outputs, the process's variables the task gives back are `data`: an event
    subprocess's start event began to listen long before it fires, and the process moved on."""
    if BEFORE in task.internal_data:
        task.internal_data[BEFORE] = {k: copy_value(v) for k, v in data.items()}


def process_view(task) -> dict:
    """The task's data as its process sees it: the task's local inputs out, what they shadowed back."""
    absent, shadow = task.internal_data.get(ABSENT), task.internal_data.get(SHADOW)
    if not absent and not shadow:
        return task.data
    data = {name: value for name, value in task.data.items() if name not in (absent or ())}
    data.update(shadow or {})
    return data


def attach(spec, mapping: dict | None) -> None:
    """Connect `mapping` to a task spec's events (once per parsed spec)."""
    if not mapping:
        return
    spec.io_mapping = mapping

    zeebe_outputs = any(value[0] == "zeebe" for _, value in mapping["outputs"])

    def on_update(workflow, task):
        if task.state != TaskState.COMPLETED:
            if zeebe_outputs and BEFORE not in task.internal_data:
                task.internal_data[BEFORE] = {k: copy_value(v) for k, v in task.data.items()}
            apply_inputs(mapping, task)

    def on_complete(workflow, task):
        apply_outputs(mapping, task)

    if mapping["inputs"] or zeebe_outputs:
        spec.update_event.connect(on_update)
    if mapping["inputs"] or mapping["outputs"]:
        spec.completed_event.connect(on_complete)
