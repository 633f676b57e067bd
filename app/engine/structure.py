"""Deploy-time checks of a BPMN file's structure: what the engine would otherwise drop or misreport.

SpiffWorkflow keeps the first of two elements with one id and silently drops the second (a start
and an end event both `s`: the process never ends), reports a sequence flow to a missing element as
"perhaps a form has the same ID?" naming the wrong element, and takes any process id as a key. Each
is a 400 here, naming the file, the line and the element.
"""

from __future__ import annotations

import re

from lxml import etree

from app.engine.errors import ModelError

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
# An XML NCName (what BPMN's ids are): a letter or `_`, then letters, digits, `.`, `-`, `_`.
_NCNAME = re.compile(r"[^\W\d][\w.-]*")
_FLOW_CONTAINERS = ("process", "subProcess", "transaction", "adHocSubProcess")


def check_file(root: etree._Element, filename: str) -> None:
    """Refuse a file that is no BPMN definitions, or that gives two BPMN elements one id."""
    qname = etree.QName(root)
    if qname.namespace != BPMN_NS or qname.localname != "definitions":
        raise ModelError(
            f"not a BPMN 2.0 file: its root element is <{qname.localname}>, not <bpmn:definitions>",
            filename=filename,
            line=root.sourceline,
        )
    first_seen: dict[str, etree._Element] = {}
    for element in root.iter(f"{{{BPMN_NS}}}*"):
        element_id = element.get("id")
        if not element_id:
            continue
        other = first_seen.setdefault(element_id, element)
        if other is not element:
            raise ModelError(
                f"two elements have the id '{element_id}': <{_local(other)}> on line {other.sourceline}"
                f" and <{_local(element)}> on line {element.sourceline}; ids must be unique in a file",
                filename=filename,
                line=element.sourceline,
                element_id=element_id,
            )


def check_process(process: etree._Element, filename: str) -> None:
    """Refuse a process id that is no NCName and a sequence flow whose ends name no flow node."""
    key = process.get("id") or ""
    if not _NCNAME.fullmatch(key):
        raise ModelError(
            f"the process id {key!r} is not a valid id (an XML NCName: a letter or '_', then letters, "
            "digits, '.', '-' or '_'; no spaces); it is the definition's key",
            filename=filename,
            line=process.sourceline,
            element_id=key or None,
        )
    root = process.getroottree().getroot()
    named = {tag: {e.get("id") for e in root.iter(f"{{{BPMN_NS}}}{tag}")} for _, _, tag in _ROOT_REFS}
    for container in [process, *_nested_containers(process)]:
        _check_children(container, filename)
        _check_references(container, filename, named)
        nodes = {child.get("id") for child in container if child.get("id")}
        for flow in container.findall(f"{{{BPMN_NS}}}sequenceFlow"):
            for attribute in ("sourceRef", "targetRef"):
                ref = flow.get(attribute)
                if ref not in nodes:
                    raise ModelError(
                        f"sequence flow '{flow.get('id')}': {attribute} {ref!r} names no element of "
                        f"its {_local(container)} '{container.get('id')}'"
                        if ref
                        else f"sequence flow '{flow.get('id')}' has no {attribute}",
                        filename=filename,
                        line=flow.sourceline,
                        element_id=flow.get("id"),
                    )


# What BPMN 2.0 lets a process or subprocess hold: flow elements, artifacts, and an activity's parts.
_CONTAINER_CHILDREN = frozenset(
    """documentation extensionElements auditing monitoring property laneSet correlationSubscription
    supports ioSpecification dataInputAssociation dataOutputAssociation incoming outgoing
    standardLoopCharacteristics multiInstanceLoopCharacteristics resourceRole performer humanPerformer
    potentialOwner sequenceFlow dataObject dataObjectReference dataStoreReference textAnnotation
    association group task userTask serviceTask scriptTask businessRuleTask sendTask receiveTask
    manualTask callActivity subProcess transaction adHocSubProcess startEvent endEvent
    intermediateCatchEvent intermediateThrowEvent implicitThrowEvent boundaryEvent exclusiveGateway
    parallelGateway inclusiveGateway eventBasedGateway complexGateway callChoreography
    choreographyTask subChoreography""".split()  # noqa: SIM905 (a word list reads better than 55 lines)
)


def _check_children(container: etree._Element, filename: str) -> None:
    """An element BPMN does not know is refused even when no flow reaches it (else it is dropped)."""
    for child in container:
        qname = etree.QName(child) if isinstance(child.tag, str) else None
        if qname is not None and qname.namespace == BPMN_NS and qname.localname not in _CONTAINER_CHILDREN:
            raise ModelError(
                f"<{_local(child)}> is not an element Baton can run",
                filename=filename,
                line=child.sourceline,
                element_id=child.get("id"),
            )


def _check_references(container: etree._Element, filename: str, named: dict) -> None:
    """A gateway's default flow, a boundary event's activity, a message, signal or escalation must exist."""
    children = {child.get("id"): child for child in container if child.get("id")}
    for child in container:
        if not isinstance(child.tag, str):
            continue
        kind, ref = etree.QName(child).localname, child.get("default")
        if ref is not None:
            flow = children.get(ref)
            if (
                flow is None
                or etree.QName(flow).localname != "sequenceFlow"
                or flow.get("sourceRef") != child.get("id")
            ):
                _refuse_ref(child, filename, "default", ref, "no sequence flow leaving it")
        ref = child.get("attachedToRef")
        if kind == "boundaryEvent" and (ref not in children or not _is_activity(children[ref])):
            _refuse_ref(child, filename, "attachedToRef", ref, f"no activity of its {_local(container)}")
    for tag, attribute, target in _ROOT_REFS:
        for holder in container.iter(f"{{{BPMN_NS}}}{tag}"):
            ref = holder.get(attribute)
            if ref is not None and ref not in named[target]:
                owner = holder.getparent() if tag.endswith("Definition") else holder
                _refuse_ref(owner, filename, attribute, ref, f"no <bpmn:{target}> of the file")


# What names a root element of the file (SpiffWorkflow fails on a dangling one with a TypeError).
# Camunda 7 takes an unknown errorRef as the error code; SpiffWorkflow cannot, so it is refused too.
_ROOT_REFS = (
    ("messageEventDefinition", "messageRef", "message"),
    ("receiveTask", "messageRef", "message"),
    ("sendTask", "messageRef", "message"),
    ("signalEventDefinition", "signalRef", "signal"),
    ("escalationEventDefinition", "escalationRef", "escalation"),
    ("errorEventDefinition", "errorRef", "error"),
)


def _is_activity(element: etree._Element) -> bool:
    name = etree.QName(element).localname
    return name in ("task", "callActivity", "subProcess", "transaction", "adHocSubProcess") or name.endswith(
        "Task"
    )


def _refuse_ref(element: etree._Element, filename: str, attribute: str, ref, what: str) -> None:
    raise ModelError(
        f"<{_local(element)}> '{element.get('id')}': {attribute} {ref!r} names {what}",
        filename=filename,
        line=element.sourceline,
        element_id=element.get("id"),
    )


def _nested_containers(process: etree._Element) -> list[etree._Element]:
    return [
        node
        for tag in _FLOW_CONTAINERS[1:]
        for node in process.iter(f"{{{BPMN_NS}}}{tag}")
        if node is not process
    ]


def _local(element: etree._Element) -> str:
    return f"bpmn:{etree.QName(element).localname}"
