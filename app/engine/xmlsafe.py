"""The one place uploaded XML is parsed.

Why it is hardened: BPMN, DMN and form uploads come from users. lxml by default resolves
entities and may load DTDs, which opens XXE (reading local files, reaching the network) and
billion-laughs expansion. Here entities are never resolved, DTDs are refused outright, the
network is off, the size is capped and the nesting depth is bounded, so a hostile upload costs
at most one bounded parse and a clear 4xx error. References to external schemas (xs:include,
xs:import, xsi:schemaLocation with a URL, XInclude) are refused too: nothing here fetches them, but a
stored model that points at a network or file location invites a later tool to.
"""

from __future__ import annotations

import codecs
import re

from lxml import etree

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_DEPTH = 200
_DOCTYPE = re.compile(r"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
_DECLARED = re.compile(rb"^<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z][\w.:-]*)[\"']")
_DECLARATION = re.compile(r"^(<\?xml[^>]*?encoding\s*=\s*)([\"'])[^\"']*\2")
# Byte order marks, the longest first (UTF-32's begin with UTF-16's).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_XS = "{http://www.w3.org/2001/XMLSchema}"
_XSI = "{http://www.w3.org/2001/XMLSchema-instance}"
_EXTERNAL_TAGS = {
    _XS + "include",
    _XS + "import",
    _XS + "redefine",
    "{http://www.w3.org/2001/XInclude}include",
}
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")  # any scheme: http:, https:, file:, ftp: ...


class UnsafeXmlError(ValueError):
    """The document was refused; `message` names the file, the line and the problem."""

    def __init__(self, filename: str, problem: str, line: int | None = None):
        where = f"{filename}, line {line}" if line else filename
        super().__init__(f"{where}: {problem}")
        self.filename, self.problem, self.line = filename, problem, line


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


def parse_xml(
    data: bytes, filename: str, *, max_bytes: int = DEFAULT_MAX_BYTES, max_depth: int = DEFAULT_MAX_DEPTH
) -> etree._Element:
    """Parse `data` safely and return the root element, or raise `UnsafeXmlError`."""
    if len(data) > max_bytes:
        raise UnsafeXmlError(filename, f"file is {len(data)} bytes, over the limit of {max_bytes} bytes")
    text = _decoded(data, filename)  # searched as text: in UTF-16, `<!DOCTYPE` is not those bytes
    match = _DOCTYPE.search(text)
    if match:
        line = text.count("\n", 0, match.start()) + 1
        raise UnsafeXmlError(filename, "DOCTYPE and ENTITY declarations are not allowed", line)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise UnsafeXmlError(filename, f"XML is not well-formed: {exc.msg}", exc.lineno)
    _check_depth(root, filename, max_depth)
    _check_external_references(root, filename)
    return root


def xml_text(data: bytes, filename: str) -> str:
    """The document as text, in whatever encoding its byte order mark or XML declaration names
    (ISO-8859-1, UTF-16...), its declaration then saying UTF-8: stored so, `text.encode()` parses
    back to the same document."""
    text = _decoded(data, filename)
    return _DECLARATION.sub(lambda m: f"{m.group(1)}{m.group(2)}UTF-8{m.group(2)}", text, count=1)


def _decoded(data: bytes, filename: str) -> str:
    codec = next((name for bom, name in _BOMS if data.startswith(bom)), None)
    if codec is None:
        declared = _DECLARED.match(data if not data.startswith((b"<\x00", b"\x00<")) else b"")
        codec = declared.group(1).decode() if declared else _utf16_without_bom(data)
    try:
        return data.decode(codec)
    except LookupError:
        raise UnsafeXmlError(filename, f"the XML declaration names an unknown encoding {codec!r}", 1)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise UnsafeXmlError(filename, f"the file is not valid {codec} text (byte {exc.start + 1})", line)


def _utf16_without_bom(data: bytes) -> str:
    if data.startswith(b"<\x00"):
        return "utf-16-le"
    if data.startswith(b"\x00<"):
        return "utf-16-be"
    return "utf-8"


def _check_depth(root: etree._Element, filename: str, max_depth: int) -> None:
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > max_depth:
            raise UnsafeXmlError(
                filename, f"elements nest deeper than {max_depth} levels", element.sourceline
            )
        stack.extend((child, depth + 1) for child in element)


def _check_external_references(root: etree._Element, filename: str) -> None:
    for element in root.iter(etree.Element):
        if element.tag in _EXTERNAL_TAGS:
            raise UnsafeXmlError(
                filename,
                f"external schema reference <{etree.QName(element).localname}> is not allowed",
                element.sourceline,
            )
        # schemaLocation holds "namespace location" pairs; only the locations can point somewhere.
        pairs = (element.get(_XSI + "schemaLocation") or "").split()
        locations = pairs[1::2] + [element.get(_XSI + "noNamespaceSchemaLocation") or ""]
        for location in locations:
            if _URL.match(location):
                raise UnsafeXmlError(
                    filename, f"external schema reference '{location}' is not allowed", element.sourceline
                )
