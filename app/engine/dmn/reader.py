"""Reading a DMN file (1.1 to 1.5) into a DmnModel."""

from __future__ import annotations

from lxml import etree

from app.engine.dmn.errors import DmnParseError
from app.engine.dmn.expressions import compile_child, find_expression, function_from
from app.engine.dmn.loading import DMN_NAMESPACES, Loader, href_id
from app.engine.dmn.model import Decision, DmnModel, InputData
from app.engine.dmn.types import ItemDefinition, TypeRegistry
from app.engine.feel.parser import needs_placeholder
from app.engine.xmlsafe import UnsafeXmlError, parse_xml


def load_dmn(data: bytes, filename: str) -> DmnModel:
    """Parse and compile every decision of a DMN file; raises DmnParseError naming the element."""
    try:
        root = parse_xml(data, filename)
    except UnsafeXmlError as exc:
        raise DmnParseError(exc.problem, filename, exc.line)
    qname = etree.QName(root)
    if qname.localname != "definitions" or qname.namespace not in DMN_NAMESPACES:
        raise DmnParseError(f"not a DMN 1.1-1.5 definitions element: {root.tag}", filename, root.sourceline)
    names = tuple(sorted({name for name in root.xpath("//@name") if needs_placeholder(str(name))}))
    load = Loader(filename, qname.namespace, names, TypeRegistry({}))
    load.types.items.update(_item_definitions(root, load))
    _check_type_refs(root, load)
    functions = {bkm.get("name"): _bkm(bkm, load) for bkm in load.children(root, "businessKnowledgeModel")}
    inputs = [_input_data(item, load) for item in load.children(root, "inputData")]
    decisions = {}
    for element in load.children(root, "decision"):
        decision = _decision(element, load)
        decisions[decision.id] = decision
    _check_requirements(decisions, root, load)
    return DmnModel(filename, decisions, inputs, functions, load.types)


def _check_type_refs(root: etree._Element, load: Loader) -> None:
    # An unknown typeRef was taken as "any type": a misspelt `doubel` silently checked nothing.
    for element in root.iter(etree.Element):
        type_ref = element.get("typeRef")
        if type_ref is None and etree.QName(element).localname == "typeRef":
            type_ref, element = (element.text or "").strip(), element.getparent()
        if type_ref and not load.types.knows(type_ref):
            raise load.error(
                f"unknown typeRef {type_ref!r}: neither a FEEL type (string, number, boolean, date...),"
                " a Camunda type (integer, long, double) nor an itemDefinition of this file",
                element,
            )


def _item_definition(element: etree._Element, load: Loader) -> ItemDefinition:
    type_ref = element.findtext(load.q("typeRef")) or element.get("typeRef")
    allowed = load.child(element, "allowedValues")
    allowed_text = load.text(allowed)
    return ItemDefinition(
        element.get("name") or "",
        type_ref.strip() if type_ref else None,
        element.get("isCollection") == "true",
        [_item_definition(component, load) for component in load.children(element, "itemComponent")],
        load.unary_tests(allowed_text, allowed) if allowed_text else None,
    )


def _item_definitions(root: etree._Element, load: Loader) -> dict[str, ItemDefinition]:
    items = [_item_definition(element, load) for element in load.children(root, "itemDefinition")]
    return {item.name: item for item in items}


def _variable_type(element: etree._Element, load: Loader) -> str | None:
    variable = load.child(element, "variable")
    return variable.get("typeRef") if variable is not None else None


def _input_data(element: etree._Element, load: Loader) -> InputData:
    return InputData(element.get("id") or "", element.get("name") or "", _variable_type(element, load))


def _bkm(element: etree._Element, load: Loader):
    logic = load.child(element, "encapsulatedLogic")
    if logic is None:
        raise load.error("a business knowledge model needs encapsulated logic", element)
    return function_from(logic, load, element.get("name") or "")


def _decision(element: etree._Element, load: Loader) -> Decision:
    decision_id = element.get("id") or element.get("name")
    if not decision_id:
        raise load.error("a decision needs an id or a name", element)
    if find_expression(element, load) is None:
        raise load.error("the decision has no decision logic", element)
    required = [
        href_id(ref.get("href"))
        for requirement in load.children(element, "informationRequirement")
        for ref in load.children(requirement, "requiredDecision")
    ]
    return Decision(
        decision_id,
        element.get("name") or decision_id,
        _variable_type(element, load),
        required,
        compile_child(element, load),
        _variable_name(element, load),
    )


def _variable_name(element: etree._Element, load: Loader) -> str:
    variable = load.child(element, "variable")
    return (variable.get("name") or "") if variable is not None else ""


def _check_requirements(decisions: dict[str, Decision], root: etree._Element, load: Loader) -> None:
    for decision in decisions.values():
        for required in decision.required:
            if required not in decisions:
                element = root.find(f"{load.q('decision')}[@id='{decision.id}']")
                raise load.error(f"required decision {required!r} is not in this file", element)
    state: dict[str, str] = {}

    def visit(decision_id: str, path: tuple[str, ...]) -> None:
        if state.get(decision_id) == "done":
            return
        if decision_id in path:
            raise DmnParseError(
                f"decisions require each other in a cycle: {' -> '.join(path)}",
                load.filename,
                element_id=decision_id,
            )
        for required in decisions[decision_id].required:
            visit(required, (*path, decision_id))
        state[decision_id] = "done"

    for decision_id in decisions:
        visit(decision_id, ())
