"""What Camunda 7's `execution` tells a JUEL expression besides the variables: the instance's id and
business key, its definition and tenant (`${execution.processBusinessKey}`, or the getter
`${execution.getProcessBusinessKey()}`).

The engine does not know which instance it runs: the service that loads or starts one gives the
runner these facts, and the runner holds them (a context variable) while it acts, so any expression
evaluated meanwhile reads them, wherever in the library it is evaluated. Outside a runner's act
(deploy checks, a handler's error expression) there are none, and such a read is the variable of
that name, as before.

Which activity is evaluating (`${execution.currentActivityId}`, `currentActivityName`,
`activityInstanceId`) is held the same way, by what evaluates for a task: the script engine
(conditions, timers, conditional events), input and output mappings, multi-instance collections,
call activities' mappings and message subscriptions hold the library task they evaluate for, and
a service evaluating a new user task's fields holds that task's `Activity`. Each holds it only
there, so steps that evaluate nothing pay nothing for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar, Token
from typing import Any, NamedTuple

from app.engine.implicit_splits import shown_element


class ExecutionFacts(NamedTuple):
    """Built at every start and load, read only when an expression reads `execution`: a tuple,
    its ids turned to text only then."""

    process_instance_id: Any
    business_key: str | None = None
    process_definition_id: Any = None
    tenant_id: str | None = None

    def properties(self) -> dict:
        """Camunda 7's property names (DelegateExecution's getters without `get`) and their values."""
        definition = self.process_definition_id
        return {
            "processInstanceId": str(self.process_instance_id),
            "processBusinessKey": self.business_key,
            "businessKey": self.business_key,
            "processDefinitionId": None if definition is None else str(definition),
            "tenantId": self.tenant_id,
        }


class Activity(NamedTuple):
    """The activity an expression belongs to, as Camunda 7's execution names it."""

    element_id: str | None
    name: str | None
    task_id: Any

    def properties(self) -> dict:
        instance_id = None if self.element_id is None else f"{self.element_id}:{self.task_id}"
        return {
            "currentActivityId": self.element_id,
            "currentActivityName": self.name,
            "activityInstanceId": instance_id,
        }


def activity_of(task: Any) -> Activity:
    """The Activity of a library task (or the Activity itself); engine specs without a BPMN
    element (the process's start and end) have none."""
    if isinstance(task, Activity):
        return task
    spec = task.task_spec
    return Activity(shown_element(spec), getattr(spec, "bpmn_name", None), task.id)


_NO_ACTIVITY = Activity(None, None, None)  # (an instance's expression evaluated between steps)
PROPERTIES = frozenset(ExecutionFacts("").properties()) | frozenset(_NO_ACTIVITY.properties())
GETTERS = {"get" + name[0].upper() + name[1:]: name for name in PROPERTIES}

_current: ContextVar[ExecutionFacts | None] = ContextVar("baton_execution_facts", default=None)
_acting_on: ContextVar[Any] = ContextVar("baton_current_activity", default=None)


def hold(facts: ExecutionFacts | None) -> Token:
    """Expressions evaluated until `release(token)` read `facts` (the runner, around each act)."""
    return _current.set(facts)


def release(token: Token) -> None:
    _current.reset(token)


def held(facts: ExecutionFacts | None) -> AbstractContextManager[None]:
    """Expressions evaluated inside read `facts` (None: none, as outside any instance)."""
    return _setting(_current, facts)


def properties() -> dict:
    """What `execution` tells an expression evaluated now besides the variables ({} outside any
    instance and activity: then a read is the variable of that name)."""
    facts, task = _current.get(), _acting_on.get()
    if facts is None and task is None:
        return {}
    found = facts.properties() if facts is not None else {}
    found.update((activity_of(task) if task is not None else _NO_ACTIVITY).properties())
    return found


def acting_on(task: Any) -> AbstractContextManager[None]:
    """Expressions evaluated inside belong to `task` (a library task or an Activity)."""
    return _setting(_acting_on, task)


@contextmanager
def _setting(variable: ContextVar, value: Any) -> Iterator[None]:
    token = variable.set(value)
    try:
        yield
    finally:
        variable.reset(token)
