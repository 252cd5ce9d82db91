"""POST /api/transaction/{id}/pay with the real Jetcheckout client configured (HTTP intercepted)."""

from __future__ import annotations

import pytest
import requests
import responses

from functions.transactions import get, pay
from paylox.config import get_settings
from tests.apigw import BUYER, api_event, invoke
from tests.integration.steps import new_transaction

BASE = "https://jetcheckout.test"


@pytest.fixture(autouse=True)
def jetcheckout(monkeypatch):
    monkeypatch.setenv("PAYMENT_GATEWAY", "jetcheckout")
    monkeypatch.setenv("JETCHECKOUT_BASE_URL", BASE)
    monkeypatch.setenv("JETCHECKOUT_API_KEY", "key")
    monkeypatch.setenv("JETCHECKOUT_API_SECRET", "secret")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


@responses.activate
def test_paying_opens_a_jetcheckout_session_for_the_exact_amount():
    txn_id = new_transaction(250_000, description="Bisiklet")["id"]
    responses.post(
        f"{BASE}/v1/payment-sessions",
        status=201,
        json={
            "session_id": "ps_77",
            "payment_url": "https://pay.jetcheckout.test/ps_77",
            "expires_at": "2026-12-01T10:00:00Z",
        },
        match=[
            responses.matchers.json_params_matcher(
                {
                    "merchant_reference": txn_id,
                    "amount": 250000,
                    "currency": "TRY",
                    "description": "Bisiklet",
                    "customer_email": f"{BUYER}@example.com",
                }
            )
        ],
    )

    result = invoke(pay, api_event("transactions/pay.json", path={"id": txn_id}, sub=BUYER))

    assert result.status == 200
    assert result.json["payment_url"] == "https://pay.jetcheckout.test/ps_77"
    assert result.json["transaction"]["status"] == "PAYMENT_PENDING"
    assert result.json["transaction"]["payment"]["session_id"] == "ps_77"


@responses.activate
def test_when_jetcheckout_is_down_the_buyer_is_told_to_retry_and_nothing_moves():
    txn_id = new_transaction(250_000, description="Bisiklet")["id"]
    responses.post(f"{BASE}/v1/payment-sessions", body=requests.ConnectionError("down"))

    result = invoke(
        pay, api_event("transactions/pay.json", path={"id": txn_id}, sub=BUYER, headers={"Accept-Language": "tr"})
    )

    assert result.status == 503
    assert result.code == "PAYMENT_PROVIDER_UNAVAILABLE"
    assert result.headers["retry-after"] == "30"
    assert result.json["detail"].startswith("Ödeme sağlayıcısına")
    assert invoke(get, api_event("transactions/get.json", path={"id": txn_id}, sub=BUYER)).json["status"] == "CREATED"
