"""The table of FEEL built-in functions, name -> FeelFunction."""

from __future__ import annotations

from app.engine.feel.builtins_camunda import CAMUNDA_FUNCTIONS
from app.engine.feel.builtins_list import BUDGETED_LIST_FUNCTIONS, LIST_FUNCTIONS
from app.engine.feel.builtins_number import NUMBER_FUNCTIONS
from app.engine.feel.builtins_range import RANGE_FUNCTIONS
from app.engine.feel.builtins_text import TEXT_FUNCTIONS
from app.engine.feel.builtins_time import TIME_FUNCTIONS
from app.engine.feel.invoke import builtin
from app.engine.feel.values import FeelFunction


def _table() -> dict[str, FeelFunction]:
    table = {}
    # CAMUNDA_FUNCTIONS: feel-scala's extensions, which Camunda 8 models use
    groups: tuple[dict, ...] = (TEXT_FUNCTIONS, LIST_FUNCTIONS, NUMBER_FUNCTIONS, TIME_FUNCTIONS)
    groups += (RANGE_FUNCTIONS, CAMUNDA_FUNCTIONS)
    for group in groups:
        for name, (signatures, function) in group.items():
            table[name] = builtin(name, signatures, function)
    for name, (signatures, function) in BUDGETED_LIST_FUNCTIONS.items():
        table[name] = builtin(name, signatures, function, wants_budget=True)
    return table


BUILTINS: dict[str, FeelFunction] = _table()
