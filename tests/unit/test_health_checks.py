"""Deep health checks: bounded and concurrent, and each provider probed through its real client
(HTTP mocked with ``responses``: no network)."""

from __future__ import annotations

import dataclasses
import threading
import time

import pytest
import responses

from paylox.config import get_settings
from paylox.health import probes
from paylox.health.runner import Check, Degraded, run_checks
from paylox.health.schemas import DependencyHealth, overall

TWILIO_SID = "AC00000000000000000000000000000000"
TWILIO_ACCOUNT_URL = f"https://api.twilio.com/2010-04-01/Accounts/{TWILIO_SID}.json"


@pytest.fixture
def release() -> threading.Event:
    event = threading.Event()
    yield event
    event.set()  # let the abandoned probe's thread finish


# ------------------------------------------------------------------------------------ the runner
def test_a_hung_provider_is_reported_down_without_holding_the_others(release):
    def hangs(_timeout: float) -> str:
        release.wait(30)
        return ""

    started = time.monotonic()
    results = run_checks([Check("sms:twilio", hangs), Check("events:bus", lambda _t: "")], timeout=0.2)

    assert time.monotonic() - started < 5  # the run was not held for the hung probe's 30 seconds
    assert [(r.name, r.status) for r in results] == [("sms:twilio", "down"), ("events:bus", "ok")]
    assert results[0].detail == "no answer within 0.2 s"


def test_checks_run_at_the_same_time():
    # Two probes that each wait for the other can only both finish if they run concurrently.
    barrier = threading.Barrier(2, timeout=5)

    def meets(_timeout: float) -> str:
        barrier.wait()
        return ""

    results = run_checks([Check("a", meets), Check("b", meets)], timeout=10)

    assert [r.status for r in results] == ["ok", "ok"]


def test_a_failing_probe_is_down_with_its_reason_and_a_warning_is_degraded():
    def refuses(_timeout: float) -> str:
        raise RuntimeError("table status DELETING")

    def low(_timeout: float) -> str:
        raise Degraded("balance 0")

    down, degraded = run_checks([Check("dynamodb:UsersTable", refuses), Check("sms:messagebird", low)], timeout=5)

    assert (down.status, down.detail) == ("down", "RuntimeError: table status DELETING")
    assert (degraded.status, degraded.detail) == ("degraded", "balance 0")


def test_a_slow_answer_is_degraded(monkeypatch):
    monkeypatch.setattr("paylox.health.runner.DEGRADED_AFTER_MS", 10)

    [slow] = run_checks([Check("captcha:turnstile", lambda _t: time.sleep(0.05) or "")], timeout=5)

    assert slow.status == "degraded"
    assert slow.detail.startswith("answered in ")


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [(["ok", "ok"], "ok"), (["ok", "degraded"], "degraded"), (["degraded", "down"], "down"), ([], "ok")],
)
def test_the_report_is_as_bad_as_its_worst_dependency(statuses, expected):
    deps = [DependencyHealth(name=f"d{i}", status=s, latency_ms=1) for i, s in enumerate(statuses)]

    assert overall(deps) == expected


# ------------------------------------------------------------------------------------ providers
@pytest.fixture
def provider_secrets(monkeypatch):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", TWILIO_SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "auth-token")
    monkeypatch.setenv("MESSAGEBIRD_ACCESS_KEY", "mb-key")
    monkeypatch.setenv("CAPTCHA_SECRET", "captcha-secret")
    monkeypatch.setenv("JETCHECKOUT_API_KEY", "jc-key")


@responses.activate
@pytest.mark.parametrize(("account_status", "ok"), [("active", True), ("suspended", False)])
def test_twilio_is_probed_by_fetching_the_account(provider_secrets, account_status, ok):
    responses.get(TWILIO_ACCOUNT_URL, json={"sid": TWILIO_SID, "status": account_status})

    [result] = run_checks([Check("sms:twilio", probes._twilio)], timeout=5)

    assert (result.status == "ok") is ok
    assert responses.calls[0].request.headers["Authorization"].startswith("Basic ")
    assert "auth-token" not in result.detail


@responses.activate
def test_twilio_refusing_our_credentials_is_down(provider_secrets):
    responses.get(TWILIO_ACCOUNT_URL, status=401, json={"code": 20003, "message": "Authenticate", "status": 401})

    [result] = run_checks([Check("sms:twilio", probes._twilio)], timeout=5)

    assert result.status == "down"


@responses.activate
@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (200, {"payment": "prepaid", "type": "euros", "amount": 42.5}, "ok"),
        (200, {"payment": "prepaid", "type": "euros", "amount": 0}, "degraded"),
        (401, {"errors": [{"code": 2, "description": "Request not allowed"}]}, "down"),
    ],
)
def test_messagebird_is_probed_by_its_balance(provider_secrets, status, body, expected):
    responses.get(probes.MESSAGEBIRD_BALANCE_URL, json=body, status=status)

    [result] = run_checks([Check("sms:messagebird", probes._messagebird)], timeout=5)

    assert result.status == expected
    assert responses.calls[0].request.headers["Authorization"] == "AccessKey mb-key"


@responses.activate
@pytest.mark.parametrize(
    ("codes", "expected"), [(["invalid-input-response"], "ok"), (["invalid-input-secret"], "down")]
)
def test_the_captcha_secret_is_probed_with_a_dummy_token(provider_secrets, codes, expected):
    responses.post(probes.SITEVERIFY_URLS["turnstile"], json={"success": False, "error-codes": codes})

    [result] = run_checks([Check("captcha:turnstile", lambda t: probes._captcha("turnstile", t))], timeout=5)

    assert result.status == expected


@pytest.fixture
def jetcheckout(monkeypatch, provider_secrets):
    monkeypatch.setenv("JETCHECKOUT_BASE_URL", "https://api.jetcheckout.example")
    get_settings.cache_clear()
    yield "https://api.jetcheckout.example/api/v1/payment/status"
    get_settings.cache_clear()


@responses.activate
@pytest.mark.parametrize(("status", "body", "expected"), [(200, {"response_code": "00404"}, "ok"), (503, {}, "down")])
def test_jetcheckout_is_probed_by_a_status_query_for_an_order_that_does_not_exist(jetcheckout, status, body, expected):
    responses.post(jetcheckout, json=body, status=status)

    [result] = run_checks([Check("payments:jetcheckout", probes._jetcheckout)], timeout=5)

    assert result.status == expected
    assert probes.PROBE_ORDER_ID in responses.calls[0].request.body.decode()


def test_secrets_are_checked_for_presence_and_never_read(monkeypatch):
    monkeypatch.setenv("CAPTCHA_SECRET", "do-not-show-me")
    monkeypatch.delenv("MESSAGEBIRD_ACCESS_KEY", raising=False)
    monkeypatch.delenv("MESSAGEBIRD_ACCESS_KEY_PARAMETER", raising=False)

    present, missing = run_checks(
        [
            Check("ssm:CAPTCHA_SECRET", lambda t: probes._secret("CAPTCHA_SECRET", t)),
            Check("ssm:MESSAGEBIRD_ACCESS_KEY", lambda t: probes._secret("MESSAGEBIRD_ACCESS_KEY", t)),
        ],
        timeout=5,
    )

    assert (present.status, present.detail) == ("ok", "from the environment")
    assert missing.status == "down"
    assert "do-not-show-me" not in present.model_dump_json()


def test_a_deployed_stage_checks_its_real_providers_and_their_secrets():
    settings = dataclasses.replace(
        get_settings(),
        stage="prod",
        sms_provider="twilio",
        sms_fallback_provider="messagebird",
        payment_gateway="jetcheckout",
        document_delivery="cloudfront",
    )

    names = [check.name for check in probes.checks_for(settings)]

    assert {"sms:twilio", "sms:messagebird", "payments:jetcheckout", "captcha:turnstile"} <= set(names)
    assert {
        "ssm:TWILIO_AUTH_TOKEN",
        "ssm:MESSAGEBIRD_ACCESS_KEY",
        "ssm:JETCHECKOUT_API_KEY",
        "ssm:CAPTCHA_SECRET",
        "ssm:OTP_HASH_KEY",
        "ssm:CLOUDFRONT_SIGNING_KEY",
    } <= set(names)
    assert {f"dynamodb:{logical_id}" for logical_id in probes.TABLES.values()} <= set(names)
