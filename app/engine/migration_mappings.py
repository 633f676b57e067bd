"""A migration's explicit mappings (Camunda 7's migration plan instructions): the element of the
target version that a token on an element of the current version moves to when their ids differ.

An element not named keeps its own id (Camunda's mapEqualActivities). A mapping is checked against
both versions before any instance is looked at: each id must exist on its side, both ends must be
the same kind of element (class and event type, as Camunda's SameBehavior/SameEventType
validators), a gateway takes the tokens of one gateway only (Camunda's GatewayMappingValidator:
a joining gateway counts its arrivals, which two merged gateways would confuse), and both ends are
in the same scope: the process itself, or the same embedded sub-process (the one the source's is
mapped to, if it is). SpiffWorkflow's diff aligns each sub-process's elements with those of its
counterpart only, and Camunda 7 too refuses to move a token between scopes whose own are not mapped.
"""

from __future__ import annotations

from collections import defaultdict

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask, SequentialMultiInstanceTask

from app.engine.reports import element_type
from app.engine.runner import ProcessBundle


def elements(bundle: ProcessBundle) -> dict:
    """Each element of the bundle's processes by id (a multi-instance by its body, not its child)."""
    found: dict = {}
    for process in (bundle.spec, *bundle.subprocess_specs.values()):
        for spec in process.task_specs.values():
            bpmn_id = getattr(spec, "bpmn_id", None)
            if bpmn_id and (bpmn_id not in found or spec.name == bpmn_id):
                found[bpmn_id] = spec
    return found


def scopes(bundle: ProcessBundle) -> dict[str, str | None]:
    """The scope of each element by id: the sub-process it is in, None for the process itself."""
    found: dict[str, str | None] = {}
    for process in (bundle.spec, *bundle.subprocess_specs.values()):
        scope = None if process is bundle.spec else process.name
        for spec in process.task_specs.values():
            if getattr(spec, "bpmn_id", None):
                found.setdefault(spec.bpmn_id, scope)
    return found


def check(source: ProcessBundle, target: ProcessBundle, mappings: dict[str, str]) -> list[str]:
    """What is wrong with `mappings` between the two versions, one sentence each (none: usable)."""
    old, new = elements(source), elements(target)
    within = (scopes(source), scopes(target), mappings)
    problems = [
        p for a, b in sorted(mappings.items()) if (p := _wrong(a, b, old, new) or _other_scope(a, b, *within))
    ]
    return problems + _merged_gateways(old, new, mappings)


def _wrong(source: str, target: str, old: dict, new: dict) -> str | None:
    said = f"mapping '{source}' -> '{target}'"
    if source not in old:
        return f"{said}: the instance's current version has no element '{source}'"
    if target not in new:
        return f"{said}: the target version has no element '{target}'"
    if _kind(old[source]) != _kind(new[target]):
        return f"{said}: a {_described(old[source])} cannot become a {_described(new[target])}"
    return None


def _other_scope(source: str, target: str, old: dict, new: dict, mappings: dict[str, str]) -> str | None:
    """What is wrong when mapping `source` to `target` moves its token into another scope (`old`,
    `new`: each version's scopes); None when the target is in the source's scope or its mapped one."""
    was, now = old[source], new[target]
    if (mappings.get(was, was) if was is not None else None) == now:
        return None
    where = f"sub-process '{now}'" if now is not None else f"the process itself, out of sub-process '{was}'"
    return (
        f"mapping '{source}' -> '{target}': moves a token into another scope ({where}); "
        "Baton maps elements within the same scope only"
    )


def _kind(spec) -> tuple:
    return type(spec), type(getattr(spec, "event_definition", None))


def _described(spec) -> str:
    """`userTask`, `intermediateCatchEvent (DurationTimer)`, `sequential multi-instance userTask`."""
    definition = getattr(spec, "event_definition", None)
    event = type(definition).__name__.removesuffix("EventDefinition") if definition is not None else "None"
    shown = element_type(spec) if event == "None" else f"{element_type(spec)} ({event})"
    if isinstance(spec, LoopTask):
        order = "sequential" if isinstance(spec, SequentialMultiInstanceTask) else "parallel"
        shown = f"{order} multi-instance {shown}"
    return shown


def _merged_gateways(old: dict, new: dict, mappings: dict[str, str]) -> list[str]:
    sources = defaultdict(list)
    for element_id in old:
        target = mappings.get(element_id, element_id)
        if target in new and element_type(new[target]).endswith("Gateway"):
            sources[target].append(element_id)
    return [
        f"{', '.join(repr(s) for s in sorted(found))} are all mapped to gateway '{target}': "
        "a gateway takes the tokens of one gateway only"
        for target, found in sources.items()
        if len(found) > 1
    ]


def counterparts(spec, to, original, new) -> list[tuple]:
    """(old spec, new spec) pairs a mapping of `spec` to `to` aligns: the element itself, a
    multi-instance's inner activity, and the specs SpiffWorkflow names after the element (a task's
    `.BoundaryEventSplit` and `.BoundaryEventJoin`, which carry its boundary events)."""
    pairs = [(spec, to)]
    if isinstance(spec, LoopTask) and isinstance(to, LoopTask):
        pairs.append((original.task_specs[spec.task_spec], new.task_specs[to.task_spec]))
    prefix = f"{spec.name}."
    for name, companion in original.task_specs.items():
        found = new.task_specs.get(to.name + name[len(spec.name) :]) if name.startswith(prefix) else None
        if found is not None:
            pairs.append((companion, found))
    return pairs
