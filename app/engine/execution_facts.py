"""What Camunda 7's `execution` tells a JUEL expression besides the variables: the instance's id and
business key, its definition and tenant (`${execution.processBusinessKey}`, or the getter
`${execution.getProcessBusinessKey()}`).

The engine does not know which instance it runs: the service that loads or starts one gives the
runner these facts, and the runner holds them (a context variable) while it acts, so any expression
evaluated meanwhile reads them, wherever in the library it is evaluated. Outside a runner's act
(deploy checks, a handler's error expression) there are none, and such a read is the variable of
that name, as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any, NamedTuple


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


PROPERTIES = frozenset(ExecutionFacts("").properties())
GETTERS = {"get" + name[0].upper() + name[1:]: name for name in PROPERTIES}

_current: ContextVar[ExecutionFacts | None] = ContextVar("baton_execution_facts", default=None)


def current() -> ExecutionFacts | None:
    return _current.get()


def hold(facts: ExecutionFacts | None) -> Token:
    """Expressions evaluated until `release(token)` read `facts` (the runner, around each act)."""
    return _current.set(facts)


def release(token: Token) -> None:
    _current.reset(token)


@contextmanager
def held(facts: ExecutionFacts | None) -> Iterator[None]:
    """Expressions evaluated inside read `facts` (None: none, as outside any instance)."""
    token = hold(facts)
    try:
        yield
    finally:
        release(token)
