"""The DMN TCK compliance level 2 cases (dmn15 and dmn13 copies) against app.engine.dmn.

A case passes when every result node's value equals the expected one: numbers compared as
decimals, lists in order, contexts by key, xsi:nil as null.

Numbers: equal, or equal once the produced number is rounded to the expected one's decimal
places, or within a relative 1e-12. The last is for the loan-payment cases (0008, 0009), whose
expected values were computed in binary double precision: a 60-digit computation of
(p*r/12)/(1-(1+r/12)**-n) agrees with our 34-digit result and differs from the expected
562.707359373292 at the 11th decimal place (relative 5e-14).
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from app.engine.dmn import DmnModel, load_dmn
from app.engine.feel.temporal import parse_date, parse_date_time, parse_duration, parse_time

TCK_NS = "{http://www.omg.org/spec/DMN/20160719/testcase}"
XSI = "{http://www.w3.org/2001/XMLSchema-instance}"
SHARED = Path(os.environ.get("BATON_SHARED_DIR") or Path(__file__).resolve().parents[2].parent / "shared")
RELATIVE_TOLERANCE = Decimal("1e-12")
TCK_DIR = SHARED / "conformance" / "dmn-tck"
SUITES = {name: TCK_DIR / name / "compliance-level-2" for name in ("dmn15", "dmn13")}


def _scalar(element: etree._Element) -> Any:
    if element.get(f"{XSI}nil") == "true":
        return None
    kind = (element.get(f"{XSI}type") or "xsd:string").split(":")[-1]
    text = element.text or ""
    readers = {
        "decimal": Decimal,
        "double": Decimal,
        "integer": Decimal,
        "int": Decimal,
        "long": Decimal,
        "boolean": lambda value: value.strip() == "true",
        "date": parse_date,
        "dateTime": parse_date_time,
        "time": parse_time,
        "duration": parse_duration,
    }
    return readers.get(kind, str)(text.strip() if kind != "string" else text)


def read_value(node: etree._Element) -> Any:
    """A TCK inputNode / expected / component / item element -> its FEEL value."""
    value = node.find(f"{TCK_NS}value")
    if value is not None:
        return _scalar(value)
    listing = node.find(f"{TCK_NS}list")
    if listing is not None:
        return [read_value(item) for item in listing.findall(f"{TCK_NS}item")]
    components = node.findall(f"{TCK_NS}component")
    if components:
        return {component.get("name"): read_value(component) for component in components}
    return None if node.get(f"{XSI}nil") == "true" else None


def same(actual: Any, expected: Any) -> bool:
    if isinstance(expected, Decimal):
        if not isinstance(actual, Decimal):
            return False
        if actual == expected:
            return True
        try:
            if actual.quantize(expected) == expected:
                return True
        except InvalidOperation:
            pass
        return abs(actual - expected) <= RELATIVE_TOLERANCE * abs(expected)
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(same(a, e) for a, e in zip(actual, expected, strict=True))
        )
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and set(actual) == set(expected)
            and all(same(actual[key], expected[key]) for key in expected)
        )
    if isinstance(expected, dt.date | dt.time | dt.timedelta):
        return type(actual) is type(expected) and actual == expected
    return type(actual) is type(expected) and actual == expected


@cache
def model_of(path: Path) -> DmnModel:
    return load_dmn(path.read_bytes(), path.name)


def cases(suite: str) -> list[tuple[Path, etree._Element]]:
    folder = SUITES[suite]
    found = []
    for descriptor in sorted(folder.glob("*/*-test-01.xml")):
        root = etree.fromstring(descriptor.read_bytes())  # trusted conformance data, not an upload
        for case in root.findall(f"{TCK_NS}testCase"):
            found.append((descriptor, case))
    return found


def run_case(descriptor: Path, case: etree._Element) -> list[str]:
    """The problems of one test case; empty when it passes."""
    root = case.getroottree().getroot()
    model = model_of(descriptor.parent / root.findtext(f"{TCK_NS}modelName"))
    inputs = {node.get("name"): read_value(node) for node in case.findall(f"{TCK_NS}inputNode")}
    problems = []
    for result in case.findall(f"{TCK_NS}resultNode"):
        expected = read_value(result.find(f"{TCK_NS}expected"))
        try:
            actual = model.evaluate(result.get("name"), inputs)
        except Exception as exc:  # a failing case is reported, not raised
            problems.append(f"{result.get('name')}: raised {exc!r}")
            continue
        if not same(actual, expected):
            problems.append(f"{result.get('name')}: expected {expected!r}, got {actual!r}")
    return problems


def _params(suite: str) -> list:
    if not SUITES[suite].is_dir():
        return [pytest.param(None, None, marks=pytest.mark.skip(reason=f"{SUITES[suite]} not found"))]
    return [
        pytest.param(descriptor, case, id=f"{descriptor.parent.name}/{case.get('id')}")
        for descriptor, case in cases(suite)
    ]


@pytest.mark.parametrize(("descriptor", "case"), _params("dmn15"))
def test_tck_level2_dmn15(descriptor, case):
    assert run_case(descriptor, case) == []


@pytest.mark.parametrize(("descriptor", "case"), _params("dmn13"))
def test_tck_level2_dmn13(descriptor, case):
    assert run_case(descriptor, case) == []


@pytest.mark.parametrize("suite", ["dmn15", "dmn13"])
def test_tck_level2_summary(suite, capsys):
    # The conformance material must be there (../shared beside the clone, or BATON_SHARED_DIR):
    # a runner that quietly counts nothing would report a pass it never checked.
    assert SUITES[suite].is_dir(), f"{SUITES[suite]} not found; set BATON_SHARED_DIR"
    all_cases = cases(suite)
    failed = [f"{d.parent.name}/{c.get('id')}" for d, c in all_cases if run_case(d, c)]
    with capsys.disabled():
        print(f"\nDMN TCK level 2: {len(all_cases) - len(failed)}/{len(all_cases)} passed ({suite})")
    assert failed == []
