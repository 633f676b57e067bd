"""Terminal outcomes: which way an instance ended (ordered, withdrawn, scrapped, rma, ...).

An end event names its outcome with the property `outcome`; a model may instead set the process
variable `outcome` in a script. Recorded on ProcessInstance.outcome so instances can be filtered by it.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.engine.reports import StepResult
from app.models import ProcessInstance
from app.services.stepping import after_step

DEFAULT = "completed"  # an instance whose model names no outcome


def outcome_of(result: StepResult, elements: Mapping) -> str | None:
    """The outcome of a completed step: the end event's property, else the `outcome` variable."""
    for record in reversed(result.history):
        if record.element_type == "endEvent":
            named = (elements.get(record.element_id, {}).get("properties") or {}).get("outcome")
            if named:
                return named
    value = result.variables.get("outcome")
    return value if isinstance(value, str) and value else None


@after_step
def record_outcome(instance: ProcessInstance, result: StepResult) -> None:
    if result.status != "completed" or instance.outcome:
        return
    from app.services.jobs import instance_elements

    elements = result.elements if result.elements is not None else instance_elements(instance)
    instance.outcome = outcome_of(result, elements) or DEFAULT


def outcome_label(outcome: str | None, end_events: list[str], elements: Mapping) -> str | None:
    """The outcome in people's words: the name of the end event (of `end_events`, the last first)
    that records it, else the value made readable ("rolled_back": "Rolled back"). None when the model
    names no outcome: then "completed" says all there is."""
    if not outcome or outcome == DEFAULT:
        return None
    for element_id in reversed(end_events):
        element = elements.get(element_id, {})
        if (element.get("properties") or {}).get("outcome") == outcome and element.get("name"):
            return element["name"]
    return outcome.replace("_", " ").capitalize()
