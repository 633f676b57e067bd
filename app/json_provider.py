"""Flask's JSON responses written by orjson: the same compact text, sorted keys and values.

Every API answer goes through `jsonify`; the standard encoder (sorted keys, ASCII escapes, a Python
`default` per UUID) cost ~2 % of a start + complete. orjson writes the same text in C (only a
float's exponent loses its leading zero, 1e-7 for 1e-07, and DEL is not escaped: the same values).
What it would write otherwise goes through Flask's provider as before: non-ASCII text (Flask
escapes it), dates and dataclasses (Flask's `default` decides), integers past 64 bits, keys that are
not strings, and debug mode's indented output.
"""

from __future__ import annotations

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
