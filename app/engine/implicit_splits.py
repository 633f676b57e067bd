"""Several sequence flows out of one task or event, as Camunda runs them.

BPMN lets an activity (task, subprocess, call activity) or an intermediate or boundary event have
more than one outgoing flow: flows without a condition are all taken (a parallel split) and, in
Camunda 7, flows with a condition are taken when it holds, the activity's `default` flow when none
does (an inclusive split). SpiffWorkflow refuses such a model. Before it parses a file, each such
element is given a gateway of its own that does the split; the gateway is hidden (no BPMN id once
parsed), so history and diagrams show the model as drawn. Where a token is, or what failed, is
told as the element the gateway belongs to: a condition that fails on a flow out of a task is an
incident on that task, as in Camunda (`shown_element`).
"""

from __future__ import annotations

import copy

from lxml import etree

from app.engine.structure import BPMN_NS

SUFFIX = "__baton_split"
_CONTAINERS = ("process", "subProcess", "transaction", "adHocSubProcess")
# What SpiffWorkflow splits itself: gateways, and start events (all their flows are taken).
_SPLITS_ITSELF = ("startEvent",)


def add_implicit_splits(root: etree._Element) -> etree._Element:
    """`root`, or a copy of it in which each element that needs one leads to a hidden gateway."""
    if not any(_splits(container) for container in _containers(root)):
        return root
    root = copy.deepcopy(root)
    for container in _containers(root):
        for flows in _splits(container):
            _insert_gateway(container, flows)
    return root


def hide_implicit_splits(*specs) -> None:
    """Take the BPMN id from the gateways added here, so nothing reports them as elements."""
    for spec in specs:
        for task_spec in spec.task_specs.values():
            if task_spec.name.endswith(SUFFIX):
                task_spec.bpmn_id = None


def shown_element(task_spec) -> str | None:
    """The BPMN element a person sees for `task_spec`: its own, or for a hidden gateway the element
    whose flows it splits (the flows' sourceRef); None for the engine's other specs."""
    if task_spec.bpmn_id is None and task_spec.name.endswith(SUFFIX):
        return task_spec.name.removesuffix(SUFFIX)
    return task_spec.bpmn_id


def _containers(root) -> list:
    return [c for tag in _CONTAINERS for c in root.iter(_tag(tag))]


def _splits(container) -> list[list]:
    """The outgoing flows of each element of `container` that has several and cannot split them."""
    by_source: dict[str, list] = {}
    for flow in container.findall(_tag("sequenceFlow")):
        by_source.setdefault(flow.get("sourceRef"), []).append(flow)
    nodes = {n.get("id"): n for n in container if isinstance(n.tag, str)}
    return [
        flows
        for source, flows in by_source.items()
        if len(flows) > 1 and source in nodes and _needs_split(nodes[source])
    ]


def _needs_split(node) -> bool:
    local = etree.QName(node).localname
    return not local.endswith("Gateway") and local not in _SPLITS_ITSELF


def _insert_gateway(container, flows: list) -> None:
    """source -> gateway -> each of `flows`; the `incoming`/`outgoing` references follow."""
    source = flows[0].get("sourceRef")
    node = next(n for n in container if isinstance(n.tag, str) and n.get("id") == source)
    conditional = any(f.find(_tag("conditionExpression")) is not None for f in flows)
    gateway_id, into = source + SUFFIX, source + SUFFIX + "_in"
    gateway = etree.SubElement(container, _tag("inclusiveGateway" if conditional else "parallelGateway"))
    gateway.set("id", gateway_id)
    if conditional and node.get("default"):
        gateway.set("default", node.attrib.pop("default"))
    etree.SubElement(gateway, _tag("incoming")).text = into
    for flow in flows:
        flow.set("sourceRef", gateway_id)
        etree.SubElement(gateway, _tag("outgoing")).text = flow.get("id")
    for reference in node.findall(_tag("outgoing")):
        node.remove(reference)
    etree.SubElement(node, _tag("outgoing")).text = into
    etree.SubElement(container, _tag("sequenceFlow"), id=into, sourceRef=source, targetRef=gateway_id)


def _tag(local: str) -> str:
    return f"{{{BPMN_NS}}}{local}"
