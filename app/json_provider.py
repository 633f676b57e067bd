"""Flask's JSON responses written by orjson: the same compact text, sorted keys and values.

Every API answer goes through `jsonify`; the standard encoder (sorted keys, ASCII escapes, a Python
`default` per UUID) cost ~2 % of a start + complete. orjson writes the same text in C (only a
float's exponent loses its leading zero, 1e-7 for 1e-07, and DEL is not escaped: the same values).
What it would write otherwise goes through Flask's provider as before: non-ASCII text (Flask
escapes it), dates and dataclasses (Flask's `default` decides), integers past 64 bits, keys that are
not strings, and debug mode's indented output.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider

_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


class OrjsonProvider(DefaultJSONProvider):
    def response(self, *args: Any, **kwargs: Any):
        if self.compact is False or (self.compact is None and self._app.debug):
            return super().response(*args, **kwargs)
        obj = self._prepare_response_obj(args, kwargs)
        try:
            body = orjson.dumps(obj, default=self.default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            return super().response(*args, **kwargs)
        if not body.isascii():
            return super().response(*args, **kwargs)
        # (typed by the sansio App, whose Response takes a status first; Flask's takes the body)
        return self._app.response_class(body + b"\n", mimetype=self.mimetype)  # type: ignore[arg-type]


def column_loads(data: bytes | str) -> Any:
    """JSON and JSONB columns read back on PostgreSQL (psycopg's loader, through SQLAlchemy's
    `json_deserializer`): orjson parses the same JSON to the same values, in C (a task list page's
    100 candidate lists cost ~20 % of its CPU with the standard module). But orjson reads an integer
    past 64 bits as a float, losing digits: text with a run of 19 digits or more goes to the
    standard module, as does anything orjson refuses (1e400)."""
    raw = data.encode() if isinstance(data, str) else bytes(data)
    if _LONG_DIGITS.search(raw) is None:
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    return json.loads(raw)


_LONG_DIGITS = re.compile(rb"\d{19}")
