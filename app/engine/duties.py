"""Segregation of duties ("four eyes"): the user-task property `notBy` names who may not work on it.

    <camunda:property name="notBy" value="starter, Task_draft" />

The task may not be claimed, delegated to or completed by the user who started the instance
(`starter`), nor by whoever completed one of the named user tasks in it. Regulated work needs this:
the person who drafted a work order does not approve it; the System Owner who signed does not sign
again as QA. Camunda has no such attribute (models there use task listeners); the property keeps the
model runnable by both. Checked here at deploy, enforced by app.services.duties.
"""

from __future__ import annotations

from app.engine.errors import ModelError
from app.engine.io_mapping import NS

PROPERTY = "notBy"
STARTER = "starter"


def not_by(element: dict) -> list[str]:
    """The names in the element's `notBy` property: `starter` and user task ids."""
    text = (element.get("properties") or {}).get(PROPERTY) or ""
    return [name.strip() for name in text.split(",") if name.strip()]


def check_process(process, filename: str) -> None:
    """Every name a `notBy` lists is `starter` or a user task of the same process (else a 400)."""
    tag = "{" + NS["bpmn"] + "}userTask"
    user_tasks = {node.get("id") for node in process.iter(tag)}
    query = "./bpmn:extensionElements/camunda:properties/camunda:property[@name='notBy']"
    for node in process.iter(tag):
        for prop in node.xpath(query, namespaces=NS):
            unknown = [n for n in not_by({"properties": {PROPERTY: prop.get("value")}}) if n != STARTER]
            unknown = [n for n in unknown if n not in user_tasks]
            if unknown:
                raise ModelError(
                    f"notBy names {', '.join(repr(n) for n in unknown)}: each name must be 'starter' "
                    "or the id of a user task of this process",
                    filename=filename,
                    line=prop.sourceline,
                    element_id=node.get("id"),
                )
