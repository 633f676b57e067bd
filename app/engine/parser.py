"""Parse a deployment's BPMN, DMN and form files into what the server stores and runs.

The entry point: each file goes to the reader of its kind (`bpmn_files`, `dmn_files`,
`form_files`) and they fill one ParsedDeployment (`deployment_files`); `bpmn_parser` is the
SpiffWorkflow parser behind the BPMN files, whose build_parser and load_specs are used here too.
"""

from __future__ import annotations

from lxml import etree

from app.engine.bpmn_files import parse_bpmn
from app.engine.bpmn_parser import build_parser, load_specs
from app.engine.deployment_files import ParsedDeployment, ParsedForm, file_kind, read_xml
from app.engine.dmn_files import parse_dmn
from app.engine.errors import ModelError
from app.engine.form_files import add_form, parse_form

__all__ = ["ParsedDeployment", "ParsedForm", "build_parser", "file_kind", "load_specs", "parse_deployment"]


def parse_deployment(
    files: dict[str, bytes],
    resolve_process=None,
    max_bytes: int = 5 * 1024 * 1024,
    decision_deployed=None,
) -> ParsedDeployment:
    """Validate every file. `resolve_process(key)` supplies (filename, bytes) of an already deployed
    process this deployment calls, `decision_deployed(key)` whether a decision it uses is deployed:
    one that is nowhere yet is a warning (it is bound when reached)."""
    result = ParsedDeployment()
    bpmn_roots = _read_files(files, max_bytes, result)
    if bpmn_roots:
        parse_bpmn(bpmn_roots, result, (resolve_process, decision_deployed), max_bytes)
    if not (result.processes or result.decisions or result.forms):
        raise ModelError(
            "the deployment holds nothing Baton can run: no executable process, decision or form",
            filename=next(iter(files)),
        )
    return result


def _read_files(
    files: dict[str, bytes], max_bytes: int, result: ParsedDeployment
) -> dict[str, etree._Element]:
    """Add the decisions and forms to `result`; return the BPMN files' roots, parsed after them."""
    bpmn_roots: dict[str, etree._Element] = {}
    for filename, data in files.items():
        kind = file_kind(filename)
        if kind == "bpmn":
            bpmn_roots[filename] = read_xml(data, filename, max_bytes)
        elif kind == "dmn":
            parse_dmn(data, filename, max_bytes, result)
        else:
            add_form(result, parse_form(data, filename, max_bytes))
    return bpmn_roots
