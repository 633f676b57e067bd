"""typeRef coercion: a value that does not conform to its declared type becomes null (DMN 7.3.4),
except in a decision table's clauses, which Camunda's typeRefs transform (app.engine.dmn.transforms)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.engine.dmn import transforms
from app.engine.feel import CompiledUnaryTests
from app.engine.feel.scope import Budget, Scope
from app.engine.feel.values import type_name

BUILTIN_TYPES = {
    "number": "number",
    "string": "string",
    "boolean": "boolean",
    "date": "date",
    "time": "time",
    "dateTime": "date and time",
    "date and time": "date and time",
    "dayTimeDuration": "days and time duration",
    "days and time duration": "days and time duration",
    "yearMonthDuration": "years and months duration",
    "years and months duration": "years and months duration",
    "context": "context",
    "list": "list",
    "function": "function",
    "range": "range",
    # Camunda 7 type names
    "double": "number",
    "integer": "number",
    "long": "number",
    "int": "number",
}


@dataclass
class ItemDefinition:
    name: str
    type_ref: str | None = None
    is_collection: bool = False
    components: list[ItemDefinition] = field(default_factory=list)
    allowed: CompiledUnaryTests | None = None


def local_type(type_ref: str | None) -> str | None:
    """`feel:number` -> `number`; a namespace prefix does not change the type."""
    if not type_ref:
        return None
    return type_ref.split(":", 1)[1] if ":" in type_ref and not type_ref.startswith("date") else type_ref


class TypeRegistry:
    """The model's itemDefinitions by name; `coerce(value, type_ref)` checks a value against one."""

    def __init__(self, items: dict[str, ItemDefinition]):
        self.items = items

    def coercer(self, type_ref: str | None) -> Callable[[Any], Any]:
        """`coerce` for one typeRef, with a fast path for values already of the type."""
        name = local_type(type_ref)
        if not name or name == "Any":
            return _same
        exact = _PYTHON_TYPES.get(BUILTIN_TYPES.get(name, "")) if name not in self.items else None
        if exact is None:
            return lambda value: self.coerce(value, type_ref)
        return lambda value: value if type(value) is exact else self.coerce(value, type_ref)

    def knows(self, type_ref: str) -> bool:
        name = local_type(type_ref)
        return not name or name == "Any" or name in BUILTIN_TYPES or name in self.items

    def transformer(self, type_ref: str | None, table: dict = transforms.TRANSFORMS) -> Callable[[Any], Any]:
        """A decision table clause's conversion: Camunda's transformation for the typeRefs it
        knows (app.engine.dmn.transforms; raises TypeMismatch), else `coercer`."""
        name = local_type(type_ref)
        found = transforms.transformer(name, table) if name and name not in self.items else None
        return found or self.coercer(type_ref)

    def coerce(self, value: Any, type_ref: str | None) -> Any:
        name = local_type(type_ref)
        if value is None or not name or name == "Any":
            return value
        item = self.items.get(name)
        if item is not None:
            return self._coerce_item(value, item)
        kind = BUILTIN_TYPES.get(name)
        if kind is None:
            return value
        if type_name(value) == kind:
            return value
        if type(value) is list and len(value) == 1 and type_name(value[0]) == kind:
            return value[0]
        return None

    def _coerce_item(self, value: Any, item: ItemDefinition) -> Any:
        if item.is_collection:
            items = value if type(value) is list else [value]
            single = ItemDefinition(item.name, item.type_ref, False, item.components, item.allowed)
            return [self._coerce_item(element, single) for element in items]
        if item.components:
            return self._coerce_structure(value, item)
        coerced = self.coerce(value, item.type_ref)
        if coerced is not None and item.allowed is not None and not _allowed(item.allowed, coerced):
            return None
        return coerced

    def _coerce_structure(self, value: Any, item: ItemDefinition) -> Any:
        if type(value) is list and len(value) == 1:
            value = value[0]
        if not isinstance(value, dict):
            return None
        result = dict(value)
        for component in item.components:
            if component.name in result:
                result[component.name] = self._coerce_item(result[component.name], component)
        return result


def _same(value: Any) -> Any:
    return value


_PYTHON_TYPES = {
    "number": Decimal,
    "string": str,
    "boolean": bool,
    "date": dt.date,
    "date and time": dt.datetime,
    "time": dt.time,
    "days and time duration": dt.timedelta,
}


def _allowed(tests: CompiledUnaryTests, value: Any) -> bool:
    return tests.test(value, Scope({}, None, Budget())) is True
