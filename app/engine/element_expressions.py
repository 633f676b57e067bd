"""Every expression text a BPMN element holds, in any dialect: what deploy checks parse and what
the warnings read (validation.py, model_warnings.py)."""

from __future__ import annotations

from app.engine import connectors, expressions, io_mapping, timers

NS = io_mapping.NS
CAM = io_mapping.CAM
_ATTRIBUTES = ("assignee", "candidateUsers", "candidateGroups", "dueDate", "followUpDate", "priority")
_ZEEBE_ATTRIBUTES = {
    "assignmentDefinition": ("assignee", "candidateUsers", "candidateGroups"),
    "taskSchedule": ("dueDate", "followUpDate"),
    "priorityDefinition": ("priority",),
}


def of(node) -> list[tuple[str, bool]]:
    """(text, is_full_expression) pairs held by one element."""
    found = [(node.get(CAM + a), False) for a in _ATTRIBUTES if node.get(CAM + a)]
    for tag, names in _ZEEBE_ATTRIBUTES.items():
        for z in node.xpath(f"./bpmn:extensionElements/zeebe:{tag}", namespaces=NS):
            found += [(z.get(n), False) for n in names if z.get(n)]
    paths = (
        "./bpmn:conditionExpression",
        "./bpmn:conditionalEventDefinition/bpmn:condition",
        "./bpmn:timerEventDefinition/bpmn:timeDate",
        "./bpmn:timerEventDefinition/bpmn:timeDuration",
        "./bpmn:multiInstanceLoopCharacteristics/bpmn:loopCardinality",
        "./bpmn:multiInstanceLoopCharacteristics/bpmn:completionCondition",
        "./bpmn:standardLoopCharacteristics/bpmn:loopCondition",
    )
    for path in paths:
        found += [(n.text, True) for n in node.xpath(path, namespaces=NS) if n.text]
    found += _loop_expressions(node) + _mapping_expressions(node) + _cycle_expressions(node)
    return found


def _cycle_expressions(node) -> list[tuple[str, bool]]:
    # A cron cycle (`0 0 6 ? * MON-FRI`) is no expression in any dialect: it is checked as cron.
    texts = [
        n.text for n in node.xpath("./bpmn:timerEventDefinition/bpmn:timeCycle", namespaces=NS) if n.text
    ]
    return [(t, True) for t in texts if not timers.looks_like_cron(t.strip())]


def _loop_expressions(node) -> list[tuple[str, bool]]:
    found = []
    for loop in node.xpath("./bpmn:multiInstanceLoopCharacteristics", namespaces=NS):
        collection = loop.get(CAM + "collection")
        if collection and expressions.dialect_of(collection) in ("juel", "feel"):
            found.append((collection, True))
        for z in loop.xpath("./bpmn:extensionElements/zeebe:loopCharacteristics", namespaces=NS):
            found += [(z.get(a), True) for a in ("inputCollection", "outputElement") if z.get(a)]
    return found


def _mapping_expressions(node) -> list[tuple[str, bool]]:
    mapping = io_mapping.read(node) or {"inputs": [], "outputs": []}
    found = [
        (e, True) for _, v in mapping["inputs"] + mapping["outputs"] for e in io_mapping.expressions_in(v)
    ]
    found += [(e, True) for e in connectors.expressions(node)]
    for m in node.xpath(
        "./bpmn:extensionElements/camunda:in | ./bpmn:extensionElements/camunda:out", namespaces=NS
    ):
        if m.get("sourceExpression"):
            found.append((m.get("sourceExpression"), True))
    return found
