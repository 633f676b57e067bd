"""A deployment's DMN files: each decision it holds, with its Camunda 7 version tag, and a
warning for a decision table without rules."""

from __future__ import annotations

from app.engine.deployment_files import ParsedDecision, ParsedDeployment, read_xml
from app.engine.errors import ModelError

CAMUNDA_DMN = "http://camunda.org/schema/1.0/dmn"


def parse_dmn(data: bytes, filename: str, max_bytes: int, result: ParsedDeployment) -> None:
    """Add the file's decisions to `result`; raises ModelError naming the file, line and element."""
    root = read_xml(data, filename, max_bytes)
    model = _load_dmn(data, filename)
    # Camunda 7 tags a decision's versions (camunda:versionTag), for versionTag bindings.
    tags = {e.get("id"): e.get(f"{{{CAMUNDA_DMN}}}versionTag") for e in root.iter("{*}decision")}
    result.decisions.extend(
        ParsedDecision(d.id, d.name, filename, {"version_tag": tags.get(d.id)} if tags.get(d.id) else {})
        for d in model.decisions
    )
    for decision in model.by_id.values():
        if decision.table is not None and not decision.table.rules:
            message = "the decision table has no rules: the decision gives no result (or its default outputs)"
            result.warnings.append({"file": filename, "element_id": decision.id, "message": message})


def _load_dmn(data: bytes, filename: str):
    from app.engine import dmn

    try:
        return dmn.load_dmn(data, filename)
    except dmn.DmnParseError as exc:
        raise ModelError(  # ModelError names the file, line and element itself: pass the bare message
            exc.message,
            filename=filename,
            line=getattr(exc, "line", None),
            element_id=getattr(exc, "element_id", None),
        )
