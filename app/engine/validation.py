"""Deploy-time checks of every expression in a process, and warnings for what Baton cannot run.

An expression that does not parse fails the deployment (a 400 naming the file, the line, the
element and the expression) rather than the first instance that reaches it. What Baton does not
run — JavaScript/Groovy scripts, camunda task/execution listeners, camunda:script parameters — is
a warning naming the element (model_warnings.py): the model still deploys and runs without it.

What is checked where: conditions, timers, multi-instance settings and script tasks are full
expressions (any dialect, Python included); attribute values (assignee, candidates, due dates,
priority) and mapping values are checked only when they hold `${...}` or `=FEEL`, because
otherwise they are constant text (`demo`, `sales,qa`).
"""

from __future__ import annotations

import re

from app.engine import (
    connectors,
    duties,
    element_expressions,
    expressions,
    io_mapping,
    model_warnings,
    rest_connector,
    timers,
)
from app.engine.errors import ModelError
from app.engine.expression_errors import ExpressionError
from app.engine.scripting import RUNNABLE_SCRIPTS

NS = io_mapping.NS
CAM = io_mapping.CAM


def validate_process(process, filename: str) -> list[dict]:
    """Raise ModelError for the first expression that does not parse; return the warnings."""
    warnings: list[dict] = []
    duties.check_process(process, filename)
    for node in process.iter():
        if not isinstance(node.tag, str) or not node.get("id"):
            continue
        for text, full in element_expressions.of(node):
            _check(text, full, node, filename)
        _check_script(node, filename)
        _check_cron_cycles(node, filename)
        _check_timer_literals(node, filename)
        _check_retry_cycle(node, filename)
        _check_priority(node, filename)
        connectors.check(node, filename)
        rest_connector.check(node, filename)
        warnings.extend(model_warnings.of(node))
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
