"""The DMN engine: load a DMN 1.1-1.5 file, evaluate its decisions with FEEL.

model = load_dmn(data, "invoice.dmn")
model.evaluate("invoice-assign-approver", {"amount": 600, "invoiceCategory": "Misc"})
"""

from app.engine.dmn.camunda import map_decision_result
from app.engine.dmn.errors import DmnEvaluationError, DmnParseError
from app.engine.dmn.model import DecisionInfo, DmnModel
from app.engine.dmn.reader import load_dmn

__all__ = [
    "DecisionInfo",
    "DmnEvaluationError",
    "DmnModel",
    "DmnParseError",
    "load_dmn",
    "map_decision_result",
]
