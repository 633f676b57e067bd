"""Evaluating a deployed decision directly."""

from __future__ import annotations

from app.errors import Unprocessable
from app.models import User
from app.services.bundles import dmn_model, find_decision
from app.services.instances import check_variables


def evaluate_decision(actor: User, key: str, variables: dict | None) -> object:
    """Evaluate the latest published decision `key` with `variables`; returns the FEEL result as JSON."""
    from app.engine import dmn, feel
    from app.engine.expression_errors import ExpressionError

    variables = check_variables(variables)
    definition = find_decision(actor.tenant_id, key)
    try:
        return feel.to_json_value(dmn_model(definition.resource_id).evaluate(key, variables))
    except (dmn.DmnEvaluationError, ExpressionError) as exc:
        raise Unprocessable(f"decision '{key}' failed: {exc}", {"decision": key})
