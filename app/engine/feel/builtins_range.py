"""FEEL built-in range functions (DMN 1.5, 10.3.4.12): before, after, meets, overlaps ..."""

from __future__ import annotations

from typing import Any

from app.engine.feel import ops
from app.engine.feel.values import Range


def _cmp(a: Any, b: Any) -> int:
    order = ops.compare(a, b)
    if order is None:
        raise TypeError("values are not comparable")
    return order


def _lt(a: Any, b: Any) -> bool:
    return _cmp(a, b) < 0


def _eq(a: Any, b: Any) -> bool:
    return _cmp(a, b) == 0


def _as_range(value: Any) -> Range:
    return value if type(value) is Range else Range(value, value, True, True)


def before(a: Any, b: Any) -> bool:
    r1, r2 = _as_range(a), _as_range(b)
    if _lt(r1.end, r2.start):
        return True
    return _eq(r1.end, r2.start) and not (r1.end_included and r2.start_included)


def meets(a: Range, b: Range) -> bool:
    return a.end_included and b.start_included and _eq(a.end, b.start)


def overlaps(a: Range, b: Range) -> bool:
    return (_lt(b.start, a.end) or (_eq(a.end, b.start) and a.end_included and b.start_included)) and (
        _lt(a.start, b.end) or (_eq(a.start, b.end) and a.start_included and b.end_included)
    )


def overlaps_before(a: Range, b: Range) -> bool:
    starts_first = _lt(a.start, b.start) or (
        _eq(a.start, b.start) and a.start_included and not b.start_included
    )
    reaches = _lt(b.start, a.end) or (_eq(a.end, b.start) and a.end_included and b.start_included)
    ends_first = _lt(a.end, b.end) or (_eq(a.end, b.end) and (not a.end_included or b.end_included))
    return starts_first and reaches and ends_first


def finishes(a: Any, b: Range) -> bool:
    if type(a) is not Range:
        return b.end_included and _eq(b.end, a)
    return (
        a.end_included == b.end_included
        and _eq(a.end, b.end)
        and (_lt(b.start, a.start) or (_eq(a.start, b.start) and (not a.start_included or b.start_included)))
    )


def includes(a: Range, b: Any) -> bool:
    if type(b) is not Range:
        return a.contains(b) is True
    return (
        _lt(a.start, b.start) or (_eq(a.start, b.start) and (a.start_included or not b.start_included))
    ) and (_lt(b.end, a.end) or (_eq(a.end, b.end) and (a.end_included or not b.end_included)))


def starts(a: Any, b: Range) -> bool:
    if type(a) is not Range:
        return b.start_included and _eq(b.start, a)
    return (
        _eq(a.start, b.start)
        and a.start_included == b.start_included
        and (_lt(a.end, b.end) or (_eq(a.end, b.end) and (not a.end_included or b.end_included)))
    )


def coincides(a: Any, b: Any) -> bool:
    if type(a) is not Range or type(b) is not Range:
        return _eq(a, b)
    return (
        _eq(a.start, b.start)
        and _eq(a.end, b.end)
        and a.start_included == b.start_included
        and a.end_included == b.end_included
    )


def _ranges(function):
    def call(a: Any, b: Any) -> bool:
        if type(a) is not Range or type(b) is not Range:
            raise TypeError("expects two ranges")
        return function(a, b)

    return call


_PAIR = (("range1", "range2"), ("point", "range"), ("range", "point"), ("point1", "point2"))
RANGE_FUNCTIONS = {
    "before": (_PAIR, before),
    "after": (_PAIR, lambda a, b: before(b, a)),
    "meets": ((("range1", "range2"),), _ranges(meets)),
    "met by": ((("range1", "range2"),), _ranges(lambda a, b: meets(b, a))),
    "overlaps": ((("range1", "range2"),), _ranges(overlaps)),
    "overlaps before": ((("range1", "range2"),), _ranges(overlaps_before)),
    "overlaps after": ((("range1", "range2"),), _ranges(lambda a, b: overlaps_before(b, a))),
    "finishes": ((("point", "range"), ("range1", "range2")), finishes),
    "finished by": ((("range", "point"), ("range1", "range2")), lambda a, b: finishes(b, a)),
    "includes": ((("range", "point"), ("range1", "range2")), includes),
    "during": ((("point", "range"), ("range1", "range2")), lambda a, b: includes(b, a)),
    "starts": ((("point", "range"), ("range1", "range2")), starts),
    "started by": ((("range", "point"), ("range1", "range2")), lambda a, b: starts(b, a)),
    "coincides": ((("point1", "point2"), ("range1", "range2")), coincides),
}
