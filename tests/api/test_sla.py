"""SLA clocks over HTTP: business hours, pauses, 80 % warning, 100 % breach, compliance by definition."""

from datetime import UTC, datetime, timedelta

from app.extensions import db
from app.models import SlaClock
from app.services import sla
from tests.scenarios.flow import complete, deploy, start


def _age(instance_id, hours: float) -> None:
    """Move the clock's start back as if `hours` of wall-clock time had passed."""
    clock = db.session.get(SlaClock, instance_id)
    clock.started_at -= timedelta(hours=hours)
    db.session.commit()


def test_business_hours_skip_nights_weekends_and_public_holidays():
    friday_4pm = datetime(2025, 12, 19, 16, tzinfo=UTC)
    assert sla.hours_between(friday_4pm, friday_4pm + timedelta(days=3), "GB") == 1 + 7  # Fri 16-17, Mon 9-16
    christmas_eve_9 = datetime(2025, 12, 24, 9, tzinfo=UTC)
    assert sla.hours_between(christmas_eve_9, christmas_eve_9 + timedelta(days=3), "GB") == 8  # 25, 26 off
    assert sla.hours_between(friday_4pm, friday_4pm + timedelta(days=1), None) == 24


def test_an_open_instance_goes_at_risk_then_breached_and_the_events_are_recorded(admin):
    deploy(admin, "incident_management.bpmn")  # slaHours 8, wall-clock
    iid = start(admin, "incident_management", summary="mail down")
    assert admin.get(f"/instances/{iid}/sla").json["state"] == "on_track"
    _age(iid, 7)
    assert admin.get(f"/instances/{iid}/sla").json["state"] == "at_risk"
    _age(iid, 2)
    assert sla.check_open_clocks() >= 1
    body = admin.get(f"/instances/{iid}/sla").json
    assert body["state"] == "breached" and [e["kind"] for e in body["events"]] == [
        "started",
        "warning",
        "breached",
    ]
    report = admin.get("/sla?definition_key=incident_management").json
    assert [i["state"] for i in report["open"]] == ["breached"]


def test_the_clock_pauses_while_waiting_for_the_requester(admin):
    deploy(admin, "incident_management.bpmn")  # pauses in Task_verify
    iid = start(admin, "incident_management", summary="VPN")
    complete(admin, iid, "Task_triage", route="first_line")
    complete(admin, iid, "Task_resolve_l1")
    paused = admin.get(f"/instances/{iid}/sla").json
    assert paused["paused"] and paused["events"][-1]["kind"] == "paused"
    clock = db.session.get(SlaClock, iid)
    clock.paused_since -= timedelta(hours=20)  # the caller took 20 hours to answer
    db.session.commit()
    complete(admin, iid, "Task_verify", verified=True)
    body = admin.get(f"/instances/{iid}/sla").json
    assert [e["kind"] for e in body["events"]][-2:] == ["resumed", "met"]
    assert body["elapsed_hours"] < 1


def _hold(instance_id, hours: float) -> None:
    """Move the clock's pause back as if it had stood still for `hours`."""
    clock = db.session.get(SlaClock, instance_id)
    clock.paused_since -= timedelta(hours=hours)
    db.session.commit()


def test_the_clock_stands_still_while_the_case_is_suspended(admin):
    deploy(admin, "incident_management.bpmn")  # slaHours 8, wall-clock
    iid = start(admin, "incident_management", summary="VPN")
    _age(iid, 2)
    assert admin.post(f"/instances/{iid}/suspend", json={}).status_code == 200
    suspended = admin.get(f"/instances/{iid}/sla").json
    assert suspended["paused"] and suspended["events"][-1]["kind"] == "paused"
    _age(iid, 10)  # suspended over a long weekend: nobody may work on it, so it is no breach
    _hold(iid, 10)
    assert sla.check_open_clocks() == 0
    assert admin.get(f"/instances/{iid}/sla").json["state"] == "on_track"
    assert admin.post(f"/instances/{iid}/resume", json={}).status_code == 200
    resumed = admin.get(f"/instances/{iid}/sla").json
    assert not resumed["paused"] and [e["kind"] for e in resumed["events"]][-2:] == ["paused", "resumed"]
    assert 1.9 < resumed["elapsed_hours"] < 2.1 and resumed["state"] == "on_track"


def test_a_case_suspended_while_waiting_for_the_requester_stays_paused_when_resumed(admin):
    deploy(admin, "incident_management.bpmn")  # pauses in Task_verify
    iid = start(admin, "incident_management", summary="VPN")
    complete(admin, iid, "Task_triage", route="first_line")
    complete(admin, iid, "Task_resolve_l1")
    admin.post(f"/instances/{iid}/suspend", json={})
    admin.post(f"/instances/{iid}/resume", json={})
    body = admin.get(f"/instances/{iid}/sla").json
    assert body["paused"] and [e["kind"] for e in body["events"]] == ["started", "paused"]


def test_compliance_rate_and_average_resolution_by_definition(admin):
    deploy(admin, "leave_request.bpmn")  # slaHours 16, GB business hours
    quick, slow = start(admin, "leave_request", days=1), start(admin, "leave_request", days=1)
    db.session.get(SlaClock, slow).calendar = None  # count wall-clock so the test does not depend on the day
    _age(slow, 30)
    for iid in (quick, slow):
        complete(admin, iid, "Task_manager_review", decision="reject", reason="no cover")
    summary = admin.get("/sla").json["definitions"]
    leave = next(s for s in summary if s["definition_key"] == "leave_request")
    assert leave["closed"] == 2 and leave["compliance_rate"] == 0.5
    assert 14 < leave["average_resolution_hours"] < 16


def test_a_cancelled_instance_counts_neither_for_nor_against_compliance(admin):
    deploy(admin, "leave_request.bpmn")
    done, dropped = start(admin, "leave_request", days=1), start(admin, "leave_request", days=1)
    complete(admin, done, "Task_manager_review", decision="reject", reason="no cover")
    _age(dropped, 30)
    assert admin.post(f"/instances/{dropped}/cancel", json={"reason": "withdrawn"}).status_code == 200
    leave = next(s for s in admin.get("/sla").json["definitions"] if s["definition_key"] == "leave_request")
    assert leave["closed"] == 1 and leave["compliance_rate"] == 1.0 and leave["open"] == 0


def test_beat_checks_sla_clocks_every_minute_so_idle_instances_breach_on_time(app, admin):
    from app.tasks.schedule import BEAT_SCHEDULE

    entry = BEAT_SCHEDULE["check-sla-clocks"]
    assert entry["task"] == "baton.check_sla" and entry["schedule"] <= 60
    deploy(admin, "incident_management.bpmn")
    iid = start(admin, "incident_management", summary="printer on fire")
    _age(iid, 9)  # nobody touches the instance
    assert app.extensions["celery"].tasks["baton.check_sla"]() >= 1
    assert admin.get(f"/instances/{iid}/sla").json["state"] == "breached"


def test_sla_clocks_read_the_same_named_calendars_as_timers_and_due_dates():
    berlin_friday_4pm = datetime(2025, 1, 10, 15, tzinfo=UTC)  # 16:00 in Berlin
    assert sla.hours_between(berlin_friday_4pm, berlin_friday_4pm + timedelta(days=3), "DE-9to17") == 1 + 7
    assert sla._calendar("no-such-calendar") is None  # unknown: wall-clock hours, logged, never a failed step


def test_figures_by_team_in_business_and_wall_clock_hours(admin):
    deploy(admin, "incident_management.bpmn", "leave_request.bpmn", "it_change_request.bpmn")
    incident = start(admin, "incident_management", summary="VPN")  # team: its first group
    complete(admin, incident, "Task_triage", route="first_line")
    complete(admin, incident, "Task_resolve_l1")
    clock = db.session.get(SlaClock, incident)
    clock.started_at -= timedelta(hours=20)
    clock.paused_since -= timedelta(hours=20)  # 20 wall-clock hours, all of them waiting for the caller
    db.session.commit()
    complete(admin, incident, "Task_verify", verified=True)
    late, waiting = start(admin, "leave_request", days=2), start(admin, "leave_request", days=3)
    for iid, hours in ((late, 30), (waiting, 14)):  # slaHours 16: one missed, one at 87 %
        db.session.get(SlaClock, iid).calendar = None
        _age(iid, hours)
    complete(admin, late, "Task_manager_review", decision="reject", reason="no cover")
    change = start(admin, "it_change_request", change_type="standard", summary="patch")  # slaTeam

    teams = {r["team"]: r for r in admin.get("/sla/summary?group_by=team").json["items"]}
    desk, managers = teams["service-desk"], teams["managers"]
    assert (desk["closed"], desk["compliance_rate"], desk["open"]) == (1, 1.0, 0)
    assert desk["average_resolution_hours"] < 1 and 19.9 < desk["average_resolution_wall_clock_hours"] < 20.1
    assert (managers["closed"], managers["compliance_rate"], managers["at_risk"]) == (1, 0.0, 1)
    assert 29.9 < managers["average_resolution_hours"] < 30.1
    assert teams["change-management"]["on_track"] == 1
    by_definition = admin.get("/sla/summary?group_by=definition&definition_key=leave_request").json
    assert [r["definition_key"] for r in by_definition["items"]] == ["leave_request"]
    report = admin.get("/sla").json
    assert {(i["instance_id"], i["team"]) for i in report["open"]} >= {(change, "change-management")}
    assert {r["team"] for r in report["teams"]} >= {"service-desk", "managers", "change-management"}
    refused = admin.get("/sla/summary?group_by=colour")
    assert refused.status_code == 400 and "group_by" in str(refused.json)
