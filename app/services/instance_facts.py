"""What JUEL's `execution` tells the expressions of an instance (app.engine.execution_facts): given
to the runner that starts or steps it, and held where a service evaluates the instance's
expressions itself (a new user task's assignee, candidates and dates)."""

from __future__ import annotations

from uuid import uuid4

from app.engine.execution_facts import ExecutionFacts
from app.models import ProcessInstance


def new_facts(business_key: str | None, definition_id, tenant_id: str) -> ExecutionFacts:
    """The facts of an instance about to start, its id chosen now: the first step's expressions
    and rows name it before anything is flushed (the row takes `process_instance_id`)."""
    return ExecutionFacts(uuid4(), business_key, definition_id, tenant_id)


def facts_of(instance: ProcessInstance) -> ExecutionFacts:
    return ExecutionFacts(instance.id, instance.business_key, instance.definition_id, instance.tenant_id)
