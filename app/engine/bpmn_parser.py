"""The SpiffWorkflow parser as Baton configures it (its own task parsers, element checks and
hooks), and the two calls that turn BPMN XML into the specs a workflow runs from."""

from __future__ import annotations

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.data_spec import BpmnDataStoreSpecification
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.camunda.parser.task_spec import CamundaTaskParser
from SpiffWorkflow.exceptions import SpiffWorkflowException

from app.engine import compensation, cron_timers, zeebe_conditions
from app.engine.call_activity import called_element
from app.engine.camunda_parsing import read_binding, with_camunda_hooks
from app.engine.errors import ModelError
from app.engine.event_subprocess import BatonProcessParser
from app.engine.event_subprocess import parser_overrides as event_subprocess_overrides
from app.engine.events import link_event_overrides
from app.engine.extension_tasks import read_decision
from app.engine.implicit_splits import add_implicit_splits, hide_implicit_splits
from app.engine.messages import event_parser_overrides
from app.engine.multi_instance import connect_loop_children
from app.engine.specs import BatonServiceTask, DecisionTask
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
            raise self._cannot_run(node)
        parsed = node_parser(self, spec_class, node, self.nsmap, lane=self.lane)
        returned = parsed.parse_node()
        self._tag_type(parsed, node)
        return returned

    def _cannot_run(self, node) -> ValidationException:
        error = ValidationException(
            f"<{_short_tag(node)}> is not an element Baton can run", node=node, file_name=self.filename
        )
        error.line_number = node.sourceline
        return error

    def _tag_type(self, parsed, node) -> None:
        # History reports the BPMN element type, as Camunda's does (`userTask`, `callActivity`); a
        # multi-instance activity and the instances it runs both report the inner activity's type.
        inner = self.spec.task_specs.get(getattr(parsed.task, "task_spec", None) or "")
        for spec in (parsed.task, inner):
            if spec is not None:
                spec.element_type = etree.QName(node).localname
                if node.get("scriptFormat") is not None:
                    spec.script_format = node.get("scriptFormat")  # the script engine runs it by this


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
    OVERRIDE_PARSER_CLASSES.update(zeebe_conditions.gateway_overrides())
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
