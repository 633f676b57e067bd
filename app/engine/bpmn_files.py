"""A deployment's BPMN files: the checks each executable process must pass, and what is stored
about it (its elements, how it is started, the elements of the processes it calls)."""

from __future__ import annotations

from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag

from app.engine import bindings, extensions, structure, validation
from app.engine.bpmn_parser import BatonParser, build_parser, load_specs
from app.engine.deployment_files import ParsedDeployment, ParsedProcess, read_xml
from app.engine.errors import ModelError
from app.engine.form_files import add_form, process_forms


def parse_bpmn(roots, result: ParsedDeployment, lookups, max_bytes: int) -> None:
    """Check every executable process in `roots` and add it to `result` with its stored meta.
    `lookups` is (resolve_process, decision_deployed), as parse_deployment takes them."""
    own = _executable_processes(roots, result)
    _check_processes(own, result, lookups)
    parser = build_parser(roots)
    all_roots = _with_callee_roots(roots, parser, lookups[0], max_bytes)
    messages, signals = _names_by_id(roots, "message"), _names_by_id(roots, "signal")
    for filename, process in own:
        key = process.get("id")
        load_specs(parser, key)
        meta = _process_meta(process, messages, signals, all_roots)
        result.processes.append(ParsedProcess(key, process.get("name"), filename, meta))
        for form in process_forms(process, filename):
            add_form(result, form)


def _executable_processes(roots, result: ParsedDeployment) -> list:
    """(file, process) of every executable process; a file with none is worth a warning."""
    found = []
    for filename, root in roots.items():
        structure.check_file(root, filename)
        processes = [p for p in root.iter(full_tag("process")) if p.get("isExecutable", "true") != "false"]
        if not processes:
            result.warnings.append(
                {
                    "file": filename,
                    "element_id": None,
                    "message": 'the file has no executable process (isExecutable="true"): nothing from it'
                    " can be started",
                }
            )
        found += [(filename, p) for p in processes]
    return found


def _check_processes(own, result: ParsedDeployment, lookups) -> None:
    """Refuse a process the engine cannot run; warn about what it refers to and is nowhere yet."""
    resolve_process, decision_deployed = lookups
    here = {"process": {p.get("id") for _, p in own}, "decision": {d.key for d in result.decisions}}
    deployed = {
        "process": lambda key: resolve_process is not None and resolve_process(key) is not None,
        "decision": lambda key: decision_deployed is not None and decision_deployed(key),
    }
    for filename, process in own:
        structure.check_process(process, filename)
        _refuse_reserved_ids(process, filename)
        warnings = validation.validate_process(process, filename)
        warnings += bindings.check_references(process, filename, here, deployed)
        result.warnings.extend({"file": filename, **w} for w in warnings)


def _with_callee_roots(roots, parser: BatonParser, resolve_process, max_bytes: int) -> dict:
    # A called process's elements (for what is looked up outside a step: notification settings,
    # a task page's requirements) come from this deployment, else from its latest deployed version.
    all_roots = dict(roots)
    for callee in _missing_callees(parser):
        found = resolve_process(callee) if resolve_process else None
        if found:
            all_roots[found[0]] = read_xml(found[1], found[0], max_bytes)
    return all_roots


def _process_meta(process, messages: dict[str, str], signals: dict[str, str], all_roots) -> dict:
    meta = extensions.read_process(process)
    meta["start_messages"] = _start_events(process, messages, "message")
    meta["start_signals"] = _start_events(process, signals, "signal")
    meta["none_start"] = _has_none_start(process)
    _add_callee_elements(meta, process, all_roots)
    return meta


def _add_callee_elements(meta: dict, own, roots) -> None:
    # A called process's tasks run inside this instance, and runtime looks elements up by id.
    # On a clash the caller's element wins, unless it is only a container (Camunda's invoice
    # names its call activity and the called user task both `reviewInvoice`).
    # `called_elements` says which process each such element is from (its form is resolved there).
    elements, called = meta["elements"], {}
    for process in _other_processes(roots, own):
        for element_id, info in extensions.read_process(process)["elements"].items():
            mine = elements.get(element_id)
            if mine is None or mine.get("type") in ("callActivity", "subProcess"):
                elements[element_id] = info
                called[element_id] = process.get("id")
    if called:
        meta["called_elements"] = called


def _other_processes(roots, own) -> list:
    return [p for root in roots.values() for p in root.iter(full_tag("process")) if p is not own]


# SpiffWorkflow names its own hidden task specs so; an element with one of these ids silently
# replaces them and every start then fails, so refuse them at deploy.
RESERVED_IDS = {"Start", "End", "Root"}


def _refuse_reserved_ids(process, filename: str) -> None:
    for element in process.iter():
        if element.get("id") in RESERVED_IDS:
            raise ModelError(
                f"the id '{element.get('id')}' is reserved by the engine; rename the element",
                filename=filename,
                line=element.sourceline,
                element_id=element.get("id"),
            )


def _missing_callees(parser: BatonParser) -> list[str]:
    known = set(parser.get_process_ids())
    return sorted(set(parser.get_process_dependencies()) - known)


def _has_none_start(process) -> bool:
    """Whether a start event without an event definition lets a person start the process."""
    return any(
        not any(str(child.tag).endswith("EventDefinition") for child in start)
        for start in process.findall(full_tag("startEvent"))
    )


def _names_by_id(roots, tag: str) -> dict[str, str]:
    return {m.get("id"): m.get("name") for root in roots.values() for m in root.iter(full_tag(tag))}


def _start_events(process, names_by_id: dict[str, str], kind: str) -> list[str]:
    """The names of the messages (or signals) the process's start events catch."""
    names = []
    for start in process.findall(full_tag("startEvent")):
        for definition in start.findall(full_tag(f"{kind}EventDefinition")):
            ref = definition.get(f"{kind}Ref")
            names.append(names_by_id.get(ref, ref))
    return [n for n in names if n]
