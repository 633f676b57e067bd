"""What JUEL's `execution` tells the expressions of an instance (app.engine.execution_facts): given
to the runner that starts or steps it, and held where a service evaluates the instance's
expressions itself (a new user task's assignee, candidates and dates)."""

from __future__ import annotations

from app.engine.execution_facts import ExecutionFacts
from app.models import ProcessInstance


def facts(instance_id, business_key: str | None, definition_id, tenant_id: str) -> ExecutionFacts:
    return ExecutionFacts(instance_id, business_key, definition_id, tenant_id)


def facts_of(instance: ProcessInstance) -> ExecutionFacts:
    return facts(instance.id, instance.business_key, instance.definition_id, instance.tenant_id)
