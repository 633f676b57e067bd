"""Text no column can hold, refused at the door with a 400 naming where it was sent.

PostgreSQL's text and json types refuse the character NUL (U+0000), and UTF-8 has no lone
surrogates (U+D800 to U+DFFF, which a JSON string can spell as `\\ud800`). A value holding either,
in a path, a query parameter, a form field or a JSON body, used to fail as a 500 at whatever
statement first met it: a query filter (`/audit?actor=a%00`), a variable, a business key, a token's
name, the username a failed sign-in audits. No name, key or variable needs them, so every request
is checked once, before a route reads it: the API's after its token (app/api), the inbox's after
its session and CSRF check (app/web).
"""

from __future__ import annotations

import re

from flask import request

from app.engine.data import why_unstorable
from app.errors import ValidationError

_URLENCODED = "application/x-www-form-urlencoded"
_FORMS = ("multipart/form-data", _URLENCODED)
# What a JSON body must hold for one of its strings to be unstorable: NUL or a surrogate, escaped,
# or a surrogate's raw UTF-8 bytes (Python's JSON parser lets them through). Most bodies hold none,
# and are not walked.
_MAYBE_IN_JSON = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])|\xed[\xa0-\xbf]")


def refuse_unstorable_request() -> None:
    """A 400 naming the path, query parameter or form field that holds text no column can hold."""
    sent = [("path", "path", request.path)]
    sent += [("query parameter", k, text) for k, v in request.args.items(multi=True) for text in (k, v)]
    if request.mimetype in _FORMS:
        if request.mimetype == _URLENCODED:
            # Keep the raw body: reading the form consumes the stream, and the API's json_body must
            # still see what `curl -d '{...}'` (which says form-urlencoded) sent, to refuse it as not
            # JSON instead of taking it as no body at all. werkzeug parses the form from this copy.
            request.get_data(cache=True)
        sent += [("form field", k, text) for k, v in request.form.items(multi=True) for text in (k, v)]
        sent += [("file name of", k, f.filename or "") for k, f in request.files.items(multi=True)]
    for kind, name, text in sent:
        why = why_unstorable(text)
        if why:
            name = _printable(name)
            where = "the path" if kind == "path" else f"the {kind} '{name}'"
            raise ValidationError(f"{where} {why}", {"field": name})


def refuse_unstorable_json(raw: bytes, body) -> None:
    """A 400 naming the first string (a value or a key) of a JSON body that no column can hold."""
    if not _MAYBE_IN_JSON.search(raw):
        return
    stack = [("body", body)]
    while stack:
        where, value = stack.pop()
        for key, child in _children(value):
            place = f"{where}.{key}" if isinstance(key, str) else f"{where}[{key}]"
            why = why_unstorable(key) if isinstance(key, str) else None
            why = why or (why_unstorable(child) if isinstance(child, str) else None)
            if why:
                raise ValidationError(f"{_printable(place)} {why}", {"field": _printable(place)})
            stack.append((place, child))


def _children(value):
    if isinstance(value, dict):
        return value.items()
    return enumerate(value) if isinstance(value, list) else ()


def _printable(text: str) -> str:
    # The message names the place: it must itself be text a response (and a log) can carry.
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\u0000")
