"""Parse a deployment's BPMN, DMN and form files into what the server stores and runs."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.data_spec import BpmnDataStoreSpecification
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.camunda.parser.task_spec import CamundaTaskParser
from SpiffWorkflow.exceptions import SpiffWorkflowException

from app.engine import bindings, compensation, cron_timers, extensions, form_checks, structure, validation
from app.engine.call_activity import called_element
from app.engine.camunda_parsing import read_binding, with_camunda_hooks
from app.engine.errors import ModelError
from app.engine.event_subprocess import BatonProcessParser
from app.engine.event_subprocess import parser_overrides as event_subprocess_overrides
from app.engine.events import link_event_overrides
from app.engine.extension_forms import embedded_forms
from app.engine.extension_tasks import read_decision
from app.engine.implicit_splits import add_implicit_splits, hide_implicit_splits
from app.engine.messages import event_parser_overrides
from app.engine.multi_instance import connect_loop_children
from app.engine.specs import BatonServiceTask, DecisionTask
from app.engine.xmlsafe import UnsafeXmlError, parse_xml
from app.engine.zeebe_tasks import ZeebeScriptTaskParser, is_job_worker, job_worker_events, job_worker_task


class DecisionTaskParser(CamundaTaskParser):
    @staticmethod
    def get_decision_ref(node):
        # SpiffWorkflow collects DMN dependencies through this hook; Baton resolves decisions at run time.
        return read_decision(node).get("decision_ref")

    def create_task(self):
        if is_job_worker(self.node):  # Camunda 8: a job worker decides, not a DMN table
            return job_worker_task(self)
        info = read_decision(self.node)
        if not info.get("decision_ref"):
            self.raise_validation_exception(
                "a business rule task needs camunda:decisionRef or zeebe:calledDecision"
            )
        return DecisionTask(
            self.spec,
            self.bpmn_id,
            info["decision_ref"],
            info.get("result_variable"),
            info.get("map_decision_result"),
            read_binding(self, "decision"),
            **self.bpmn_attributes,
        )


class DrawnDataStore(BpmnDataStoreSpecification):
    def get(self, my_task):
        pass

    def set(self, my_task):
        pass


class ElementParser(BatonProcessParser):
    """Parses each flow node once, naming what it cannot run, and tags its spec with its BPMN type."""

    def parse_node(self, node):
        if node.get("id") in self.spec.task_specs:
            return self.spec.task_specs[node.get("id")]
        node_parser, spec_class = self.parser._get_parser_class(node.tag)
        if not node_parser or not spec_class:
            error = ValidationException(
                f"<{_short_tag(node)}> is not an element Baton can run", node=node, file_name=self.filename
            )
            error.line_number = node.sourceline
            raise error
        parsed = node_parser(self, spec_class, node, self.nsmap, lane=self.lane)
        returned = parsed.parse_node()
        # History reports the BPMN element type, as Camunda's does (`userTask`, `callActivity`); a
        # multi-instance activity and the instances it runs both report the inner activity's type.
        inner = self.spec.task_specs.get(getattr(parsed.task, "task_spec", None) or "")
        for spec in (parsed.task, inner):
            if spec is not None:
                spec.element_type = etree.QName(node).localname
                if node.get("scriptFormat") is not None:
                    spec.script_format = node.get("scriptFormat")  # the script engine runs it by this
        return returned


def _short_tag(node) -> str:
    qname = etree.QName(node)
    prefix = next((p for p, uri in (node.nsmap or {}).items() if uri == qname.namespace and p), None)
    return f"{prefix}:{qname.localname}" if prefix else qname.localname


class BatonParser(CamundaParser):
    # Every task parser also applies io mappings and Camunda multi-instance (app.engine.camunda_parsing).
    OVERRIDE_PARSER_CLASSES = with_camunda_hooks(
        {
            **CamundaParser.OVERRIDE_PARSER_CLASSES,
            **event_parser_overrides(),
            full_tag("businessRuleTask"): (DecisionTaskParser, DecisionTask),
            # Service and send tasks wait for a Celery worker instead of running inside the request.
            full_tag("serviceTask"): (CamundaTaskParser, BatonServiceTask),
            full_tag("sendTask"): (CamundaTaskParser, BatonServiceTask),
            full_tag("scriptTask"): (
                ZeebeScriptTaskParser,
                CamundaParser.OVERRIDE_PARSER_CLASSES[full_tag("scriptTask")][1],
            ),
        }
    )
    OVERRIDE_PARSER_CLASSES.update(link_event_overrides(OVERRIDE_PARSER_CLASSES))
    OVERRIDE_PARSER_CLASSES.update(event_subprocess_overrides(OVERRIDE_PARSER_CLASSES))
    OVERRIDE_PARSER_CLASSES.update(compensation.parser_overrides(OVERRIDE_PARSER_CLASSES))
    OVERRIDE_PARSER_CLASSES.update(cron_timers.parser_overrides(OVERRIDE_PARSER_CLASSES))
    OVERRIDE_PARSER_CLASSES.update(job_worker_events(OVERRIDE_PARSER_CLASSES))
    PROCESS_PARSER_CLASS = ElementParser

    def _add_data_stores(self, bpmn):
        # A data store without an implementation (Camunda models draw them as documentation)
        # reads and writes nothing instead of failing the deployment; validation warns about it.
        names = {s.get("name") for s in bpmn.xpath(".//bpmn:dataStore", namespaces=self.namespaces)}
        self.DATA_STORE_CLASSES = {**{n: DrawnDataStore for n in names if n}, **type(self).DATA_STORE_CLASSES}
        super()._add_data_stores(bpmn)

    def _find_dependencies(self, process):
        # zeebe:calledElement names the callee in an extension element, not the attribute.
        for node in process.xpath(".//bpmn:callActivity", namespaces=self.namespaces):
            self.process_dependencies.add(called_element(node))


@dataclass
class ParsedProcess:
    key: str
    name: str | None
    filename: str
    meta: dict


@dataclass
class ParsedDecision:
    key: str
    name: str | None
    filename: str
    meta: dict = field(default_factory=dict)


@dataclass
class ParsedForm:
    key: str
    filename: str
    schema: dict
    process: str | None = None  # the process holding it (a Camunda 8 form embedded in the BPMN)

    @property
    def file(self) -> str:
        """The bare file name: what camunda-forms:deployment:<file> names."""
        return self.filename.rsplit("/", 1)[-1]


@dataclass
class ParsedDeployment:
    processes: list[ParsedProcess] = field(default_factory=list)
    decisions: list[ParsedDecision] = field(default_factory=list)
    forms: list[ParsedForm] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)


# Camunda names its files `.bpmn20.xml` and `.dmn11.xml` too; `.bpmn.xml` and `.dmn.xml` are seen.
_SUFFIXES = {
    "bpmn": (".bpmn", ".bpmn.xml", ".bpmn20.xml"),
    "dmn": (".dmn", ".dmn.xml", ".dmn11.xml"),
    "form": (".form", ".form.xml"),
}


def file_kind(filename: str) -> str:
    for kind, suffixes in _SUFFIXES.items():
        if filename.lower().endswith(suffixes):
            return kind
    raise ModelError(
        "unsupported file type: only .bpmn (.bpmn20.xml), .dmn (.dmn11.xml) and .form files can be deployed",
        filename=filename,
    )


def _xml(data: bytes, filename: str, max_bytes: int) -> etree._Element:
    try:
        return parse_xml(data, filename, max_bytes=max_bytes)
    except UnsafeXmlError as exc:
        raise ModelError(exc.problem, filename=filename, line=exc.line)


def _model_error(exc: SpiffWorkflowException, fallback_file: str | None = None) -> ModelError:
    line = str(getattr(exc, "line_number", None) or "")
    return ModelError(
        str(exc.args[0]) if exc.args else str(exc),
        filename=getattr(exc, "file_name", None) or fallback_file,
        line=int(line) if line.isdigit() else None,
        element_id=getattr(exc, "id", None) or None,
    )


def build_parser(bpmn_files: dict[str, etree._Element]) -> BatonParser:
    parser = BatonParser()
    for filename, root in bpmn_files.items():
        try:
            parser.add_bpmn_xml(add_implicit_splits(root), filename=filename)
        except ValidationException as exc:
            raise _model_error(exc, filename)
    return parser


def load_specs(parser: BatonParser, key: str):
    """Return (spec, subprocess_specs) of process `key`; raises ModelError naming the element.

    The processes its call activities call are there only when the parser has their files; they
    are bound when reached (app.engine.bindings), so one not deployed yet is no error here."""
    try:
        found = parser.get_subprocess_specs(key, require_call_activity_specs=False)
        spec, subprocess_specs = parser.get_spec(key), {name: s for name, s in found.items() if s is not None}
    except ValidationException as exc:
        raise _model_error(exc)
    except SpiffWorkflowException as exc:
        raise ModelError(str(exc))
    connect_loop_children(spec, *subprocess_specs.values())
    hide_implicit_splits(spec, *subprocess_specs.values())
    return spec, subprocess_specs


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
    bpmn_roots: dict[str, etree._Element] = {}
    for filename, data in files.items():
        kind = file_kind(filename)
        if kind == "bpmn":
            bpmn_roots[filename] = _xml(data, filename, max_bytes)
        elif kind == "dmn":
            _parse_dmn(data, filename, max_bytes, result)
        else:
            result.forms.append(_parse_form(data, filename, max_bytes))
            result.warnings.extend(form_checks.schema_warnings(result.forms[-1].schema, filename))
    if bpmn_roots:
        _parse_bpmn(bpmn_roots, result, (resolve_process, decision_deployed), max_bytes)
    if not (result.processes or result.decisions or result.forms):
        raise ModelError(
            "the deployment holds nothing Baton can run: no executable process, decision or form",
            filename=next(iter(files)),
        )
    return result


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


def _parse_bpmn(roots, result: ParsedDeployment, lookups, max_bytes: int) -> None:
    resolve_process, decision_deployed = lookups
    own_keys = _executable_processes(roots, result)
    here = {"process": {p.get("id") for _, p in own_keys}, "decision": {d.key for d in result.decisions}}
    deployed = {
        "process": lambda key: resolve_process is not None and resolve_process(key) is not None,
        "decision": lambda key: decision_deployed is not None and decision_deployed(key),
    }
    for filename, process in own_keys:
        structure.check_process(process, filename)
        _refuse_reserved_ids(process, filename)
        warnings = validation.validate_process(process, filename)
        warnings += bindings.check_references(process, filename, here, deployed)
        result.warnings.extend({"file": filename, **w} for w in warnings)
    parser = build_parser(roots)
    # A called process's elements (for what is looked up outside a step: notification settings,
    # a task page's requirements) come from this deployment, else from its latest deployed version.
    all_roots = dict(roots)
    for callee in _missing_callees(parser):
        found = resolve_process(callee) if resolve_process else None
        if found:
            all_roots[found[0]] = _xml(found[1], found[0], max_bytes)
    messages = _names_by_id(roots, "message")
    signals = _names_by_id(roots, "signal")
    for filename, process in own_keys:
        key = process.get("id")
        load_specs(parser, key)
        meta = extensions.read_process(process)
        meta["start_messages"] = _start_events(process, messages, "message")
        meta["start_signals"] = _start_events(process, signals, "signal")
        meta["none_start"] = _has_none_start(process)
        _add_callee_elements(meta, process, all_roots)
        result.processes.append(ParsedProcess(key, process.get("name"), filename, meta))
        for form in _embedded_forms(process, filename):
            result.forms.append(form)
            result.warnings.extend(form_checks.schema_warnings(form.schema, filename))


def _add_callee_elements(meta: dict, own, roots) -> None:
    # A called process's tasks run inside this instance, and runtime looks elements up by id.
    # On a clash the caller's element wins, unless it is only a container (Camunda's invoice
    # names its call activity and the called user task both `reviewInvoice`).
    # `called_elements` says which process each such element is from (its form is resolved there).
    elements, called = meta["elements"], {}
    for root in roots.values():
        for process in root.iter(full_tag("process")):
            if process is not own:
                for element_id, info in extensions.read_process(process)["elements"].items():
                    mine = elements.get(element_id)
                    if mine is None or mine.get("type") in ("callActivity", "subProcess"):
                        elements[element_id] = info
                        called[element_id] = process.get("id")
    if called:
        meta["called_elements"] = called


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


CAMUNDA_DMN = "http://camunda.org/schema/1.0/dmn"


def _parse_dmn(data: bytes, filename: str, max_bytes: int, result: ParsedDeployment) -> None:
    from app.engine import dmn

    root = _xml(data, filename, max_bytes)
    try:
        model = dmn.load_dmn(data, filename)
    except dmn.DmnParseError as exc:
        raise ModelError(  # ModelError names the file, line and element itself: pass the bare message
            exc.message,
            filename=filename,
            line=getattr(exc, "line", None),
            element_id=getattr(exc, "element_id", None),
        )
    # Camunda 7 tags a decision's versions (camunda:versionTag), for versionTag bindings.
    tags = {e.get("id"): e.get(f"{{{CAMUNDA_DMN}}}versionTag") for e in root.iter("{*}decision")}
    result.decisions.extend(
        ParsedDecision(d.id, d.name, filename, {"version_tag": tags.get(d.id)} if tags.get(d.id) else {})
        for d in model.decisions
    )
    for decision in model.by_id.values():
        if decision.table is not None and not decision.table.rules:
            message = "the decision table has no rules: the decision gives no result (or its default outputs)"
            result.warnings.append({"file": filename, "element_id": decision.id, "message": message})


def _parse_form(data: bytes, filename: str, max_bytes: int) -> ParsedForm:
    if len(data) > max_bytes:
        raise ModelError(f"file is over the limit of {max_bytes} bytes", filename=filename)
    schema = _form_schema(data, filename)
    # A form's key is its id (what formRef and Camunda 8's formId name); a form saved without one
    # is keyed by its file name. camunda-forms:deployment:<file> finds it by file name either way.
    key = schema.get("id") if isinstance(schema.get("id"), str) and schema.get("id") else None
    return ParsedForm(key or filename.rsplit("/", 1)[-1], filename, schema)


def _form_schema(data: bytes | str, filename: str, line: int | None = None, element_id=None) -> dict:
    try:
        schema = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ModelError(
            f"form is not valid JSON: {exc}", filename=filename, line=line, element_id=element_id
        )
    if not isinstance(schema, dict) or not isinstance(schema.get("components", []), list):
        raise ModelError(
            "a form must be a JSON object with a list of components (a form-js schema)",
            filename=filename,
            line=line,
            element_id=element_id,
        )
    return schema


def _embedded_forms(process, filename: str) -> list[ParsedForm]:
    """Camunda 8 keeps a form in the process (zeebe:userTaskForm): stored as a form of its own,
    keyed `<process>:<form id>` so two processes' `userTaskForm_1` stay apart."""
    forms = []
    for form_id, line, text in embedded_forms(process):
        schema = _form_schema(text, filename, line, form_id or None)
        forms.append(ParsedForm(f"{process.get('id')}:{form_id}", filename, schema, process.get("id")))
    return forms
