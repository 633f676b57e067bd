"""Which stored Camunda Form a task or a start event shows."""

from __future__ import annotations

from app.models.definitions import PUBLISHED

CAMUNDA_FORM = "camunda-form"


def form_schema(tenant_id: str, form: dict | None) -> dict | None:
    """The form-js schema of a Camunda Form reference (latest published version), or None."""
    from app.services.deployments import latest_definition

    if not form or form.get("type") != CAMUNDA_FORM:
        return None
    definition = latest_definition(tenant_id, "form", form.get("ref") or "", statuses=(PUBLISHED,))
    return (definition.meta or {}).get("schema") if definition else None
