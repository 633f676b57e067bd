"""Deploy-time checks of every expression in a process, and warnings for what Baton cannot run.

An expression that does not parse fails the deployment (a 400 naming the file, the line, the
element and the expression) rather than the first instance that reaches it. What Baton does not
run — JavaScript/Groovy scripts, camunda task/execution listeners, camunda:script parameters — is
a warning naming the element: the model still deploys and runs without it.

What is checked where: conditions, timers, multi-instance settings and script tasks are full
expressions (any dialect, Python included); attribute values (assignee, candidates, due dates,
priority) and mapping values are checked only when they hold `${...}` or `=FEEL`, because
otherwise they are constant text (`demo`, `sales,qa`).
"""

from __future__ import annotations

import re

from lxml import etree

from app.engine import connectors, duties, expressions, form_checks, io_mapping, timers
from app.engine.errors import ModelError
from app.engine.expression_errors import ExpressionError
from app.engine.scripting import RUNNABLE_SCRIPTS
from app.engine.zeebe_conditions import for_camunda_8

NS = io_mapping.NS
CAM = io_mapping.CAM
_ATTRIBUTES = ("assignee", "candidateUsers", "candidateGroups", "dueDate", "followUpDate", "priority")
_ZEEBE_ATTRIBUTES = {
    "assignmentDefinition": ("assignee", "candidateUsers", "candidateGroups"),
    "taskSchedule": ("dueDate", "followUpDate"),
    "priorityDefinition": ("priority",),
}


def validate_process(process, filename: str) -> list[dict]:
    """Raise ModelError for the first expression that does not parse; return the warnings."""
    warnings: list[dict] = []
    duties.check_process(process, filename)
    for node in process.iter():
        if not isinstance(node.tag, str) or not node.get("id"):
            continue
        for text, full in _expressions(node):
            _check(text, full, node, filename)
        _check_script(node, filename)
        _check_cron_cycles(node, filename)
        _check_timer_literals(node, filename)
        _check_retry_cycle(node, filename)
        _check_priority(node, filename)
        connectors.check(node, filename)
        warnings.extend(_warnings(node))
        warnings.extend(_unknown_function_warnings(node))
        warnings.extend(_execution_property_warnings(node))
    return warnings


def _refuse(node, filename: str, message: str, line: int | None = None) -> ModelError:
    return ModelError(message, filename=filename, line=line or node.sourceline, element_id=node.get("id"))


def _check_timer_literals(node, filename: str) -> None:
    # `PTXYZ` parses as a Python name and failed only when the timer was reached (NameError).
    for kind in ("timeDate", "timeDuration", "timeCycle"):
        for timer in node.xpath(f"./bpmn:timerEventDefinition/bpmn:{kind}", namespaces=NS):
            try:
                timers.check_iso_literal(kind[4:].lower(), timer.text or "")
            except ValueError as exc:
                raise _refuse(node, filename, f"timer {kind}: {exc}", timer.sourceline)


def _check_retry_cycle(node, filename: str) -> None:
    # A cycle that does not parse left a failed job running, unseen, instead of retrying it.
    for cycle in node.xpath("./bpmn:extensionElements/camunda:failedJobRetryTimeCycle", namespaces=NS):
        try:
            timers.retry_schedule(cycle.text or "")
        except ValueError as exc:
            raise _refuse(node, filename, f"camunda:failedJobRetryTimeCycle: {exc}", cycle.sourceline)


def _check_priority(node, filename: str) -> None:
    # A priority is a whole number, or an expression giving one; `high` failed every instance.
    zeebe = node.xpath("./bpmn:extensionElements/zeebe:priorityDefinition/@priority", namespaces=NS)
    for text in [node.get(CAM + "priority"), *zeebe]:
        text = (text or "").strip()
        if text and expressions.dialect_of(text) not in ("juel", "feel") and not _INTEGER.fullmatch(text):
            raise _refuse(node, filename, f"priority {text!r} is not a whole number nor an expression")


_INTEGER = re.compile(r"[+-]?\d+")


def _check(text: str, full: bool, node, filename: str) -> None:
    text = (text or "").strip()
    if not text:
        return
    try:
        if "${" in text or "#{" in text:
            from app.engine import juel

            juel.compile_text(text)  # composite `Hello ${name}` included; compiled once, cached
        elif text.startswith("=") or full:
            expressions.check(text)
    except ExpressionError as exc:
        raise _error(node, filename, text, exc.message)
    except Exception as exc:  # the Python sandbox's errors carry .message
        raise _error(node, filename, text, getattr(exc, "message", str(exc)))


def _error(node, filename: str, text: str, message: str) -> ModelError:
    return ModelError(
        f"expression {text!r} does not parse: {message}",
        filename=filename,
        line=node.sourceline,
        element_id=node.get("id"),
    )


def _expressions(node) -> list[tuple[str, bool]]:
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


def _check_cron_cycles(node, filename: str) -> None:
    for cycle in node.xpath("./bpmn:timerEventDefinition/bpmn:timeCycle", namespaces=NS):
        text = (cycle.text or "").strip()
        if timers.looks_like_cron(text):
            try:
                timers.check_cron(text)
            except ValueError as exc:
                raise ModelError(
                    f"timer cycle {text!r} is not valid cron: {exc.__cause__ or exc}",
                    filename=filename,
                    line=cycle.sourceline,
                    element_id=node.get("id"),
                )


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


def _check_script(node, filename: str) -> None:
    if node.tag != "{" + NS["bpmn"] + "}scriptTask":
        return
    for script in node.xpath("./bpmn:extensionElements/zeebe:script", namespaces=NS):
        _check(script.get("expression") or "", True, node, filename)  # Camunda 8: always FEEL
    script_format = (node.get("scriptFormat") or "").lower()
    body = node.xpath("./bpmn:script", namespaces=NS)
    text = body[0].text if body else None
    if not text or script_format not in RUNNABLE_SCRIPTS:
        return
    if script_format == "feel":
        return _check("=" + text.strip(), True, node, filename)
    from app.engine import sandbox

    try:
        sandbox.check_script(text)
    except Exception as exc:  # the sandbox's refusals and syntax errors carry .message
        message = getattr(exc, "message", str(exc))
        raise ModelError(
            f"script does not parse: {message}",
            filename=filename,
            line=node.sourceline,
            element_id=node.get("id"),
        )


def _warnings(node) -> list[dict]:
    element_id = node.get("id")
    out = []
    if node.tag == "{" + NS["bpmn"] + "}scriptTask":
        script_format = (node.get("scriptFormat") or "").lower()
        if script_format not in RUNNABLE_SCRIPTS:
            out.append(
                _warn(
                    element_id, f"{script_format} scripts are not run by Baton; this task fails when reached"
                )
            )
    if node.tag in (BPMN + "task", BPMN + "manualTask") and for_camunda_8(node):
        kind = "a manual task" if node.tag == BPMN + "manualTask" else "an undefined task"
        out.append(
            _warn(
                element_id,
                f"{kind} waits for a person to complete it in Baton (an inbox task); "
                "Camunda 8 passes through it. Draw a user task to say so, or remove it",
            )
        )
    if node.tag in ("{" + NS["bpmn"] + "}userTask", "{" + NS["bpmn"] + "}startEvent"):
        out.extend(form_checks.field_warnings(element_id, node))
    if node.tag == "{" + NS["bpmn"] + "}dataStoreReference":
        out.append(_warn(element_id, "data stores are drawn only: Baton does not read or write them"))
    for kind in ("taskListener", "executionListener"):
        for listener in node.xpath(f"./bpmn:extensionElements/camunda:{kind}", namespaces=NS):
            what = _listener_body(listener)
            event = listener.get("event") or "?"
            out.append(
                _warn(element_id, f"camunda:{kind} on '{event}' ({what}) is ignored: Baton does not run it")
            )
    for script in node.xpath("./bpmn:extensionElements/camunda:inputOutput/*/camunda:script", namespaces=NS):
        name = script.getparent().get("name")
        fmt = script.get("scriptFormat") or "script"
        out.append(
            _warn(element_id, f"camunda:script ({fmt}) for parameter '{name}' is not run; it maps to null")
        )
    return out


def _unknown_function_warnings(node) -> list[dict]:
    """A FEEL call to a function neither FEEL nor Camunda defines gives null when evaluated (a
    misspelt `=getOrElse(x, 0)` routes or maps silently): name it, the model still deploys."""
    from app.engine.feel.calls import unknown_functions

    return [
        _warn(
            node.get("id"),
            f"FEEL expression {text!r} calls {name}(), which neither FEEL nor Camunda defines: "
            "it gives null when evaluated",
        )
        for text in _feel_texts(node)
        for name in unknown_functions(text[1:])
    ]


_EXECUTION_PROPERTY = re.compile(r"\bexecution\s*\.\s*(\w+)\b(?!\s*\()")


def _execution_property_warnings(node) -> list[dict]:
    """Camunda 7's `execution` holds more than the variables (processBusinessKey,
    processInstanceId, currentActivityId...); Baton's holds the variables only, so such a read
    gives null (or a variable of that name): name it, the model still deploys."""
    found = [
        (text, name)
        for text, _ in _expressions(node)
        if "${" in text or "#{" in text
        for name in _EXECUTION_PROPERTY.findall(text)
    ]
    return [
        _warn(
            node.get("id"),
            f"JUEL expression {text!r} reads execution.{name}, which Baton does not provide: "
            "it gives null (or the process variable of that name)",
        )
        for text, name in dict.fromkeys(found)
    ]


def _feel_texts(node) -> list[str]:
    """Every `=FEEL` text of an element: its checked expressions, any zeebe: attribute (a job
    type, a called process id...; not headers and properties, which are plain text) and a FEEL
    script's body."""
    texts = [text for text, _ in _expressions(node)]
    for extension in node.xpath("./bpmn:extensionElements//zeebe:*", namespaces=NS):
        if etree.QName(extension).localname not in ("header", "property"):
            texts += extension.attrib.values()
    if (node.get("scriptFormat") or "").lower() == "feel":
        texts += ["=" + (script.text or "") for script in node.xpath("./bpmn:script", namespaces=NS)]
    return list(dict.fromkeys(t.strip() for t in texts if t and t.strip().startswith("=")))


def _listener_body(listener) -> str:
    for attr in ("class", "expression", "delegateExpression"):
        if listener.get(attr):
            return f"{attr} {listener.get(attr)}"
    script = listener.xpath("./camunda:script", namespaces=NS)
    return f"{script[0].get('scriptFormat') or 'script'} script" if script else "no body"


BPMN = "{" + NS["bpmn"] + "}"


def _warn(element_id: str, message: str) -> dict:
    return {"element_id": element_id, "message": message}
