"""Camunda 7 / Zeebe modelling constructs run as drawn: io mappings, call activities,
multi-instance, timers, deploy-time expression checks and run-time incidents, seen over HTTP."""

import pytest

from tests.conftest import DATA

CAMUNDA = DATA / "camunda"


def _deploy(api, *names):
    deployed = api.deploy(*(CAMUNDA / n for n in names))
    assert deployed.status_code == 201, deployed.json
    return deployed.json


def _start(api, key, **variables):
    started = api.post(f"/process-definitions/{key}/instances", json={"variables": variables})
    assert started.status_code == 201, started.json
    return started.json


def _tasks(api, iid):
    return api.get(f"/tasks?instance_id={iid}").json["items"]


def _complete(api, task, **variables):
    done = api.post(f"/tasks/{task['id']}/complete", json={"variables": variables})
    assert done.status_code == 200, done.json


def _variables(api, iid):
    return api.get(f"/instances/{iid}").json["variables"]


def _task_data(iid) -> dict:
    """The data of the instance's waiting user task, as the engine holds it (inputs included)."""
    from app.extensions import db
    from app.models import ProcessInstance
    from app.services.instances import load_runner

    runner, _ = load_runner(db.session.get(ProcessInstance, iid))
    (task,) = runner.result().user_tasks
    return task.data


def test_camunda_input_parameters_are_local_and_outputs_reach_the_process(admin, make_user):
    make_user("demo")  # (an assignee no user has would be dropped, with an incident)
    _deploy(admin, "io_mapping.bpmn")
    started = _start(admin, "io_mapping", name="Ann", amount=5, greeting="kept")
    iid = started["id"]
    (task,) = _tasks(admin, iid)
    assert task["assignee"] == "demo"  # camunda:assignee="${reviewer}" reads the input parameter
    seen = _task_data(iid)
    assert seen["greeting"] == "Hello Ann" and seen["limit"] == 10 and seen["nothing"] is None
    assert seen["tags"] == ["fixed", "Ann"] and seen["info"] == {"amount": 5, "who": "Ann"}
    process = _variables(admin, iid)  # the inputs are the task's own, not the process's
    assert process["greeting"] == "kept" and "limit" not in process and "tags" not in process
    _complete(admin, task, extra=1)
    after = _variables(admin, iid)
    assert after["total"] == 11  # ${limit + extra}: evaluated with the task's local inputs
    assert after["greeting"] == "kept" and "limit" not in after and "tags" not in after


def test_zeebe_io_mapping_uses_feel_and_dotted_targets(admin):
    _deploy(admin, "zeebe_io.bpmn")
    iid = _start(admin, "zeebe_io", amount=5)["id"]
    assert _task_data(iid)["doubled"] == 10 and "doubled" not in _variables(admin, iid)
    _complete(admin, _tasks(admin, iid)[0])
    after = _variables(admin, iid)
    assert after["result"] == {"value": 11, "label": "STATIC TEXT"}
    assert "doubled" not in after and "label" not in after


def test_a_zeebe_input_sees_the_inputs_mapped_before_it(admin):
    # Zeebe reads a task's inputs as one FEEL context ({doubled: amount * 2, tens: doubled * 10}):
    # `tens` sees the local `doubled`, and `amount` its own new value; Baton evaluated each against
    # the process's variables, so `tens` was null and `scaled` used the old amount.
    drawn = (CAMUNDA / "zeebe_io.bpmn").read_bytes()
    first = b'<zeebe:input source="=amount * 2" target="doubled" />'
    more = (
        b'<zeebe:input source="=doubled * 10" target="tens" />'
        b'<zeebe:input source="=amount + 1" target="amount" />'
        b'<zeebe:input source="=amount * 100" target="scaled" />'
    )
    assert first in drawn
    admin.deploy_bytes({"zeebe_io.bpmn": drawn.replace(first, first + more)})
    iid = _start(admin, "zeebe_io", amount=5)["id"]
    seen = _task_data(iid)
    assert (seen["doubled"], seen["tens"], seen["amount"], seen["scaled"]) == (10, 100, 6, 600)
    assert _variables(admin, iid)["amount"] == 5  # the inputs are the task's own


def _with_inputs(admin, inputs: bytes):
    drawn = (CAMUNDA / "io_mapping.bpmn").read_bytes()
    anchor = b'<camunda:inputParameter name="nothing" />'
    assert anchor in drawn
    return admin.deploy_bytes({"io_mapping.bpmn": drawn.replace(anchor, anchor + inputs)})


def test_juel_reads_camunda_7s_execution_properties_of_the_instance(admin):
    # ${execution.processBusinessKey} is the business key in Camunda 7 (a property or its getter).
    deployed = _with_inputs(
        admin,
        b'<camunda:inputParameter name="key">${execution.processBusinessKey}</camunda:inputParameter>'
        b'<camunda:inputParameter name="getter">${execution.getBusinessKey()}</camunda:inputParameter>'
        b'<camunda:inputParameter name="iid">${execution.processInstanceId}</camunda:inputParameter>'
        b'<camunda:inputParameter name="tenant">${execution.tenantId}</camunda:inputParameter>'
        b"<camunda:inputParameter name=\"same\">${execution.getVariable('name')}</camunda:inputParameter>",
    )
    assert deployed.status_code == 201 and deployed.json["warnings"] == [], deployed.json
    body = {"variables": {"name": "Ada", "amount": 1}, "business_key": "PART-7"}
    iid = admin.post("/process-definitions/io_mapping/instances", json=body).json["id"]
    seen = _task_data(iid)
    assert (seen["key"], seen["getter"], seen["iid"], seen["same"]) == ("PART-7", "PART-7", iid, "Ada")
    assert seen["tenant"] == "default"


@pytest.mark.parametrize(("business_key", "next_task"), [("VIP-1", "vip"), ("ORD-1", "normal")])
def test_a_condition_reads_the_business_key_when_the_instance_is_loaded_again(admin, business_key, next_task):
    _deploy(admin, "business_key_route.bpmn")
    body = {"variables": {}, "business_key": business_key}
    iid = admin.post("/process-definitions/business_key_route/instances", json=body).json["id"]
    (check,) = _tasks(admin, iid)
    assert check["priority"] == (90 if next_task == "vip" else 50)  # a new task's priority reads it too
    _complete(admin, check)
    assert [t["element_id"] for t in _tasks(admin, iid)] == [next_task]


def test_juel_reads_the_activity_evaluating_as_camunda_7s_current_activity(admin):
    # Inputs, outputs, a new task's candidate groups and a gateway's condition each read their own.
    assert _deploy(admin, "activity_ids.bpmn")["warnings"] == []
    iid = _start(admin, "activity_ids")["id"]
    (review,) = _tasks(admin, iid)
    assert review["candidate_groups"] == ["review-team"]
    seen = _task_data(iid)
    assert (seen["at"], seen["named"]) == ("review", "Review order")
    assert seen["occurrence"] == f"review:{review['id']}"
    _complete(admin, review)
    assert _variables(admin, iid)["reviewedAt"] == "review"
    assert [t["element_id"] for t in _tasks(admin, iid)] == ["routed"]  # evaluated at `route`


def test_deploy_warns_of_a_juel_read_of_an_execution_property_baton_does_not_provide(admin):
    deployed = _with_inputs(
        admin, b'<camunda:inputParameter name="at">${execution.eventName}</camunda:inputParameter>'
    )
    assert deployed.status_code == 201, deployed.json
    (warning,) = deployed.json["warnings"]
    assert warning["element_id"] == "review" and warning["file"] == "io_mapping.bpmn"
    assert "reads execution.eventName, which Baton does not provide" in warning["message"]


def test_call_activity_passes_only_the_camunda_in_and_out_variables(admin):
    _deploy(admin, "call_child.bpmn", "call_parent.bpmn")
    iid = _start(admin, "call_parent", order={"id": 7}, amount=1, secret="x")["id"]
    (child,) = _tasks(admin, iid)
    assert child["element_id"] == "child_task"
    inside = _variables(admin, iid)
    assert inside["childOrder"] == {"id": 7} and inside["bumped"] == 2
    _complete(admin, child, verdict="ok", junk=1)
    after = _variables(admin, iid)
    assert after["childVerdict"] == "ok" and after["secret"] == "x"
    assert "junk" not in after and "verdict" not in after


def test_zeebe_call_activity_without_propagation_returns_only_its_outputs(admin):
    _deploy(admin, "call_child.bpmn", "call_zeebe.bpmn")
    iid = _start(admin, "call_zeebe", amount=2)["id"]
    assert _variables(admin, iid)["scaled"] == 20
    _complete(admin, _tasks(admin, iid)[0], verdict="fine", junk=1)
    assert _variables(admin, iid) == {"amount": 2, "outcome": "fine"}


@pytest.mark.parametrize(
    ("model", "written", "expression"),
    [
        ("call_parent.bpmn", b'calledElement="call_child"', b'calledElement="${childKind}"'),
        ("call_parent.bpmn", b'calledElement="call_child"', b'calledElement="call_${kind}"'),
        ("call_zeebe.bpmn", b'processId="call_child"', b'processId="=&quot;call_&quot; + kind"'),
    ],
)
def test_a_called_element_written_as_an_expression_calls_the_process_it_names(
    admin, model, written, expression
):
    # Camunda evaluates calledElement (${...}) and zeebe processId (=...) when the call is reached;
    # Baton looked for a process keyed by the expression's text, and the call failed as undeployed.
    drawn = (CAMUNDA / model).read_bytes()
    assert written in drawn
    deployed = admin.deploy_bytes({model: drawn.replace(written, expression)})
    assert deployed.status_code == 201 and deployed.json["warnings"] == [], deployed.json
    _deploy(admin, "call_child.bpmn")
    started = _start(admin, model.removesuffix(".bpmn"), childKind="call_child", kind="child", amount=1)
    assert started["status"] == "waiting", started
    assert [t["element_id"] for t in _tasks(admin, started["id"])] == ["child_task"]


def test_a_called_element_expression_that_names_no_process_is_an_incident_naming_it(admin):
    drawn = (CAMUNDA / "call_parent.bpmn").read_bytes()
    admin.deploy_bytes(
        {"call_parent.bpmn": drawn.replace(b'calledElement="call_child"', b'calledElement="${kind}"')}
    )
    started = _start(admin, "call_parent", kind=5)
    (incident,) = admin.get("/incidents", query_string={"instance_id": started["id"]}).json["items"]
    assert incident["element_id"] == "call"
    assert "the process key '${kind}' gave 5, not the key of a process" in incident["message"]


def test_juel_calls_javas_string_methods_as_camunda_7_expressions_do(admin):
    # matches, split, replaceAll (with $1) and isBlank are java.lang.String's: Baton refused them
    # ("method 'matches' is not allowed on a str"), an incident at the gateway.
    _deploy(admin, "email_check.bpmn")
    started = _start(admin, "email_check", email="Ann.Lee@Example.ORG")
    assert started["active_elements"] == ["welcome"], started
    seen = _task_data(started["id"])
    assert seen["domain"] == "example.org" and seen["masked"] == "A***@Example.ORG"
    assert _start(admin, "email_check", email="not an address")["active_elements"] == ["fix"]


def test_zeebe_call_activity_without_parent_propagation_passes_only_its_inputs(admin):
    # propagateAllParentVariables="false": the child gets the input mappings' variables only;
    # Baton gave it every variable of the caller (here `secret`).
    drawn = (CAMUNDA / "call_zeebe.bpmn").read_bytes()
    element = b'propagateAllChildVariables="false"'
    assert element in drawn
    closed = drawn.replace(element, element + b' propagateAllParentVariables="false"')
    admin.deploy_bytes({"call_zeebe.bpmn": closed})
    _deploy(admin, "call_child.bpmn")
    iid = _start(admin, "call_zeebe", amount=2, secret="x")["id"]
    assert _task_data(iid) == {"scaled": 20}
    _complete(admin, _tasks(admin, iid)[0], verdict="fine")
    assert _variables(admin, iid) == {"amount": 2, "secret": "x", "outcome": "fine"}


def test_camunda_collection_with_completion_condition_and_cardinality(admin, make_user):
    for reviewer in "abc":
        make_user(reviewer)
    _deploy(admin, "multi_instance.bpmn")
    iid = _start(admin, "multi_instance", reviewers=["a", "b", "c"], rounds=2)["id"]
    votes = _tasks(admin, iid)
    assert sorted(t["assignee"] for t in votes) == ["a", "b", "c"]
    _complete(admin, votes[0], vote_a=1)
    assert len(_tasks(admin, iid)) == 2
    _complete(admin, _tasks(admin, iid)[0], vote_b=1)
    # ${nrOfCompletedInstances >= 2}: the third vote is cancelled; two sequential tallies follow.
    for _ in range(2):
        (tally,) = _tasks(admin, iid)
        assert tally["element_id"] == "tally"
        _complete(admin, tally)
    final = admin.get(f"/instances/{iid}").json
    assert final["status"] == "completed"
    assert "reviewer" not in final["variables"] and "loopCounter" not in final["variables"]


def test_zeebe_multi_instance_collects_output_elements_in_order(admin):
    _deploy(admin, "zeebe_multi.bpmn")
    iid = _start(admin, "zeebe_multi", items=[{"qty": 1}, {"qty": 3}])["id"]
    assert _variables(admin, iid)["prices"] == [10, 30]


def test_zeebe_output_element_reads_the_inner_instances_input_mapped_locals(admin):
    # Camunda's documented way to collect each instance's result: an input mapping makes
    # `answer` local (=null), the completion sets it, outputElement reads it. Baton dropped the
    # locals before reading, so every vote was collected as {who: null, answer: null}.
    _deploy(admin, "zeebe_votes.bpmn")
    iid = _start(admin, "zeebe_votes", voters=[{"name": "ann"}, {"name": "bob"}])["id"]
    for task, answer in zip(_tasks(admin, iid), ("yes", "no"), strict=True):
        _complete(admin, task, answer=answer)
    variables = _variables(admin, iid)
    votes = variables["votes"]
    assert [vote["who"] for vote in votes] == ["ann", "bob"]  # in the voters' order
    assert sorted(vote["answer"] for vote in votes) == ["no", "yes"]
    assert "answer" not in variables and "who" not in variables  # locals of each instance


def test_zeebe_counts_its_instances_from_1(admin):
    # Zeebe's loopCounter starts at 1 (Camunda 7's at 0); Baton gave a Zeebe model 0, 1, ...
    drawn = (CAMUNDA / "zeebe_votes.bpmn").read_bytes()
    element = b'outputElement="={who: who, answer: answer}"'
    assert element in drawn
    counted = drawn.replace(element, b'outputElement="={who: who, n: loopCounter}"')
    admin.deploy_bytes({"zeebe_votes.bpmn": counted})
    iid = _start(admin, "zeebe_votes", voters=[{"name": "ann"}, {"name": "bob"}])["id"]
    for task in _tasks(admin, iid):
        _complete(admin, task, answer="yes")
    assert _variables(admin, iid)["votes"] == [{"who": "ann", "n": 1}, {"who": "bob", "n": 2}]


def test_unquoted_iso_timers_and_timer_expressions_proceed_when_due(admin):
    _deploy(admin, "timers.bpmn")
    body = _start(admin, "timers", delay="PT0S", since="2021-06-01T00:00:00Z")
    # PT0S, a past date, ${delay} and =since are all due already: the token reaches the task.
    assert body["active_elements"][-1] == "wait" or "wait" in body["active_elements"], body
    assert [t["element_id"] for t in _tasks(admin, body["id"])] == ["wait"]
    visited = [h["element_id"] for h in admin.get(f"/instances/{body['id']}/history").json["items"]]
    assert visited[:5] == ["start", "zero", "past", "juel", "feel"]


def test_a_cron_cycle_start_timer_deploys_as_a_schedule(admin):
    body = _deploy(admin, "cron_start.bpmn")
    assert body["definitions"][0]["key"] == "cron_start"


def test_an_expression_that_does_not_parse_is_a_400_naming_file_element_and_expression(admin):
    refused = admin.deploy(CAMUNDA / "bad_condition.bpmn")
    assert refused.status_code == 400, refused.json
    assert "${amount >> 1000}" in refused.json["message"]
    assert refused.json["details"]["element_id"] == "yes"
    assert refused.json["details"]["file"] == "bad_condition.bpmn"


def test_what_baton_cannot_run_is_a_warning_naming_the_element(admin):
    body = _deploy(admin, "listeners.bpmn")
    by_element = {(w["element_id"], w["message"].split(" ")[0]) for w in body["warnings"]}
    assert ("groovy", "groovy") in by_element
    assert ("task", "camunda:executionListener") in by_element
    assert ("task", "camunda:script") in by_element


def test_an_expression_failing_at_run_time_is_an_incident_with_element_and_message(admin):
    _deploy(admin, "runtime_failure.bpmn")
    iid = _start(admin, "runtime_failure", order={})["id"]
    _complete(admin, _tasks(admin, iid)[0])
    instance = admin.get(f"/instances/{iid}").json
    assert instance["status"] == "failed", instance
    incidents = admin.get(f"/incidents?instance_id={iid}").json["items"]
    assert len(incidents) == 1, incidents
    assert incidents[0]["element_id"] == "gw"
    assert "order.total" in incidents[0]["message"]


@pytest.mark.parametrize("name", ["io_mapping.bpmn"])  # FEEL gives null, not an error, for a missing name
def test_an_input_mapping_failing_at_run_time_is_an_incident_on_its_task(admin, name):
    _deploy(admin, name)
    key = name.removesuffix(".bpmn")
    iid = _start(admin, key)["id"]  # no `name`/`amount`: the first input cannot be evaluated
    incidents = admin.get(f"/incidents?instance_id={iid}").json["items"]
    assert [i["element_id"] for i in incidents] == [{"io_mapping": "review", "zeebe_io": "check"}[key]]
    assert "input mapping" in incidents[0]["message"]
