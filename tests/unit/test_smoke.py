"""``make smoke``: after a deploy it says plainly what is wrong, against a mocked stage."""

from __future__ import annotations

import pytest
import requests
import responses

from ops.smoke import main, run

URL = "https://api.paylox.example"
HEALTHY_DEPENDENCIES = {
    "status": "ok",
    "checked_at": "2026-11-29T12:00:00Z",
    "dependencies": [
        {"name": "dynamodb:UsersTable", "status": "ok", "latency_ms": 12, "detail": ""},
        {"name": "sms:twilio", "status": "ok", "latency_ms": 80, "detail": ""},
    ],
}


def _healthy_stage(mocked: responses.RequestsMock) -> None:
    mocked.get(f"{URL}/api/health", json={"status": "ok", "version": "0.1.0+abc123", "stage": "prod"})
    mocked.get(f"{URL}/api/admin/health", json=HEALTHY_DEPENDENCIES)
    mocked.get(f"{URL}/api/transaction/list", json={"items": [], "next_cursor": None})


@responses.activate
def test_a_healthy_stage_passes_every_check_and_sends_the_token(capsys):
    _healthy_stage(responses.mock)

    exit_code = main(["--url", URL + "/", "--token", "tok"])

    out = capsys.readouterr().out
    assert exit_code == 0
    assert "version 0.1.0+abc123, stage prod" in out
    assert "FAIL" not in out
    assert all(call.request.headers["Authorization"] == "Bearer tok" for call in responses.calls)


@responses.activate
def test_a_dependency_down_is_named_with_its_detail():
    _healthy_stage(responses.mock)
    down = {
        **HEALTHY_DEPENDENCIES,
        "status": "down",
        "dependencies": [{"name": "sms:twilio", "status": "down", "latency_ms": 2000, "detail": "timed out"}],
    }
    responses.replace(responses.GET, f"{URL}/api/admin/health", json=down, status=503)

    [_, admin, _] = run(URL, "tok")

    assert not admin.ok
    assert admin.message == "sms:twilio is down: timed out"


@responses.activate
def test_a_function_failing_at_cold_start_is_reported_with_its_request_id(capsys):
    _healthy_stage(responses.mock)
    problem = {"code": "INTERNAL_ERROR", "detail": "Something went wrong.", "request_id": "req-42"}
    responses.replace(responses.GET, f"{URL}/api/transaction/list", json=problem, status=500)

    exit_code = main(["--url", URL, "--token", "tok"])

    out = capsys.readouterr().out
    assert exit_code == 1
    assert "FAIL  GET /api/transaction/list: 500 INTERNAL_ERROR: Something went wrong. (request_id req-42" in out
    assert "1 of 3 checks failed" in out


@pytest.mark.parametrize(
    ("status", "body", "says"),
    [
        (401, {"message": "Unauthorized"}, "the token was refused"),
        (403, {"code": "STAFF_ONLY"}, "use a staff token"),
    ],
)
@responses.activate
def test_a_refused_token_is_told_apart_from_a_broken_stage(status, body, says):
    _healthy_stage(responses.mock)
    responses.replace(responses.GET, f"{URL}/api/admin/health", json=body, status=status)

    [_, admin, _] = run(URL, "tok")

    assert not admin.ok
    assert says in admin.message


@responses.activate
def test_a_stage_that_does_not_answer_fails_every_check_without_a_traceback():
    responses.get(f"{URL}/api/health", body=requests.ConnectionError("connection refused"))
    responses.get(f"{URL}/api/admin/health", body=requests.ConnectionError("connection refused"))
    responses.get(f"{URL}/api/transaction/list", body=requests.ConnectionError("connection refused"))

    results = run(URL, "tok")

    assert [result.ok for result in results] == [False, False, False]
    assert results[0].message.startswith("no answer (ConnectionError)")


@responses.activate
def test_a_wrong_url_is_said_to_be_a_wrong_url():
    responses.get(f"{URL}/api/health", body="Not Found", status=404)
    responses.get(f"{URL}/api/admin/health", body="Not Found", status=404)
    responses.get(f"{URL}/api/transaction/list", body="Not Found", status=404)

    [liveness, _, _] = run(URL, "tok")

    assert "the URL is not this API" in liveness.message
