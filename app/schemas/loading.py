"""Loading a request with a schema: unknown and repeated fields refused, each bad field named (an
unknown one with the field it most looks like), and the field helpers the request schemas share.
"""

from __future__ import annotations

import difflib
from datetime import UTC, datetime
from functools import cache

from marshmallow import RAISE, Schema, ValidationError, fields
from werkzeug.datastructures import MultiDict

from app.errors import ValidationError as BatonValidationError


class Request(Schema):
    """A request's fields. Any other field is refused: a misspelt one must not be dropped unseen."""

    class Meta:
        unknown = RAISE


def load(schema: type[Schema], data, *, source: str | None = None) -> dict:
    """Validate request data with one `schema` instance; a failure is a 400 naming each bad field,
    and an unknown one with the field it most looks like."""
    source = source or ("query parameter" if isinstance(data, MultiDict) else "field")
    if data is not None and not isinstance(data, dict):  # ([] or "x": marshmallow says "_schema")
        raise BatonValidationError("the request body must be a JSON object", {"field": "body"})
    if isinstance(data, MultiDict) and source == "query parameter":
        _refuse_repeated(data)
    try:
        return _instance(schema).load(data if data is not None else {})
    except ValidationError as exc:
        messages = exc.messages
        if not isinstance(messages, dict):
            raise BatonValidationError(f"invalid request: {messages}", {"fields": messages})
        known = _instance(schema).load_fields
        names = [_named(name, messages, known, source) for name in sorted(messages, key=str)]
        raise BatonValidationError(f"invalid request: {', '.join(names)}", {"fields": messages})


def _refuse_repeated(args: MultiDict) -> None:
    # A query string may name a parameter twice (?status=running&status=failed); every field here
    # takes one value, and reading only the first would answer a question the client did not ask.
    repeated = {name: len(values) for name, values in args.lists() if len(values) > 1}
    if repeated:
        said = ", ".join(f"'{name}' is given {count} times" for name, count in repeated.items())
        fields_ = {name: ["Given more than once; this parameter takes one value."] for name in repeated}
        raise BatonValidationError(
            f"invalid request: query parameter {said}; give each once", {"fields": fields_}
        )


def _named(name, messages: dict, known: dict, source: str) -> str:
    """How the error message names one bad field; an unknown one gets its likely meaning."""
    if isinstance(messages.get(name), dict) and isinstance(known.get(name), fields.Nested):
        inner, nested = messages[name], known[name].schema.load_fields  # (the signature block)
        if "_schema" in inner:  # (marshmallow's "Invalid input type.": no object was given)
            messages[name] = ["Not a JSON object."]
            return f"{name}: not a JSON object"
        return f"{name}: " + ", ".join(_named(key, inner, nested, source) for key in sorted(inner, key=str))
    if name in known or messages[name] != ["Unknown field."]:
        return str(name)
    keys = [field.data_key or key for key, field in known.items()]
    meant = difflib.get_close_matches(str(name), keys, n=1, cutoff=0.6)
    hint = f" (did you mean '{meant[0]}'?)" if meant else f"; known: {', '.join(sorted(keys))}"
    messages[name] = [f"Unknown {source}{hint}."]
    return f"unknown {source} '{name}'{hint}"


class JsonBoolean(fields.Boolean):
    """A JSON body's boolean: true or false only. (marshmallow's Boolean also takes "no", "on", 1,
    which a form or a query string needs but a JSON client never means.)"""

    default_error_messages = {"invalid": "Must be true or false."}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


def merge_alias(data: dict, alias: str, name: str) -> dict:
    """Fold the value given under `alias` (another client's name for a field) into `name`."""
    if alias in data:
        value = data.pop(alias)
        if data.get(name) is not None and data[name] != value:
            raise ValidationError(f"give {name} or its alias, not both", name)
        data[name] = value
    return data


def require_ordered(data: dict, start: str, end: str) -> dict:
    """A range whose `start` is later than its `end` holds nothing: a 400 naming both, not an empty
    page the client would take for "nothing happened then". A bound without a zone is UTC."""
    low, high = data.get(start), data.get(end)
    if low is None or high is None or _utc(low) <= _utc(high):
        return data
    said = f"{start} ({low.isoformat()}) is later than {end} ({high.isoformat()})"
    why = f"{start} must not be later than {end}."
    raise BatonValidationError(f"invalid request: {said}", {"fields": {start: [why], end: [why]}})


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@cache
def _instance(schema: type[Schema]) -> Schema:
    # Building a schema copies and binds every declared field: ~50 us, as much as the load itself.
    # A load keeps no state on the instance, so one per class serves every request and thread.
    return schema()
