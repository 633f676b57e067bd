"""Read camunda:, zeebe: and spiffworkflow: extensions into one internal model per element.

SpiffWorkflow ignores most vendor attributes (assignee, candidateGroups, topic, ...). Baton reads
them once at deploy time, straight from the XML, into plain dicts stored with the definition, so
the runtime never re-reads XML and every modeller flavour lands in the same shape. This module
reads a process and what every element has; what a task's kind adds is read in `extension_tasks`,
forms in `extension_forms`.
"""

from __future__ import annotations

from lxml import etree

from app.engine import rest_connector
from app.engine.extension_forms import read_form
from app.engine.extension_tasks import (
    has_service,
    read_decision,
    read_io_mapping,
    read_service,
    read_user_task,
)
from app.engine.extension_xml import BPMN, CAM, NS, csv, first, text_at

_ELEMENT_TAGS = (
    "userTask",
    "serviceTask",
    "sendTask",
    "businessRuleTask",
    "scriptTask",
    "task",
    "manualTask",
    "receiveTask",
    "callActivity",
    "subProcess",
    "startEvent",
    "endEvent",
    "boundaryEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
    "eventBasedGateway",
    "transaction",
)


def read_process(process: etree._Element) -> dict:
    """Everything Baton needs about one bpmn:process and its elements."""
    lanes = _lanes(process)
    elements = {}
    for tag in _ELEMENT_TAGS:
        for node in process.iter(BPMN + tag):
            element_id = node.get("id")
            if element_id:
                elements[element_id] = read_element(node, tag, lanes.get(element_id))
    start = _start_form(process)
    _key_embedded_forms(process, [e.get("form") for e in elements.values()] + [start["start_form"]])
    return {
        "candidate_starter_groups": csv(process.get(CAM + "candidateStarterGroups")),
        "candidate_starter_users": csv(process.get(CAM + "candidateStarterUsers")),
        "version_tag": process.get(CAM + "versionTag"),
        "documentation": text_at(process, "./bpmn:documentation"),
        "properties": _properties(process),
        "elements": elements,
        "timer_starts": _timer_starts(process),
        **start,
        "manual_start": bool(_plain_starts(process)),
        # Camunda's Tasklist leaves out a process marked so (it is started by another, or by the API).
        "startable_in_tasklist": (process.get(CAM + "isStartableInTasklist") or "true").lower() != "false",
    }


def _key_embedded_forms(process, forms: list) -> None:
    for form in forms:
        if form and form.get("binding") == "embedded":
            form["key"] = f"{process.get('id')}:{form['ref']}"  # how the parser stores embedded forms


def _plain_starts(process) -> list:
    """The top-level none start events: the ones a person starts by hand (no timer, message, signal)."""
    starts = process.xpath("./bpmn:startEvent", namespaces=NS)
    return [s for s in starts if not s.xpath("./*[contains(local-name(), 'EventDefinition')]")]


def _error_variables(definition) -> dict:
    """Where an error catch event puts the caught code and message (camunda:errorCodeVariable...)."""
    names = {
        "code": definition.get(CAM + "errorCodeVariable"),
        "message": definition.get(CAM + "errorMessageVariable"),
    }
    return {k: v.strip() for k, v in names.items() if v and v.strip()}


def _start_form(process) -> dict:
    """The form of the process's plain start event (the one a person starts by hand), if it has one,
    and that event's id (a deploy error about the form names it)."""
    starts = process.xpath("./bpmn:startEvent", namespaces=NS)
    for start in _plain_starts(process) or starts:
        form = read_form(start, first(start, "./bpmn:extensionElements/zeebe:formDefinition"))
        if form:
            return {"start_form": form, "start_event": start.get("id")}
    return {"start_form": None}


def _timer_starts(process) -> list[dict]:
    """Top-level timer start events: what the scheduler needs to start instances on its own."""
    out = []
    for start in process.xpath("./bpmn:startEvent", namespaces=NS):
        for kind in ("timeDate", "timeCycle", "timeDuration"):
            text = text_at(start, f"./bpmn:timerEventDefinition/bpmn:{kind}")
            if text:
                out.append({"element_id": start.get("id"), "kind": kind[4:].lower(), "expression": text})
    return out


def read_element(node, tag: str, lane: str | None) -> dict:
    info = {
        "type": tag,
        "name": node.get("name"),
        "line": node.sourceline,
        "documentation": text_at(node, "./bpmn:documentation"),
        "instructions": text_at(node, "./bpmn:extensionElements/spiffworkflow:instructionsForEndUser"),
        "properties": _properties(node),
    }
    if lane:
        info["lane"] = lane
    info.update(_task_kind(node, tag, lane))
    info.update(_event_and_job(node))
    return {k: v for k, v in info.items() if v not in (None, [], {})}


def _task_kind(node, tag: str, lane: str | None) -> dict:
    """What the element's kind adds: a user task's people and form, a service's handler, a decision."""
    if tag == "userTask":
        return read_user_task(node, lane)
    if tag in ("serviceTask", "sendTask") or has_service(tag, node):
        return read_service(node)
    if tag == "businessRuleTask":
        return read_decision(node)
    return {}


def _event_and_job(node) -> dict:
    """Its timer, where a caught error goes, how a failed job is retried, and its io mappings."""
    info: dict = {}
    timer = _timer(node)
    if timer:
        info["timer"] = timer
    error = first(node, "./bpmn:errorEventDefinition")
    if error is not None:
        info["error_variables"] = _error_variables(error)
    retry = text_at(node, "./bpmn:extensionElements/camunda:failedJobRetryTimeCycle")
    retry = retry or rest_connector.retry_cycle(node)  # Camunda 8's REST connector: retries + backoff
    if retry:
        info["retry_cycle"] = retry
    io = read_io_mapping(node)
    if io:
        info["io"] = io
    return info


def _timer(node) -> dict | None:
    """A timer event's kind and text as modelled, so a due time can be recomputed (business hours)."""
    for kind in ("timeDuration", "timeDate", "timeCycle"):
        text = text_at(node, f"./bpmn:timerEventDefinition/bpmn:{kind}")
        if text:
            return {"kind": kind[4:].lower(), "expression": text}
    return None


def _lanes(process) -> dict[str, str]:
    lanes = {}
    for lane in process.iter(BPMN + "lane"):
        for ref in lane.xpath("./bpmn:flowNodeRef", namespaces=NS):
            lanes[(ref.text or "").strip()] = lane.get("name") or lane.get("id")
    return lanes


def _properties(node) -> dict[str, str]:
    props = {}
    for prop in node.xpath(
        "./bpmn:extensionElements/camunda:properties/camunda:property"
        " | ./bpmn:extensionElements/zeebe:properties/zeebe:property"
        " | ./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property",
        namespaces=NS,
    ):
        props[prop.get("name")] = prop.get("value")
    return props
