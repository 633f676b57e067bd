"""Call activities as Camunda 7 and Zeebe pass variables between caller and called process.

- camunda:in / camunda:out (source, sourceExpression, variables="all"): when an element has any
  of them, only what they name crosses, in each direction (Camunda 7's rule); camunda:in
  businessKey is accepted and ignored (the child is part of the caller's instance here).
- zeebe:calledElement: the child sees every variable of the call activity (inputs included);
  propagateAllChildVariables="false" returns only what the output mappings take.
- neither: SpiffWorkflow's behaviour (everything in, everything back).
The called process is zeebe:calledElement processId or the calledElement attribute.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.defaults import CallActivity

from app.engine import expressions
from app.engine.data import copy_value
from app.engine.expression_errors import ExpressionError
from app.engine.io_mapping import ABSENT, NS


def read_mappings(node) -> dict:
    def rows(kind):
        return [
            {k: m.get(k) for k in ("source", "sourceExpression", "target", "variables", "businessKey")}
            for m in node.xpath(f"./bpmn:extensionElements/camunda:{kind}", namespaces=NS)
        ]

    zeebe = node.xpath("./bpmn:extensionElements/zeebe:calledElement", namespaces=NS)
    return {
        "in": rows("in"),
        "out": rows("out"),
        "zeebe": zeebe[0].get("propagateAllChildVariables", "true") != "false" if zeebe else None,
    }


def called_element(node) -> str | None:
    zeebe = node.xpath("./bpmn:extensionElements/zeebe:calledElement", namespaces=NS)
    return node.get("calledElement") or (zeebe[0].get("processId") if zeebe else None)


def _mapped(rows: list[dict], source: dict, task) -> dict:
    out: dict = {}
    for row in rows:
        if row.get("variables") == "all":
            out.update(copy_value(source))
        elif row.get("sourceExpression") and row.get("target"):
            try:
                out[row["target"]] = expressions.evaluate(row["sourceExpression"], source)
            except ExpressionError as exc:
                task.error()
                raise WorkflowTaskException(f"mapping to '{row['target']}' failed: {exc.message}", task=task)
        elif row.get("source") and row.get("target"):
            out[row["target"]] = copy_value(source.get(row["source"]))
    return out


class BatonCallActivity(CallActivity):
    """A CallActivity whose variable passing follows the model's camunda:/zeebe: mappings."""

    mappings: dict = {"in": [], "out": [], "zeebe": None}

    def _camunda(self) -> bool:
        return bool(self.mappings["in"] or self.mappings["out"])

    def copy_data(self, my_task, subworkflow):
        if not self._camunda():
            return super().copy_data(my_task, subworkflow)
        start = subworkflow.get_next_task(subworkflow.task_tree, skip_subprocesses=True, spec_name="Start")
        start.set_data(**_mapped(self.mappings["in"], my_task.data, my_task))

    def update_data(self, my_task, subworkflow):
        child = subworkflow.last_task.data
        if self._camunda():
            my_task.data.update(_mapped(self.mappings["out"], child, my_task))
        elif self.mappings["zeebe"] is False:
            if not getattr(self, "io_mapping", None):
                return
            # Child variables are visible to the output mappings only, then dropped with the inputs.
            new = [k for k in child if k not in my_task.data]
            my_task.internal_data[ABSENT] = sorted({*my_task.internal_data.get(ABSENT, []), *new})
            my_task.data.update(copy_value(child))
        else:
            super().update_data(my_task, subworkflow)
