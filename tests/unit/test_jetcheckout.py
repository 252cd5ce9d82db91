"""The Jetcheckout client: exact requests (URL, headers, hash, body) and provider failures as domain
errors. HTTP is intercepted with ``responses``: nothing leaves the machine."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os

import pytest
import requests
import responses
from pydantic import ValidationError
from responses import matchers

from paylox.config import Settings, get_settings
from paylox.payments import get_gateway
from paylox.payments.errors import (
    PaymentNotFound,
    PaymentProviderError,
    PaymentProviderUnavailable,
    PaymentRejected,
)
from paylox.payments.jetcheckout import JetcheckoutGateway, request_hash
from paylox.payments.sandbox import SandboxGateway

BASE = "https://jetcheckout.test/api"
API_KEY = "jc_key_123"
API_SECRET = "jc_secret_456"


@pytest.fixture(autouse=True)
def credentials(monkeypatch):
    monkeypatch.setenv("JETCHECKOUT_API_KEY", API_KEY)
    monkeypatch.setenv("JETCHECKOUT_API_SECRET", API_SECRET)


@pytest.fixture
def gateway() -> JetcheckoutGateway:
    return JetcheckoutGateway(base_url=BASE, timeout_seconds=5, return_url="https://app.paylox.test/return")


def assert_signed(request: requests.PreparedRequest, method: str, path: str) -> None:
    """The hash header is what the documented scheme gives for this exact request."""
    headers = request.headers
    canonical = (
        "\n".join([method, path, headers["X-Jetcheckout-Timestamp"], headers["X-Jetcheckout-Nonce"], API_KEY]).encode()
        + b"\n"
        + (request.body or b"")
    )
    expected = base64.b64encode(hmac.new(API_SECRET.encode(), canonical, hashlib.sha256).digest()).decode()
    assert headers["X-Jetcheckout-Api-Key"] == API_KEY
    assert headers["X-Jetcheckout-Hash"] == expected
    assert headers["X-Jetcheckout-Timestamp"].isdigit()


def test_the_request_hash_follows_the_documented_example():
    # The worked example in docs/webhooks.md.
    digest = request_hash(
        "jc_secret_456",
        method="POST",
        path="/api/v1/payment-sessions",
        timestamp="1795683600",
        nonce="req_01JD3Z8Q4V7C2N5R0M6K9T1B3F",
        api_key="jc_key_123",
        body=b'{"amount":150000,"currency":"TRY","merchant_reference":"txn_01JD3Z8Q4V7C2N5R0M6K9T1B3F"}',
    )

    assert digest == "zMcHTVupAfDTiq4eaVgbuN6aAZoWY//gBXcE26Qtbq8="


@responses.activate
def test_creating_a_session_posts_the_signed_amount_in_kurus(gateway):
    responses.post(
        f"{BASE}/v1/payment-sessions",
        status=201,
        json={
            "session_id": "ps_1",
            "payment_url": "https://pay.jetcheckout.test/ps_1",
            "expires_at": "2026-11-26T10:00:00Z",
        },
        match=[
            matchers.json_params_matcher(
                {
                    "merchant_reference": "txn_1",
                    "amount": 150000,
                    "currency": "TRY",
                    "description": "Kamera",
                    "customer_email": "ayse@example.com",
                    "return_url": "https://app.paylox.test/return",
                }
            ),
            matchers.header_matcher({"Content-Type": "application/json", "Accept": "application/json"}),
        ],
    )

    session = gateway.create_session(
        transaction_id="txn_1", amount=150000, currency="TRY", description="Kamera", buyer_email="ayse@example.com"
    )

    assert session.session_id == "ps_1" and session.payment_url.endswith("/ps_1")
    assert_signed(responses.calls[0].request, "POST", "/api/v1/payment-sessions")


@responses.activate
def test_the_payment_status_is_queried_by_our_reference(gateway):
    responses.get(
        f"{BASE}/v1/payments",
        match=[matchers.query_param_matcher({"merchant_reference": "txn_1"})],
        json={"payment_id": "pay_9", "status": "succeeded", "amount": 150000, "currency": "TRY", "refunded_amount": 0},
    )

    status = gateway.payment_status(transaction_id="txn_1")

    assert (status.payment_id, status.status, status.amount) == ("pay_9", "succeeded", 150000)
    request = responses.calls[0].request
    assert_signed(request, "GET", "/api/v1/payments?merchant_reference=txn_1")
    assert request.body is None


@responses.activate
def test_a_refund_carries_the_callers_idempotency_key(gateway):
    responses.post(
        f"{BASE}/v1/payments/pay_9/refunds",
        status=202,
        json={"refund_id": "rf_1", "status": "accepted"},
        match=[
            matchers.json_params_matcher({"amount": 50000, "merchant_reference": "txn_1"}),
            matchers.header_matcher({"Idempotency-Key": "dsp_123"}),
        ],
    )

    result = gateway.refund(transaction_id="txn_1", payment_id="pay_9", amount=50000, idempotency_key="dsp_123")

    assert (result.refund_id, result.status) == ("rf_1", "accepted")
    assert_signed(responses.calls[0].request, "POST", "/api/v1/payments/pay_9/refunds")


@responses.activate
def test_a_refund_without_a_payment_id_looks_the_payment_up_first(gateway):
    responses.get(
        f"{BASE}/v1/payments",
        json={"payment_id": "pay_9", "status": "succeeded", "amount": 150000, "currency": "TRY"},
    )
    responses.post(f"{BASE}/v1/payments/pay_9/refunds", status=201, json={"refund_id": "rf_2", "status": "accepted"})

    result = gateway.refund(transaction_id="txn_1", payment_id=None, amount=150000)

    assert result.refund_id == "rf_2"
    assert responses.calls[1].request.headers["Idempotency-Key"].startswith("refund-")


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (503, {"error": {"code": "maintenance"}}, PaymentProviderUnavailable),
        (500, None, PaymentProviderUnavailable),
        (429, None, PaymentProviderUnavailable),
        (401, {"error": {"code": "invalid_hash"}}, PaymentProviderError),
        (403, None, PaymentProviderError),
        (404, {"error": {"code": "not_found"}}, PaymentNotFound),
        (422, {"error": {"code": "amount_exceeds_captured"}}, PaymentRejected),
        (409, {"error": {"code": "refund_in_progress"}}, PaymentRejected),
        (200, None, PaymentProviderError),  # not JSON
        (200, {"refund_id": "", "status": "accepted"}, PaymentProviderError),  # a field missing
    ],
)
@responses.activate
def test_provider_answers_become_domain_errors(gateway, status, body, error):
    url = f"{BASE}/v1/payments/pay_9/refunds"
    if body is None:
        responses.post(url, status=status, body="<html>oops</html>")
    else:
        responses.post(url, status=status, json=body)

    with pytest.raises(error) as raised:
        gateway.refund(transaction_id="txn_1", payment_id="pay_9", amount=1)

    if error is PaymentRejected:
        assert raised.value.extra["provider_code"] == body["error"]["code"]


@pytest.mark.parametrize("failure", [requests.ConnectTimeout("slow"), requests.ConnectionError("down")])
@responses.activate
def test_an_unreachable_provider_is_unavailable_with_a_retry_hint(gateway, failure):
    responses.post(f"{BASE}/v1/payment-sessions", body=failure)

    with pytest.raises(PaymentProviderUnavailable) as raised:
        gateway.create_session(transaction_id="t", amount=1, currency="TRY", description="d", buyer_email=None)

    assert raised.value.status == 503 and raised.value.headers == {"Retry-After": "30"}


@responses.activate
def test_an_unknown_payment_status_is_a_provider_error(gateway):
    responses.get(f"{BASE}/v1/payments", json={"payment_id": "p", "status": "weird", "amount": 1, "currency": "TRY"})

    with pytest.raises(PaymentProviderError):
        gateway.payment_status(transaction_id="t")


def test_credentials_never_appear_in_the_request_body(gateway):
    with responses.RequestsMock() as mock:
        mock.post(f"{BASE}/v1/payment-sessions", json={"session_id": "s", "payment_url": "u", "expires_at": "e"})
        gateway.create_session(transaction_id="t", amount=1, currency="TRY", description="d", buyer_email=None)
        body = json.loads(mock.calls[0].request.body)

    assert API_SECRET not in json.dumps(body) and API_KEY not in json.dumps(body)


def settings_with(**overrides: str) -> Settings:
    return Settings.model_validate({**os.environ, **overrides})


def test_the_jetcheckout_gateway_needs_its_base_url():
    with pytest.raises(ValidationError, match="JETCHECKOUT_BASE_URL"):
        settings_with(PAYMENT_GATEWAY="jetcheckout", JETCHECKOUT_BASE_URL="")

    assert settings_with(PAYMENT_GATEWAY="jetcheckout", JETCHECKOUT_BASE_URL=BASE).jetcheckout_base_url == BASE


def test_a_typo_in_the_ip_allowlist_fails_the_cold_start():
    with pytest.raises(ValidationError):
        settings_with(JETCHECKOUT_IP_ALLOWLIST="203.0.113.0/24, 203.0.113.300/32")

    parsed = settings_with(JETCHECKOUT_IP_ALLOWLIST=" 203.0.113.0/24 ,2001:db8::/32 ")
    assert parsed.jetcheckout_ip_allowlist == ["203.0.113.0/24", "2001:db8::/32"]


def test_the_configured_gateway_is_the_one_used(monkeypatch):
    monkeypatch.setenv("PAYMENT_GATEWAY", "jetcheckout")
    monkeypatch.setenv("JETCHECKOUT_BASE_URL", BASE)
    get_settings.cache_clear()
    try:
        chosen = get_gateway()
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()

    assert isinstance(chosen, JetcheckoutGateway) and chosen.base_url == BASE
    assert isinstance(get_gateway(), SandboxGateway)
