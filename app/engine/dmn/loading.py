"""What every reader of a DMN element needs: namespaced lookups, and FEEL compiled with errors that
name the element and line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree

from app.engine.dmn.errors import DmnParseError
from app.engine.dmn.juel_language import JuelExpression, is_juel
from app.engine.dmn.types import TypeRegistry
from app.engine.feel import (
    CompiledExpression,
    CompiledUnaryTests,
    FeelSyntaxError,
    compile_expression,
    compile_unary_tests,
)
from app.engine.feel.parser import special_names
from app.engine.juel_syntax import JuelSyntaxError

DMN_NAMESPACES = {
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd": "1.1",
    "http://www.omg.org/spec/DMN/20180521/MODEL/": "1.2",
    "https://www.omg.org/spec/DMN/20191111/MODEL/": "1.3",
    "https://www.omg.org/spec/DMN/20211108/MODEL/": "1.4",
    "https://www.omg.org/spec/DMN/20230324/MODEL/": "1.5",
}


@dataclass
class Loader:
    """Reading state for one file: its namespace, known names and item definitions."""

    filename: str
    ns: str
    names: tuple[str, ...]
    types: TypeRegistry

    def q(self, tag: str) -> str:
        return f"{{{self.ns}}}{tag}"

    def child(self, element: etree._Element, tag: str) -> etree._Element | None:
        return element.find(self.q(tag))

    def children(self, element: etree._Element, tag: str) -> list[etree._Element]:
        return element.findall(self.q(tag))

    def text(self, element: etree._Element | None) -> str:
        """The `<text>` of an expression element (empty when there is none)."""
        if element is None:
            return ""
        node = element.find(self.q("text"))
        return (node.text or "").strip() if node is not None else ""

    def error(self, message: str, element: etree._Element) -> DmnParseError:
        return DmnParseError(message, self.filename, element.sourceline, element_id(element))

    def expression(self, text: str, element: etree._Element) -> CompiledExpression:
        if is_juel(element, text):  # a JuelExpression quacks like a CompiledExpression
            return self.juel(text, element)  # type: ignore[return-value]
        try:
            return compile_expression(text, special_names(self.names, text))
        except FeelSyntaxError as exc:
            raise self.error(f"{exc.message} in FEEL expression {text!r}", element)

    def juel(self, text: str, element: etree._Element) -> JuelExpression:
        try:
            return JuelExpression(text)
        except JuelSyntaxError as exc:
            raise self.error(f"{exc.message} in JUEL expression {text!r}", element)

    def unary_tests(self, text: str, element: etree._Element) -> CompiledUnaryTests:
        try:
            return compile_unary_tests(text, special_names(self.names, text))
        except FeelSyntaxError as exc:
            raise self.error(f"{exc.message} in FEEL unary tests {text!r}", element)

    def value_list(self, text: str, element: etree._Element) -> list[Any]:
        """The values of an outputValues list such as `"high","low"` (a priority order)."""
        value = self.expression(f"[{text}]", element).evaluate({})
        return value if isinstance(value, list) else []


def element_id(element: etree._Element) -> str | None:
    """The id of the element, or of its nearest ancestor that has one."""
    node: Any = element
    while node is not None:
        if node.get("id"):
            return node.get("id")
        node = node.getparent()
    return None


def href_id(href: str | None) -> str:
    return (href or "").rsplit("#", 1)[-1]
