"""The script engine SpiffWorkflow calls for every condition, script, timer and decision.

Each sees what the task sees (app.engine.scope.task_variables): with what parallel branches that
ended at their own end events set, for the names its own branch did not change since the split.
Those values are read, not copied into the branch: a script that leaves one unchanged leaves the
branch's data as it was (what it changes is its own), so the saved state does not grow with them.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine

from app.engine import execution_facts, expressions
from app.engine.data import copy_value
from app.engine.expression_errors import ExpressionError

RUNNABLE_SCRIPTS = ("", "python", "feel")


class BatonScriptEngine(PythonScriptEngine):
    """Routes each expression to its dialect; nothing here calls Python's eval or exec."""

    def __init__(self, bindings=None):
        super().__init__()
        self.bindings = bindings  # resolves decisions and called processes (app.engine.bindings)

    def validate(self, expression):
        expressions.check(expression)

    def evaluate(self, task, expression, external_context=None):
        context = {**_seen(task), **(external_context or {})}
        try:
            with execution_facts.acting_on(task):  # (a check after the step too: conditional events)
                return expressions.evaluate(expression, context)
        except ExpressionError as exc:
            raise WorkflowTaskException(f"expression '{expression}' failed: {exc.message}", task=task)

    def execute(self, task, script, external_context=None):
        script_format = getattr(task.task_spec, "script_format", None)
        if (script_format or "python").lower() not in RUNNABLE_SCRIPTS:
            # Read as Python, a JavaScript body failed as "invalid syntax": say what is wrong.
            message = f"{script_format} scripts are not supported (Baton runs Python and FEEL scripts)"
            raise WorkflowTaskException(f"script task '{task.task_spec.bpmn_id}': {message}", task=task)
        seen = _seen(task)
        if (script_format or "").lower() == "feel":
            return _run_feel(task, script, {**seen, **(external_context or {})})
        shown = {k: copy_value(v) for k, v in seen.items() if k not in task.data or task.data[k] is not v}
        context = {**seen, **(external_context or {})}
        try:
            result = expressions.run_script(script, context, script_format)
        except ExpressionError as exc:
            raise WorkflowTaskException(f"script failed: {exc.message}", task=task)
        for key in external_context or {}:
            result.pop(key, None)
        _unshow(result, shown, task.data)
        task.data.clear()
        task.data.update(result)
        return True

    def evaluate_decision(self, task, decision_ref: str, map_mode: str | None, binding=None):
        from app.engine import dmn, feel
        from app.engine.bindings import Binding, resolve_key

        if self.bindings is None:
            raise WorkflowTaskException("no decisions are available to this process", task=task)
        try:
            origin = getattr(task.workflow.spec, "baton_definition", None)
            seen = _seen(task)
            decision_ref = resolve_key(decision_ref, seen, "decision")
            model = self.bindings.decision(decision_ref, binding or Binding(), seen, origin)
            if map_mode:
                rows = model.evaluate_rows(decision_ref, seen)
                return feel.to_json_value(dmn.map_decision_result(rows, map_mode))
            return feel.to_json_value(model.evaluate(decision_ref, seen))
        except dmn.DmnEvaluationError as exc:
            # Name the decision once; a required decision that failed is named after it.
            same = exc.decision_id in (None, decision_ref)
            raise WorkflowTaskException(
                f"decision '{decision_ref}' failed: {exc.message if same else exc}", task=task
            )
        except (ExpressionError, LookupError) as exc:
            raise WorkflowTaskException(f"decision '{decision_ref}' failed: {exc}", task=task)


def _run_feel(task, script: str, context: dict) -> bool:
    """A FEEL script gives one value, kept under its result variable (zeebe:script resultVariable,
    camunda:resultVariable); unlike a Python script it sets no other variable, so the task's
    variables stay as they were."""
    try:
        value = expressions.run_script(script, context, "feel")["result"]
    except ExpressionError as exc:
        raise WorkflowTaskException(f"script failed: {exc.message}", task=task)
    name = getattr(task.task_spec, "result_variable", None)
    if name:
        task.data[name] = value
    return True


def _seen(task) -> dict:
    from app.engine.scope import task_variables  # (scope reads the live tree, which runs scripts)

    return task_variables(task)


def _unshow(result: dict, shown: dict, own: dict) -> None:
    """What an ended branch showed the script and it left as it was goes back to the branch's own
    value (or away): the branch keeps only what it set, and the end join still holds the rest."""
    for key, value in shown.items():
        if key in result and result[key] == value:
            if key in own:
                result[key] = own[key]
            else:
                del result[key]
