"""Paying and refunding with the real Jetcheckout client configured (HTTP intercepted).

The evidenced API starts a card payment only with the card number in our request, or with a
saved-card token the app does not have (docs/payments.md): paying with Jetcheckout is refused
before anything is sent. Refunds of funded transactions speak the evidenced calls.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import responses
from responses import matchers

from functions.transactions import get, pay
from paylox import clock
from paylox.config import get_settings
from paylox.payments import get_gateway
from paylox.transactions.gateway_refunds import refund_request
from paylox.transactions.service import find_transaction
from tests.apigw import BUYER, api_event, invoke
from tests.integration.steps import act, fund, new_transaction, pending_transaction, send_event

BASE = "https://jetcheckout.test"


@pytest.fixture
def jetcheckout(monkeypatch):
    """Jetcheckout is the configured gateway from here on (transactions may be funded before)."""
    monkeypatch.setenv("PAYMENT_GATEWAY", "jetcheckout")
    monkeypatch.setenv("JETCHECKOUT_BASE_URL", BASE)
    monkeypatch.setenv("JETCHECKOUT_API_KEY", "key")
    monkeypatch.setenv("JETCHECKOUT_API_SECRET", "secret")
    monkeypatch.setenv("API_BASE_URL", "https://api.paylox.test")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def test_each_payment_attempt_gets_its_own_order_id_kept_as_the_session():
    txn_id = pending_transaction()
    first = find_transaction(txn_id)
    assert first is not None and first.payment is not None and first.payment.session_id == f"{txn_id}-1"

    failed = send_event("payment.failed", txn_id, failure_reason="card_declined")
    assert failed.status == 200, failed.raw
    again = act("pay", txn_id, BUYER)

    assert again.status == 200
    assert again.json["session_id"] == again.json["transaction"]["payment"]["session_id"] == f"{txn_id}-2"


@responses.activate
def test_paying_with_jetcheckout_without_a_saved_card_is_refused_and_nothing_moves(jetcheckout):
    txn_id = new_transaction(250_000, description="Bisiklet")["id"]

    result = invoke(
        pay, api_event("transactions/pay.json", path={"id": txn_id}, sub=BUYER, headers={"Accept-Language": "tr"})
    )

    assert result.status == 502
    assert result.code == "PAYMENT_PROVIDER_ERROR"
    assert result.json["detail"].startswith("Ödeme sağlayıcısı")
    assert len(responses.calls) == 0  # no card-bearing request is ever made
    assert invoke(get, api_event("transactions/get.json", path={"id": txn_id}, sub=BUYER)).json["status"] == "CREATED"


@pytest.fixture
def midday(monkeypatch):
    """Istanbul midday, so that paying and refunding surely fall on one Turkish day (the session's
    own clock, the dev stack's, comes back afterwards)."""
    moment = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    monkeypatch.setattr(clock, "_source", lambda: moment)


@responses.activate
def test_refunding_a_funded_transaction_cancels_it_by_order_and_gateway_id_on_its_day(request, midday):
    txn_id = pending_transaction(250_000)  # paid through the sandbox: a funded order of ours
    fund(txn_id, 250_000, payment_id="8154223")
    request.getfixturevalue("jetcheckout")
    txn = find_transaction(txn_id)
    assert txn is not None
    responses.post(
        f"{BASE}/api/v1/payment/cancel",
        json={"response_code": "00"},
        match=[
            matchers.json_params_matcher(
                {"application_key": "key", "order_id": f"{txn_id}-1", "transaction_id": "8154223"}
            )
        ],
    )

    result = get_gateway().refund(refund_request(txn, 250_000, intent_id="dispute-refund-dsp_1"))

    assert (result.method, result.refund_id, result.amount) == ("cancel", "dispute-refund-dsp_1", 250_000)
