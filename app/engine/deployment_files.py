"""What parsing a deployment yields (a ParsedDeployment of processes, decisions, forms and
warnings), which kind each uploaded file is, and reading its XML through the hardened parser."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from app.engine.errors import ModelError
from app.engine.xmlsafe import UnsafeXmlError, parse_xml


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


def read_xml(data: bytes, filename: str, max_bytes: int) -> etree._Element:
    try:
        return parse_xml(data, filename, max_bytes=max_bytes)
    except UnsafeXmlError as exc:
        raise ModelError(exc.problem, filename=filename, line=exc.line)
