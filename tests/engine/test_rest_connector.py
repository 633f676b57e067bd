"""Camunda 8's REST connector's task headers as FEEL: resultExpression and errorExpression."""

import pytest

from app.engine.rest_connector import error_decision, response_scope, result_variables

RESPONSE = {
    "status": 200,
    "headers": {"Content-Type": "application/json"},
    "body": {"id": "o-1", "ok": False},
}


def test_the_result_variable_holds_the_response_and_the_expression_reads_it_both_ways():
    headers = {"resultVariable": "answer", "resultExpression": "={id: response.body.id, code: status}"}
    assert result_variables(headers, RESPONSE) == {"answer": RESPONSE, "id": "o-1", "code": 200}


def test_a_result_expression_that_gives_no_context_fails_the_attempt():
    with pytest.raises(ValueError, match="resultExpression gave str, not a context"):
        result_variables({"resultExpression": '="x"'}, RESPONSE)


def test_bpmn_error_and_job_error_are_what_the_error_expression_decides():
    bpmn = {"errorExpression": '=if body.ok then null else bpmnError("NOT_OK", "not ok", {id: body.id})'}
    assert error_decision(bpmn, response_scope(RESPONSE)) == {
        "errorType": "bpmnError", "code": "NOT_OK", "message": "not ok", "variables": {"id": "o-1"},
    }  # fmt: skip
    job = {"errorExpression": '=jobError("later", {}, 2, duration("PT30S"))'}
    decided = error_decision(job, response_scope(RESPONSE))
    assert (decided["errorType"], decided["retries"], decided["retryBackoff"]) == ("jobError", 2, 30.0)
    only_404 = {"errorExpression": '=if error.code = "404" then bpmnError("X", "") else null'}
    error = {"code": "500", "message": "Server Error", "variables": {}}
    assert error_decision(only_404, {"error": error}) is None  # the failure stands: retried
    unanswered = {"type": "ConnectionError", "message": "could not reach", "code": None, "variables": {}}
    assert error_decision(only_404, {"error": unanswered}) is None  # no code: no match, no FEEL error
