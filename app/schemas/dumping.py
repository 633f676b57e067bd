"""Compiled dumps: what a response schema's `dump` returns, for the shapes every request answers with.

Marshmallow resolves an accessor and dispatches through three methods per field on every dump, about
1.3 us a field; a task (17 fields) cost ~22 us, a page of 50 ~2.5 ms. `dumper` looks each field's
converter up once, at import. It knows only plain fields, and refuses any other at import, so a
schema that grows a Nested or a Method field keeps working through marshmallow until it is taught.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from typing import Any

from marshmallow import Schema, fields


def dumper(schema: type[Schema]) -> Callable[[Any], dict]:
    """A function returning `schema().dump(item)` for one object, row or mapping."""
    plan = [
        (field.data_key or name, field.attribute or name, _converter(field))
        for name, field in schema().dump_fields.items()
    ]

    def dump(item) -> dict:
        # A row's mapping answers .get through the Mapping ABC (~0.7 us a key); one dict() of it,
        # then dict.get, halves a page of 50 tasks' dump.
        get = dict(item).get if isinstance(item, Mapping) else partial(getattr, item)
        out = {}
        for key, source, convert in plan:
            value = get(source, _MISSING)
            if value is not _MISSING:  # as marshmallow does, a field the item lacks is left out
                out[key] = None if value is None else convert(value)
        return out

    return dump


_MISSING = object()


def _converter(field: fields.Field) -> Callable[[Any], Any]:
    """What the field's `_serialize` does to a value that is not None."""
    # type(field) is tested, not isinstance: a subclass may serialize otherwise.
    if type(field) is fields.List:
        inner = _converter(field.inner)
        return lambda values: [None if v is None else inner(v) for v in values]
    if type(field) in (fields.String, fields.UUID):
        return str
    if type(field) is fields.Integer and not field.as_string:
        return int
    if type(field) is fields.Boolean:
        return bool
    if type(field) is fields.DateTime and field.format in ("iso", "iso8601"):
        return datetime.isoformat
    if type(field) is fields.Dict and field.key_field is None and field.value_field is None:
        return dict
    raise TypeError(f"dumper does not know how to dump {field!r}; dump this schema with marshmallow")
