"""FEEL as Camunda's feel-scala reads it, seen through deployed Camunda 8 models: what a person
who drew the model in Camunda Modeler sees route, map and decide over HTTP."""

from __future__ import annotations

from tests.conftest import DATA

ZEEBE = DATA / "zeebe"


def _start_routing(admin, condition: bytes, variables: dict) -> dict:
    model = (ZEEBE / "routing.bpmn").read_bytes().replace(b"=amount &gt; 1000", condition)
    assert admin.deploy_bytes({"routing.bpmn": model}).status_code in (200, 201)
    started = admin.post("/process-definitions/z8_routing/instances", json={"variables": variables})
    assert started.status_code == 201, started.json
    return started.json


def test_a_regex_escape_in_a_feel_string_reaches_matches_as_written(admin):
    # feel-scala keeps "\d" as backslash-d, so the pattern is a regex's digit class; reading it
    # as "d" routed every well-formed code to the default flow.
    started = _start_routing(admin, rb'=matches(code, "^\d{3}-\d{4}$")', {"code": "123-4567"})
    assert started["active_elements"] == ["managerApproval"], started
    started = _start_routing(admin, rb'=matches(code, "^\d{3}-\d{4}$")', {"code": "ddd-dddd"})
    assert started["active_elements"] == ["book"], started


def test_camunda_8_feel_extension_functions_deploy_without_warning_and_route(admin):
    # extract, is blank, uuid, to base64, random number and date and time(value, zone) are
    # Camunda's own FEEL functions: Baton warned they did not exist and gave null, so a Zeebe
    # condition using one failed into an incident.
    condition = (
        rb'=count(extract(code, "\d")) = 3 and not(is blank(note)) and string length(uuid()) = 36'
        rb' and to base64("FEEL") = "RkVFTA==" and random number() &lt; 1'
        rb' and date and time(@"2020-07-31T14:27:30Z", "Europe/Berlin").hour = 16'
    )
    model = (ZEEBE / "routing.bpmn").read_bytes().replace(b"=amount &gt; 1000", condition)
    deployed = admin.deploy_bytes({"routing.bpmn": model})
    assert deployed.status_code == 201 and deployed.json["warnings"] == [], deployed.json
    started = admin.post(
        "/process-definitions/z8_routing/instances", json={"variables": {"code": "a1b2c3", "note": "x"}}
    )
    assert started.json["active_elements"] == ["managerApproval"], started.json


def test_a_name_in_backticks_reads_a_variable_whose_name_feel_cannot_spell(admin):
    # `order-amount` is how Camunda's FEEL names a variable holding a dash; the deployment was a
    # 400 ("unexpected character '`'").
    condition = (
        rb"=`order-amount` &gt; 1000"
        rb" and get value(order, [&quot;customer&quot;, &quot;tier&quot;]) = &quot;gold&quot;"
    )
    variables = {"order-amount": 5000, "order": {"customer": {"tier": "gold"}}}
    started = _start_routing(admin, condition, variables)
    assert started["active_elements"] == ["managerApproval"], started


def test_time_across_a_clock_change_is_the_time_that_passed(admin):
    # The night Berlin's clocks spring forward, 01:30 to 03:30 is one hour (feel-scala, java.time);
    # Baton subtracted the wall clocks (two hours) and took the default flow.
    condition = rb"=date and time(end) - date and time(begin) = duration(&quot;PT1H&quot;)"
    night = {"begin": "2022-03-27T01:30:00@Europe/Berlin", "end": "2022-03-27T03:30:00@Europe/Berlin"}
    started = _start_routing(admin, condition, night)
    assert started["active_elements"] == ["managerApproval"], started
