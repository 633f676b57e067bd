"""Read camunda:, zeebe: and spiffworkflow: extensions into one internal model per element.

SpiffWorkflow ignores most vendor attributes (assignee, candidateGroups, topic, ...). Baton reads
them once at deploy time, straight from the XML, into plain dicts stored with the definition, so
the runtime never re-reads XML and every modeller flavour lands in the same shape.
"""

from __future__ import annotations

from lxml import etree

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "camunda": "http://camunda.org/schema/1.0/bpmn",
    "zeebe": "http://camunda.org/schema/zeebe/1.0",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
CAM = "{" + NS["camunda"] + "}"
BPMN = "{" + NS["bpmn"] + "}"
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


def _csv(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _names(value: str | None) -> list[str] | str:
    """A comma list of names, or the expression that yields them (`${approverGroups}`, `=groups`)."""
    text = (value or "").strip()
    if "${" in text or "#{" in text or text.startswith("="):
        return text
    return _csv(text)


def _first(node, path: str):
    found = node.xpath(path, namespaces=NS)
    return found[0] if found else None


def _text(node, path: str) -> str | None:
    found = _first(node, path)
    return found.text.strip() if found is not None and found.text else None


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
    for form in [e.get("form") for e in elements.values()] + [start["start_form"]]:
        if form and form.get("binding") == "embedded":
            form["key"] = f"{process.get('id')}:{form['ref']}"  # how the parser stores embedded forms
    return {
        "candidate_starter_groups": _csv(process.get(CAM + "candidateStarterGroups")),
        "candidate_starter_users": _csv(process.get(CAM + "candidateStarterUsers")),
        "version_tag": process.get(CAM + "versionTag"),
        "documentation": _text(process, "./bpmn:documentation"),
        "properties": _properties(process),
        "elements": elements,
        "timer_starts": _timer_starts(process),
        **start,
        "manual_start": bool(_plain_starts(process)),
        # Camunda's Tasklist leaves out a process marked so (it is started by another, or by the API).
        "startable_in_tasklist": (process.get(CAM + "isStartableInTasklist") or "true").lower() != "false",
    }


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
        form = _form(start, _first(start, "./bpmn:extensionElements/zeebe:formDefinition"))
        if form:
            return {"start_form": form, "start_event": start.get("id")}
    return {"start_form": None}


def _timer_starts(process) -> list[dict]:
    """Top-level timer start events: what the scheduler needs to start instances on its own."""
    out = []
    for start in process.xpath("./bpmn:startEvent", namespaces=NS):
        for kind in ("timeDate", "timeCycle", "timeDuration"):
            text = _text(start, f"./bpmn:timerEventDefinition/bpmn:{kind}")
            if text:
                out.append({"element_id": start.get("id"), "kind": kind[4:].lower(), "expression": text})
    return out


def read_element(node, tag: str, lane: str | None) -> dict:
    info = {
        "type": tag,
        "name": node.get("name"),
        "line": node.sourceline,
        "documentation": _text(node, "./bpmn:documentation"),
        "instructions": _text(node, "./bpmn:extensionElements/spiffworkflow:instructionsForEndUser"),
        "properties": _properties(node),
    }
    if lane:
        info["lane"] = lane
    if tag == "userTask":
        info.update(_user_task(node, lane))
    elif tag in ("serviceTask", "sendTask") or _has_service(tag, node):
        info.update(_service(node))
    elif tag == "businessRuleTask":
        info.update(_decision(node))
    timer = _timer(node)
    if timer:
        info["timer"] = timer
    error = _first(node, "./bpmn:errorEventDefinition")
    if error is not None:
        info["error_variables"] = _error_variables(error)
    retry = _text(node, "./bpmn:extensionElements/camunda:failedJobRetryTimeCycle")
    if retry:
        info["retry_cycle"] = retry
    io = _io_mapping(node)
    if io:
        info["io"] = io
    return {k: v for k, v in info.items() if v not in (None, [], {})}


def _timer(node) -> dict | None:
    """A timer event's kind and text as modelled, so a due time can be recomputed (business hours)."""
    for kind in ("timeDuration", "timeDate", "timeCycle"):
        text = _text(node, f"./bpmn:timerEventDefinition/bpmn:{kind}")
        if text:
            return {"kind": kind[4:].lower(), "expression": text}
    return None


def _has_service(tag: str, node) -> bool:
    zeebe_job = _first(node, "./bpmn:extensionElements/zeebe:taskDefinition") is not None
    if tag in ("scriptTask", "businessRuleTask"):  # Camunda 8 may hand either to a job worker
        return zeebe_job
    if tag in ("intermediateThrowEvent", "endEvent"):  # ... and a message it throws
        message = _first(node, "./bpmn:messageEventDefinition") is not None
        camunda = node.get(CAM + "type") is not None or node.get(CAM + "class") is not None
        return (camunda and tag == "intermediateThrowEvent") or (zeebe_job and message)
    return False


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


def _attr(element, name: str) -> str | None:
    return element.get(name) if element is not None else None


def _user_task(node, lane: str | None) -> dict:
    zeebe_assign = _first(node, "./bpmn:extensionElements/zeebe:assignmentDefinition")
    zeebe_sched = _first(node, "./bpmn:extensionElements/zeebe:taskSchedule")
    zeebe_form = _first(node, "./bpmn:extensionElements/zeebe:formDefinition")
    zeebe_prio = _first(node, "./bpmn:extensionElements/zeebe:priorityDefinition")
    groups = _names(node.get(CAM + "candidateGroups") or _attr(zeebe_assign, "candidateGroups"))
    users = _names(node.get(CAM + "candidateUsers") or _attr(zeebe_assign, "candidateUsers"))
    return {
        "assignee": node.get(CAM + "assignee") or _attr(zeebe_assign, "assignee"),
        "candidate_groups": groups,
        "candidate_users": users,
        "lane_group": lane if lane and not groups and not users else None,
        "due_date": node.get(CAM + "dueDate") or _attr(zeebe_sched, "dueDate"),
        "follow_up_date": node.get(CAM + "followUpDate") or _attr(zeebe_sched, "followUpDate"),
        "priority": node.get(CAM + "priority") or _attr(zeebe_prio, "priority"),
        "form": _form(node, zeebe_form),
    }


def _form(node, zeebe_form) -> dict | None:
    """The element's form as one shape: a Camunda Form reference (`ref` and how it binds), the
    fields of a generated form, or an external key Baton only passes on."""
    if node.get(CAM + "formRef"):
        return _camunda_form(
            node.get(CAM + "formRef"),
            node.get(CAM + "formRefBinding") or "latest",
            version=node.get(CAM + "formRefVersion"),
        )
    if zeebe_form is not None:
        return _zeebe_form(zeebe_form)
    fields = [
        _form_field(f)
        for f in node.xpath("./bpmn:extensionElements/camunda:formData/camunda:formField", namespaces=NS)
    ]
    if fields:
        return {"type": "generated", "fields": fields}
    if node.get(CAM + "formKey"):
        key = node.get(CAM + "formKey")
        if key.startswith("camunda-forms:deployment:"):
            return _camunda_form(_file_name(key), "deployment")
        if key.startswith("camunda-forms:app:"):
            # A form inside the Java web app in Camunda 7: here, a form file deployed before or with it.
            return _camunda_form(_file_name(key), "latest")
        return {"type": "external", "key": key}
    return None


def _file_name(form_key: str) -> str:
    return form_key.split(":", 2)[-1].rsplit("/", 1)[-1]


def _camunda_form(ref: str, binding: str, version: str | None = None, version_tag: str | None = None):
    form = {"type": "camunda-form", "ref": ref, "binding": binding}
    if binding == "version" and version:
        form["version"] = version
    if binding == "versionTag" and version_tag:
        form["version_tag"] = version_tag
    return form


def _zeebe_form(zeebe_form) -> dict | None:
    """Camunda 8: a linked form (formId, bound by bindingType), a form embedded in the BPMN
    (formKey camunda-forms:bpmn:<id>), or a custom key for an own application."""
    if zeebe_form.get("formId"):
        binding = zeebe_form.get("bindingType") or "latest"
        return _camunda_form(zeebe_form.get("formId"), binding, version_tag=zeebe_form.get("versionTag"))
    key = zeebe_form.get("formKey")
    if not key:
        return None
    if key.startswith("camunda-forms:bpmn:"):
        return _camunda_form(key.split(":", 2)[-1], "embedded")
    return {"type": "external", "key": key}


def embedded_forms(process) -> list[tuple[str, int, str]]:
    """The Camunda 8 forms kept inside a process (zeebe:userTaskForm): (id, line, JSON text)."""
    return [
        (form.get("id") or "", form.sourceline, form.text or "")
        for form in process.xpath("./bpmn:extensionElements/zeebe:userTaskForm", namespaces=NS)
    ]


def _form_field(field) -> dict:
    out = {
        "id": field.get("id"),
        "label": field.get("label") or field.get("id"),
        "type": field.get("type") or "string",
        "default": field.get("defaultValue"),
    }
    values = field.xpath("./camunda:value", namespaces=NS)
    if values:
        out["values"] = [{"id": v.get("id"), "name": v.get("name") or v.get("id")} for v in values]
    constraints = field.xpath("./camunda:validation/camunda:constraint", namespaces=NS)
    if constraints:
        # A constraint without config (required, readonly) is a flag: true, so a client testing
        # `validation.required` for truth reads it right.
        out["validation"] = {
            c.get("name"): True if c.get("config") is None else c.get("config") for c in constraints
        }
    return out


def _service(node) -> dict:
    task_def = _first(node, "./bpmn:extensionElements/zeebe:taskDefinition")
    operator = _first(node, "./bpmn:extensionElements/spiffworkflow:serviceTaskOperator")
    handler = (
        node.get(CAM + "topic")
        or node.get(CAM + "class")
        or node.get(CAM + "delegateExpression")
        or node.get(CAM + "expression")
        or (task_def.get("type") if task_def is not None else None)
        or (operator.get("id") if operator is not None else None)
    )
    topic = node.get(CAM + "topic") or (task_def.get("type") if task_def is not None else None) or ""
    return {
        "handler": handler,
        # Camunda evaluates an external task's topic (`${topic}`) and Zeebe a job type (`=type`)
        # for each instance; a class or delegate expression names a handler as written.
        "handler_expression": handler == topic and ("${" in topic or "#{" in topic or topic.startswith("=")),
        "service_type": node.get(CAM + "type"),
        "retries": task_def.get("retries") if task_def is not None else None,
        "headers": {
            h.get("key"): h.get("value") or ""
            for h in node.xpath("./bpmn:extensionElements/zeebe:taskHeaders/zeebe:header", namespaces=NS)
            if h.get("key")
        },
        "result_variable": node.get(CAM + "resultVariable"),
    }


def _decision(node) -> dict:
    zeebe = _first(node, "./bpmn:extensionElements/zeebe:calledDecision")
    return {
        "decision_ref": node.get(CAM + "decisionRef")
        or (zeebe.get("decisionId") if zeebe is not None else None),
        "result_variable": node.get(CAM + "resultVariable")
        or (zeebe.get("resultVariable") if zeebe is not None else None),
        "map_decision_result": node.get(CAM + "mapDecisionResult")
        or ("singleResult" if zeebe is not None else None),
    }


def _io_mapping(node) -> dict | None:
    inputs = [
        (p.get("name"), p.text)
        for p in node.xpath(
            "./bpmn:extensionElements/camunda:inputOutput/camunda:inputParameter", namespaces=NS
        )
    ]
    outputs = [
        (p.get("name"), p.text)
        for p in node.xpath(
            "./bpmn:extensionElements/camunda:inputOutput/camunda:outputParameter", namespaces=NS
        )
    ]
    for m in node.xpath("./bpmn:extensionElements/zeebe:ioMapping/zeebe:input", namespaces=NS):
        inputs.append((m.get("target"), m.get("source")))
    for m in node.xpath("./bpmn:extensionElements/zeebe:ioMapping/zeebe:output", namespaces=NS):
        outputs.append((m.get("target"), m.get("source")))
    if not inputs and not outputs:
        return None
    return {"inputs": inputs, "outputs": outputs}
