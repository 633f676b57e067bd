"""What the camunda:/zeebe:/spiffworkflow: extensions say about a task of each kind: who a user
task is for (assignee, candidates, dates, priority, form), which handler a service task waits
for, which decision a business rule task evaluates, and an element's input/output mappings."""

from __future__ import annotations

from app.engine import connectors
from app.engine.extension_forms import read_form
from app.engine.extension_xml import CAM, NS, attr, first, names


def read_user_task(node, lane: str | None) -> dict:
    zeebe_assign = first(node, "./bpmn:extensionElements/zeebe:assignmentDefinition")
    zeebe_sched = first(node, "./bpmn:extensionElements/zeebe:taskSchedule")
    zeebe_form = first(node, "./bpmn:extensionElements/zeebe:formDefinition")
    zeebe_prio = first(node, "./bpmn:extensionElements/zeebe:priorityDefinition")
    groups = names(node.get(CAM + "candidateGroups") or attr(zeebe_assign, "candidateGroups"))
    users = names(node.get(CAM + "candidateUsers") or attr(zeebe_assign, "candidateUsers"))
    return {
        "assignee": node.get(CAM + "assignee") or attr(zeebe_assign, "assignee"),
        "candidate_groups": groups,
        "candidate_users": users,
        "lane_group": lane if lane and not groups and not users else None,
        "due_date": node.get(CAM + "dueDate") or attr(zeebe_sched, "dueDate"),
        "follow_up_date": node.get(CAM + "followUpDate") or attr(zeebe_sched, "followUpDate"),
        "priority": node.get(CAM + "priority") or attr(zeebe_prio, "priority"),
        "form": read_form(node, zeebe_form),
    }


def has_service(tag: str, node) -> bool:
    """Whether an element that is not a service or send task still waits for a worker."""
    zeebe_job = first(node, "./bpmn:extensionElements/zeebe:taskDefinition") is not None
    if tag in ("scriptTask", "businessRuleTask"):  # Camunda 8 may hand either to a job worker
        return zeebe_job
    if tag in ("intermediateThrowEvent", "endEvent"):  # ... and a message it throws
        message = first(node, "./bpmn:messageEventDefinition") is not None
        camunda = node.get(CAM + "type") is not None or node.get(CAM + "class") is not None
        connector = connectors.find(node) is not None  # Camunda 7: in the messageEventDefinition
        return (camunda and tag == "intermediateThrowEvent") or ((zeebe_job or connector) and message)
    return False


def read_service(node) -> dict:
    task_def = first(node, "./bpmn:extensionElements/zeebe:taskDefinition")
    connector = connectors.read(node)
    handler = _handler(node, task_def) or (connector["id"] if connector else None)
    topic = node.get(CAM + "topic") or (task_def.get("type") if task_def is not None else None) or ""
    return {
        "handler": handler,
        # Camunda evaluates an external task's topic (`${topic}`) and Zeebe a job type (`=type`)
        # for each instance; a class or delegate expression names a handler as written.
        "handler_expression": handler == topic and ("${" in topic or "#{" in topic or topic.startswith("=")),
        "service_type": node.get(CAM + "type"),
        "retries": task_def.get("retries") if task_def is not None else None,
        "headers": _headers(node),
        "result_variable": node.get(CAM + "resultVariable"),
        "connector": connector,  # its connectorId is the handler; its parameters are its own
    }


def _handler(node, task_def) -> str | None:
    operator = first(node, "./bpmn:extensionElements/spiffworkflow:serviceTaskOperator")
    return (
        node.get(CAM + "topic")
        or node.get(CAM + "class")
        or node.get(CAM + "delegateExpression")
        or node.get(CAM + "expression")
        or (task_def.get("type") if task_def is not None else None)
        or (operator.get("id") if operator is not None else None)
    )


def _headers(node) -> dict[str, str]:
    return {
        h.get("key"): h.get("value") or ""
        for h in node.xpath("./bpmn:extensionElements/zeebe:taskHeaders/zeebe:header", namespaces=NS)
        if h.get("key")
    }


def read_decision(node) -> dict:
    zeebe = first(node, "./bpmn:extensionElements/zeebe:calledDecision")
    result_variable = node.get(CAM + "resultVariable")
    return {
        "decision_ref": node.get(CAM + "decisionRef")
        or (zeebe.get("decisionId") if zeebe is not None else None),
        "result_variable": result_variable or (zeebe.get("resultVariable") if zeebe is not None else None),
        "map_decision_result": _decision_mapping(node, result_variable),
    }


def _decision_mapping(node, result_variable: str | None) -> str | None:
    """Camunda 7 maps a decision's result for camunda:resultVariable as resultList unless
    camunda:mapDecisionResult says otherwise. Zeebe maps none: its resultVariable holds the
    decision's own result (a single output's value, a context of several, a list for a
    multi-hit table), which is what None gives."""
    return node.get(CAM + "mapDecisionResult") or ("resultList" if result_variable else None)


def read_io_mapping(node) -> dict | None:
    inputs = _camunda_parameters(node, "inputParameter") + _zeebe_mappings(node, "input")
    outputs = _camunda_parameters(node, "outputParameter") + _zeebe_mappings(node, "output")
    if not inputs and not outputs:
        return None
    return {"inputs": inputs, "outputs": outputs}


def _camunda_parameters(node, kind: str) -> list[tuple]:
    path = f"./bpmn:extensionElements/camunda:inputOutput/camunda:{kind}"
    return [(p.get("name"), p.text) for p in node.xpath(path, namespaces=NS)]


def _zeebe_mappings(node, kind: str) -> list[tuple]:
    path = f"./bpmn:extensionElements/zeebe:ioMapping/zeebe:{kind}"
    return [(m.get("target"), m.get("source")) for m in node.xpath(path, namespaces=NS)]
