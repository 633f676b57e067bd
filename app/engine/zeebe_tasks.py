"""Camunda 8's other ways to implement a script or business rule task, and a message it throws.

Zeebe runs a script task either as a FEEL expression (`zeebe:script expression="=..."
resultVariable="total"`) or, like a business rule task, as a job for a worker
(`zeebe:taskDefinition type="..."`). Without these the task has no `bpmn:script` or decisionRef,
and a model Camunda 8 runs would be refused at deploy. The FEEL script runs as a FEEL script task
whose value goes to the result variable; a job-worker task is a service task (a Celery job whose
handler is the job type). So is a message throw or end event with a zeebe:taskDefinition: in
Camunda 8 the worker is what sends the message; and one with Camunda 7's camunda:connector in its
messageEventDefinition, whose connector sends it (app.engine.connectors).
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.camunda.parser.task_spec import ScriptTaskParser

from app.engine import connectors, io_mapping
from app.engine.extension_xml import CAM, NS
from app.engine.specs import BatonServiceTask


def zeebe_script(node):
    """The task's zeebe:script element, or None."""
    found = node.xpath("./bpmn:extensionElements/zeebe:script", namespaces=NS)
    return found[0] if found else None


def is_job_worker(node) -> bool:
    """A script or business rule task Camunda 8 hands to a job worker."""
    return bool(node.xpath("./bpmn:extensionElements/zeebe:taskDefinition", namespaces=NS))


def job_worker_task(task_parser):
    """The service task spec that stands for a job-worker script or business rule task."""
    return BatonServiceTask(task_parser.spec, task_parser.bpmn_id, **task_parser.bpmn_attributes)


class ZeebeScriptTaskParser(ScriptTaskParser):
    def create_task(self):
        if is_job_worker(self.node):
            return job_worker_task(self)
        script = zeebe_script(self.node)
        if script is None:
            spec = super().create_task()
            spec.result_variable = self.node.get(CAM + "resultVariable")  # Camunda 7's FEEL scripts
            return spec
        expression = (script.get("expression") or "").strip().removeprefix("=")
        spec = self.spec_class(self.spec, self.bpmn_id, script=expression, **self.bpmn_attributes)
        spec.script_format = "feel"
        spec.result_variable = script.get("resultVariable")
        return spec


class _JobWorkerEvent:
    """Mixed into a throw or end event's parser: a message it throws through a job worker is a job."""

    def create_task(self):
        node = self.node
        worker = is_job_worker(node) or connectors.find(node) is not None
        if worker and node.xpath("./bpmn:messageEventDefinition", namespaces=NS):
            spec = job_worker_task(self)
            io_mapping.attach(spec, io_mapping.read(node))
            return spec
        return super().create_task()


def job_worker_events(classes: dict) -> dict:
    """Parser-table entries for throw and end events that know Camunda 8's job-worker messages."""
    out = {}
    for tag in (full_tag("intermediateThrowEvent"), full_tag("endEvent")):
        parser, spec = classes[tag]
        out[tag] = (type(parser.__name__, (_JobWorkerEvent, parser), {}), spec)
    return out
