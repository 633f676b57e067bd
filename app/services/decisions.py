"""Evaluating a deployed decision directly."""

from __future__ import annotations

from app.errors import NotFound, Unprocessable
from app.models import Definition, User
from app.services.bundles import dmn_model, find_decision
from app.services.definitions import get_definition, versions_of
from app.services.instances import check_variables


def evaluate_decision(actor: User, key: str, variables: dict | None, version: int | None = None) -> object:
    """Evaluate decision `key` with `variables`: the latest published version, or `version` in any
    status (a draft is evaluated to test a table before it is published). Returns the FEEL result
    as JSON."""
    from app.engine import dmn, feel
    from app.engine.expression_errors import ExpressionError

    variables = check_variables(variables)
    definition = _decision(actor.tenant_id, key, version)
    try:
        return feel.to_json_value(dmn_model(definition.resource_id).evaluate(key, variables))
    except (dmn.DmnEvaluationError, ExpressionError) as exc:
        raise Unprocessable(f"decision '{key}' failed: {exc}", {"decision": key})


def _decision(tenant_id: str, key: str, version: int | None) -> Definition:
    if version is not None:
        return get_definition(tenant_id, key, "dmn", version)
    try:
        return find_decision(tenant_id, key)  # (from the catalog cache: no statement when warm)
    except NotFound:
        raise _unpublished(tenant_id, key) from None


def _unpublished(tenant_id: str, key: str) -> NotFound:
    """Why no version of `key` is evaluated by default: none deployed, or none published."""
    statuses = {str(d.version): d.status for d in versions_of(tenant_id, key, "dmn")}
    if not statuses:
        return NotFound(f"decision '{key}' is not deployed", {"decision": key})
    listed = ", ".join(f"version {version} is {status}" for version, status in statuses.items())
    return NotFound(
        f"decision '{key}' has no published version ({listed}): publish one with "
        f"POST /decision-definitions/{key}/status, or evaluate one with ?version=n",
        {"decision": key, "versions": statuses},
    )
