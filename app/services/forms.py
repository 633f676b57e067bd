"""A task's or a start event's form as the inbox shows it, and what the browser sent for it.

Checking what is sent back happens in the services that complete a task and start an instance
(app/services/form_values.py), so every door checks the same way.
"""

from __future__ import annotations

from app.services.form_refs import CAMUNDA_FORM, form_schema
from app.services.form_values import GENERATED, declared_keys

__all__ = ["CAMUNDA_FORM", "GENERATED", "form_schema", "initial_values", "declared_values"]


def initial_values(form: dict | None, variables: dict) -> dict:
    """What the inbox's generated form shows first: the instance's current value, else the default."""
    if not form or form.get("type") != GENERATED:
        return {}
    values = {}
    for field in form.get("fields", []):
        value = variables.get(field["id"], field.get("default"))
        values[field["id"]] = "" if value is None else value
    return values


def declared_values(form: dict | None, schema: dict | None, submitted: dict) -> dict:
    """Of what a browser posted, the form's fields only (not the CSRF token, not the sign-off)."""
    declared = declared_keys(form, schema)
    if form and form.get("type") == GENERATED:
        readonly = {f["id"] for f in form["fields"] if "readonly" in (f.get("validation") or {})}
        declared -= readonly  # shown disabled: the browser's value is not the user's
    return {key: value for key, value in submitted.items() if key in declared}
