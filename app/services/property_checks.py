"""Deploy-time checks of the camunda:properties Baton acts on (escalations, SLA, business calendars,
visit caps) and warnings of service tasks whose handler is registered nowhere.

A value that does not read (`escalation.after=24h`, `businessCalendar=XX-9to17`, `slaHours=two
days`, `maxVisits=two`) failed every instance reaching its task with a 500, or was ignored in
silence (an SLA pause element that is no element never paused the clock, a visit cap that is no
number capped nothing); it is a 400 at deploy now, naming the file, the element and the property.
"""

from __future__ import annotations

from datetime import UTC, datetime

from app.errors import ValidationError
from app.handlers import UnknownHandler, get_handler
from app.services import calendars

_SOME_MONDAY = datetime(2025, 1, 6, 9, tzinfo=UTC)
_ELEMENTS = " elements"  # (no property's name) the process's elements, handed to the checks


def check_properties(processes) -> None:
    """Raise ValidationError for the first property of these parsed processes that does not read."""
    for process in processes:
        base = process.meta.get("properties") or {}
        _check(process, process.key, base)
        for element_id, element in (process.meta.get("elements") or {}).items():
            if element.get("properties"):
                _check(process, element_id, {**base, **element["properties"]})


def handler_warnings(processes) -> list[dict]:
    """A warning per service task whose handler is registered nowhere here: every attempt would
    fail into an incident. (A topic written as an expression names its handler per instance.)"""
    warnings = []
    for process in processes:
        for element_id, element in (process.meta.get("elements") or {}).items():
            message = _unknown_handler(element)
            if message:
                warnings.append({"file": process.filename, "element_id": element_id, "message": message})
    return warnings


def _unknown_handler(element: dict) -> str | None:
    service = element.get("type") in ("serviceTask", "sendTask") or element.get("connector")
    if not service or element.get("handler_expression"):
        return None
    try:
        get_handler(element.get("handler"))
    except UnknownHandler as exc:
        problem = str(exc)
        if element.get("connector"):  # (a connectorId names a handler: one may be registered so)
            name = element["connector"]["id"]
            problem = f"camunda:connector '{name}' is not one Baton runs (http-connector is) nor a handler"
        return f"{problem} (app/handlers or BATON_HANDLER_MODULES): its jobs will fail into incidents"
    return None


def _check(process, element_id: str, props: dict) -> None:
    for name, check in _CHECKS.items():
        value = props.get(name)
        if value is None:
            continue
        try:
            check(str(value).strip(), {**props, _ELEMENTS: process.meta.get("elements") or {}})
        except ValueError as exc:
            raise ValidationError(
                f"{process.filename}: element '{element_id}': property {name}={value!r}: {exc}",
                {"file": process.filename, "element_id": element_id, "property": name},
            ) from exc


def _calendar(value: str, props: dict) -> None:
    calendars.calendar_named(value)


def _duration(value: str, props: dict) -> None:
    try:
        calendars.due_after(props, _SOME_MONDAY, value)
    except calendars.CalendarError:
        raise
    except Exception as exc:  # the timer library raises bare Exceptions ("Invalid duration")
        raise ValueError(f"{value!r} is not an ISO 8601 duration (e.g. PT24H, P2D)") from exc


def _levels(value: str, props: dict) -> None:
    if not value.isdigit() or int(value) < 1:
        raise ValueError("a whole number of at least 1 is expected")


def _timeout(value: str, props: dict) -> None:
    if value != "autoApprove" and not (value.startswith("reassign:") and value[9:].strip()):
        raise ValueError("must be autoApprove or reassign:<group>")
    if value == "autoApprove" and props.get("signatureRole"):
        # The escalation would complete it unsigned: a signed record with no signer.
        raise ValueError(
            f"autoApprove cannot sign: a task with signatureRole={props['signatureRole']!r} is approved "
            "only by its signer's signature (use reassign:<group>)"
        )


def _hours(value: str, props: dict) -> None:
    try:
        hours = float(value)
    except ValueError:
        hours = -1.0
    if not 0 < hours < float("inf"):
        raise ValueError("a number of hours is expected (e.g. 48)")


def _element_ids(value: str, props: dict) -> None:
    unknown = [e.strip() for e in value.split(",") if e.strip() and e.strip() not in props[_ELEMENTS]]
    if unknown:
        raise ValueError(f"{', '.join(map(repr, unknown))} names no element of the process")


# businessCalendar first: the durations after it are counted in it.
_CHECKS = {
    "businessCalendar": _calendar,
    "escalation.after": _duration,
    "escalation.maxLevels": _levels,
    "escalation.onTimeout": _timeout,
    "maxVisits": _levels,  # a typo (`two`) used to cap nothing, so the loop it should stop ran on
    "slaHours": _hours,
    "slaStartElement": _element_ids,
    "slaPauseElements": _element_ids,
}
