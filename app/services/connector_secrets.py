"""Camunda 8's connector secrets in the HTTP connectors' inputs: `{{secrets.NAME}}`.

The placeholders are replaced by the tenant's handler secrets (app.services.secrets_store) in the
request the connector is about to send, and only there: in the url's query string and the fields
the connector names (Camunda 7's http-connector: the headers' values and the payload; Camunda 8's
REST connector: headers, queryParameters, body and authentication), text or the strings of a map
or list. The evaluated inputs are never
stored, so a value lives only in this call; errors name the secret, never a value. The query string
only, not the host or path: the host is named in log lines and incident messages.
"""

from __future__ import annotations

import re

from app.errors import NotFound
from app.extensions import db
from app.services.secrets_store import get_secret

PLACEHOLDER = re.compile(r"\{\{secrets\.([A-Za-z0-9_.-]+)\}\}")


class UnknownSecret(LookupError):
    """A placeholder names a secret the tenant does not have."""


HTTP_CONNECTOR_FIELDS = ("headers", "payload")


def resolve(
    inputs: dict,
    tenant_id: str,
    fields: tuple[str, ...] = HTTP_CONNECTOR_FIELDS,
    caller: str = "http-connector",
) -> dict:
    """The connector's inputs with their placeholders replaced by the tenant's secrets: in the url's
    query string and in `fields`."""
    values: dict[str, str] = {}
    resolved = {**inputs}

    def fill(value):
        return _fill(value, tenant_id, values, caller)

    if isinstance(inputs.get("url"), str):
        resolved["url"] = _url(inputs["url"], fill, caller)
    for field in fields:
        if field in inputs:
            resolved[field] = fill(inputs[field])
    if values:
        db.session.commit()  # the secrets are read: no transaction stays open during the call
    return resolved


def _url(url: str, fill, caller: str) -> str:
    before, mark, query = url.partition("?")
    if PLACEHOLDER.search(before):
        raise ValueError(f"{caller} resolves {{{{secrets.NAME}}}} in the url's query string only")
    return before + mark + fill(query)


def _fill(value, tenant_id: str, values: dict[str, str], caller: str):
    """Replace the placeholders in a string, or in the strings of a map or list."""
    if isinstance(value, dict):
        return {k: _fill(v, tenant_id, values, caller) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, tenant_id, values, caller) for v in value]
    if not isinstance(value, str):
        return value
    return PLACEHOLDER.sub(lambda found: _secret(found.group(1), tenant_id, values, caller), value)


def _secret(name: str, tenant_id: str, values: dict[str, str], caller: str) -> str:
    if name not in values:
        try:
            values[name] = get_secret(name, tenant_id)
        except NotFound:
            raise UnknownSecret(f"{caller} input refers to secret '{name}', which does not exist") from None
    return values[name]
