"""FEEL built-in list functions (DMN 1.5, 10.3.4.4)."""

from __future__ import annotations

from decimal import Decimal
from functools import cmp_to_key
from typing import Any

from app.engine.feel import ops
from app.engine.feel.builtins_text import need
from app.engine.feel.scope import Budget
from app.engine.feel.values import FeelFunction


def _items(args: tuple) -> list:
    """Functions like min and sum take one list or several arguments."""
    if len(args) == 1 and type(args[0]) is list:
        return args[0]
    if not args:
        raise TypeError("no arguments")
    return list(args)


def _numbers(args: tuple) -> list[Decimal]:
    return [need(item, Decimal) for item in _items(args)]


def _extreme(args: tuple, sign: int) -> Any:
    items = _items(args)
    if not items:
        return None
    best = items[0]
    for item in items[1:]:
        order = ops.compare(item, best)
        if order is None:
            raise TypeError("values are not comparable")
        if order * sign > 0:
            best = item
    return best


def _sum(*args: Any) -> Decimal | None:
    numbers = _numbers(args)
    return sum(numbers, Decimal(0)) if numbers else None


def _mean(*args: Any) -> Decimal | None:
    numbers = _numbers(args)
    return ops.div(_sum(*numbers), Decimal(len(numbers))) if numbers else None


def _median(*args: Any) -> Decimal | None:
    numbers = sorted(_numbers(args))
    if not numbers:
        return None
    middle = len(numbers) // 2
    if len(numbers) % 2:
        return numbers[middle]
    return ops.div(numbers[middle - 1] + numbers[middle], Decimal(2))


def _stddev(*args: Any) -> Decimal | None:
    numbers = _numbers(args)
    if len(numbers) < 2:
        return None
    mean = _mean(*numbers)
    if mean is None:  # out of FEEL's range: ops.div gives null
        return None
    variance = sum(((n - mean) ** 2 for n in numbers), Decimal(0)) / (len(numbers) - 1)
    return ops.DECIMAL.sqrt(variance)


def _mode(*args: Any) -> list[Decimal]:
    numbers = _numbers(args)
    counts: dict[Decimal, int] = {}
    for number in numbers:
        counts[number] = counts.get(number, 0) + 1
    top = max(counts.values(), default=0)
    return sorted(number for number, count in counts.items() if count == top)


def _product(*args: Any) -> Decimal | None:
    numbers = _numbers(args)
    result = Decimal(1)
    for number in numbers:
        result = ops.DECIMAL.multiply(result, number)
    return result if numbers else None


def _all(*args: Any) -> bool | None:
    values = [ops.truth(item) for item in _items(args)] if args else []
    if False in values:
        return False
    return None if None in values else True


def _any(*args: Any) -> bool | None:
    values = [ops.truth(item) for item in _items(args)] if args else []
    if True in values:
        return True
    return None if None in values else False


def _index(items: list, position: Any) -> int:
    number = int(need(position, Decimal))
    if number == 0 or abs(number) > len(items):
        raise IndexError("position out of range")
    return number - 1 if number > 0 else len(items) + number


def _sublist(items: Any, start: Any, length: Any = None) -> list:
    first = _index(need(items, list), start)
    if length is None:
        return items[first:]
    return items[first : first + int(need(length, Decimal))]


def _contains(items: Any, element: Any) -> bool:
    return any(ops.equals(item, element) is True for item in need(items, list))


def _distinct(items: Any) -> list:
    result: list = []
    for item in need(items, list):
        if not _contains(result, item):
            result.append(item)
    return result


def _flatten(items: Any) -> list:
    result: list = []
    for item in need(items, list):
        result.extend(_flatten(item) if type(item) is list else [item])
    return result


def _sized(result: list) -> list:
    Budget.check_size(len(result))
    return result


def _order(a: Any, b: Any) -> int:
    order = ops.compare(a, b)
    if order is None:  # as comparing None with 0 did: the built-in's caller turns it into null
        raise TypeError("values are not comparable")
    return order


def _sort(budget: Budget, items: Any, precedes: Any = None) -> list:
    items = need(items, list)
    if precedes is None:
        return sorted(items, key=cmp_to_key(_order))
    need(precedes, FeelFunction)

    def order(a: Any, b: Any) -> int:
        if precedes.call([a, b], None, budget) is True:
            return -1
        return 1 if precedes.call([b, a], None, budget) is True else 0

    return sorted(items, key=cmp_to_key(order))


def _list_replace(budget: Budget, items: Any, position: Any, new_item: Any) -> list:
    result = list(need(items, list))
    if type(position) is FeelFunction:
        return [
            new_item if position.call([item, new_item], None, budget) is True else item for item in result
        ]
    result[_index(result, position)] = new_item
    return result


def _insert_before(items: Any, position: Any, new_item: Any) -> list:
    result = list(need(items, list))
    result.insert(_index(result, position), new_item)
    return _sized(result)


def _remove(items: Any, position: Any) -> list:
    result = list(need(items, list))
    del result[_index(result, position)]
    return result


def _concatenate(*lists: Any) -> list:
    return _sized([item for one in lists for item in need(one, list)])


LIST_FUNCTIONS = {
    "list contains": ((("list", "element"),), _contains),
    "count": ((("list",),), lambda items: Decimal(len(need(items, list)))),
    "min": ((), lambda *args: _extreme(args, -1)),
    "max": ((), lambda *args: _extreme(args, 1)),
    "sum": ((), _sum),
    "mean": ((), _mean),
    "median": ((), _median),
    "stddev": ((), _stddev),
    "mode": ((), _mode),
    "product": ((), _product),
    "all": ((), _all),
    "any": ((), _any),
    "sublist": ((("list", "start position", "length?"),), _sublist),
    "append": ((), lambda items, *more: _sized([*need(items, list), *more])),
    "concatenate": ((), _concatenate),
    "insert before": ((("list", "position", "newItem"),), _insert_before),
    "remove": ((("list", "position"),), _remove),
    "reverse": ((("list",),), lambda items: list(reversed(need(items, list)))),
    "index of": (
        (("list", "match"),),
        lambda items, match: [
            Decimal(i + 1) for i, item in enumerate(need(items, list)) if ops.equals(item, match) is True
        ],
    ),
    "union": ((), lambda *lists: _distinct(_concatenate(*lists))),
    "distinct values": ((("list",),), _distinct),
    "flatten": ((("list",),), _flatten),
}
BUDGETED_LIST_FUNCTIONS = {
    "sort": ((("list", "precedes?"),), _sort),
    "list replace": ((("list", "position", "newItem"), ("list", "match", "newItem")), _list_replace),
}
