"""Running fixture models through Baton's engine the way the server does, and through the raw
library (SpiffWorkflow as shipped) to prove each fault exists. Only tests import this module."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from app.engine.parser import build_parser, load_specs
from app.engine.runner import ProcessBundle, Runner
from app.engine.xmlsafe import parse_xml

ENGINE_DATA = Path(__file__).resolve().parent.parent / "data" / "engine"


def bundle(name: str, key: str | None = None) -> ProcessBundle:
    """Parse tests/data/engine/<name>.bpmn once, as bundles.bundle_for does for a definition."""
    path = ENGINE_DATA / f"{name}.bpmn"
    roots = {path.name: parse_xml(path.read_bytes(), path.name)}
    spec, subprocess_specs = load_specs(build_parser(roots), key or name)
    return ProcessBundle(spec, subprocess_specs, {})


def raw_bundle(name: str) -> ProcessBundle:
    """The model parsed by SpiffWorkflow's own Camunda parser, run by Baton's runner."""
    from SpiffWorkflow.camunda.parser import CamundaParser

    parser = CamundaParser()
    parser.add_bpmn_file(str(ENGINE_DATA / f"{name}.bpmn"))
    return ProcessBundle(parser.get_spec(name), parser.get_subprocess_specs(name), {})


def step(bundle_, state: str, act) -> tuple:
    """One server request: load the saved state, act on the runner, collect the result."""
    runner = Runner.load(bundle_, state)
    act(runner)
    return runner, runner.result()


def complete_first(bundle_, result, data=None, element_id=None):
    """Complete the first ready user task (optionally of one element) through load/save."""
    task = next(t for t in result.user_tasks if element_id in (None, t.element_id))
    return step(bundle_, result.state, lambda r: r.complete_user_task(task.task_id, data or {}, "tester"))[1]


def run_loop(bundle_, variables: dict, on_visit=None):
    """Start, then complete the ready user task until the instance stops waiting."""
    result = Runner.start(bundle_, variables).result()
    visits = 0
    while result.status == "waiting" and result.user_tasks:
        result = complete_first(bundle_, result)
        visits += 1
        if on_visit:
            on_visit(visits, result)
    return visits, result


@contextmanager
def raw_library():
    """SpiffWorkflow exactly as shipped: Baton's patches removed for the block."""
    from app.engine import fixes

    with fixes.unpatched():
        yield


def raw_workflow(name: str, key: str | None = None, variables: dict | None = None):
    """The model run by plain SpiffWorkflow (Camunda parser, default script engine)."""
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
    from SpiffWorkflow.camunda.parser import CamundaParser
    from SpiffWorkflow.util.task import TaskState

    parser = CamundaParser()
    parser.add_bpmn_file(str(ENGINE_DATA / f"{name}.bpmn"))
    workflow = BpmnWorkflow(parser.get_spec(key or name))
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(variables or {})
    workflow.do_engine_steps()
    return workflow


def raw_loop(workflow, max_turns: int) -> int:
    """Complete ready manual tasks in memory, as far as the raw library lets us; returns turns."""
    from SpiffWorkflow.util.task import TaskState

    turns = 0
    while turns < max_turns:
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        if not ready:
            break
        ready[0].run()
        workflow.do_engine_steps()
        turns += 1
    return turns
