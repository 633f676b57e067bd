"""A deployment's forms: form-js files of their own, and the Camunda 8 forms kept inside a
process (zeebe:userTaskForm), each checked to be a form-js schema and keyed as formRef finds it."""

from __future__ import annotations

import json
import math
import sys

from app.engine import form_checks
from app.engine.data import why_unstorable
from app.engine.deployment_files import ParsedDeployment, ParsedForm
from app.engine.errors import ModelError
from app.engine.extension_forms import embedded_forms


def add_form(result: ParsedDeployment, form: ParsedForm) -> None:
    """Add `form` to the deployment, with the warnings its schema earns."""
    result.forms.append(form)
    result.warnings.extend(form_checks.schema_warnings(form.schema, form.filename))


def parse_form(data: bytes, filename: str, max_bytes: int) -> ParsedForm:
    if len(data) > max_bytes:
        raise ModelError(f"file is over the limit of {max_bytes} bytes", filename=filename)
    schema = _form_schema(data, filename)
    # A form's key is its id (what formRef and Camunda 8's formId name); a form saved without one
    # is keyed by its file name. camunda-forms:deployment:<file> finds it by file name either way.
    key = schema.get("id") if isinstance(schema.get("id"), str) and schema.get("id") else None
    return ParsedForm(key or filename.rsplit("/", 1)[-1], filename, schema)


def process_forms(process, filename: str) -> list[ParsedForm]:
    """Camunda 8 keeps a form in the process (zeebe:userTaskForm): stored as a form of its own,
    keyed `<process>:<form id>` so two processes' `userTaskForm_1` stay apart."""
    forms = []
    for form_id, line, text in embedded_forms(process):
        schema = _form_schema(text, filename, line, form_id or None)
        forms.append(ParsedForm(f"{process.get('id')}:{form_id}", filename, schema, process.get("id")))
    return forms


def _form_schema(data: bytes | str, filename: str, line: int | None = None, element_id=None) -> dict:
    where = {"filename": filename, "line": line, "element_id": element_id}
    try:
        schema = json.loads(data, parse_constant=_not_json, parse_float=_finite)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ModelError(f"form is not valid JSON: {exc}", **where)
    except RecursionError:
        raise ModelError(f"form is nested deeper than {sys.getrecursionlimit()} levels", **where)
    if not isinstance(schema, dict) or not isinstance(schema.get("components", []), list):
        raise ModelError("a form must be a JSON object with a list of components (a form-js schema)", **where)
    problem = _unstorable_text(schema)
    if problem:
        raise ModelError(f"form holds text that {problem}", **where)
    return schema


def _unstorable_text(value) -> str | None:
    """What in the schema's strings no text can hold (PostgreSQL's json no NUL, UTF-8 no lone
    surrogate, both of which a JSON string can spell), or None."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and (why := why_unstorable(item)):
            return why
    return None


# The schema is stored in a json column: Python's parser takes what PostgreSQL's json refuses.
def _not_json(name: str):
    raise ValueError(f"{name} is not a JSON value")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"the number {text} is too large for a float")
    return number
