"""Webhooks are hints until the gateway confirms them; pending payments are reconciled.

A delivery that passes the checks is stored and acknowledged at once; PaymentConfirmFunction then
asks the (sandbox) gateway's status and moves money only on its answer. The reconciler settles
what no hint did, through the same code path. Money moves are tried as the wrong person, twice
and concurrently.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import EndpointConnectionError

from devstack import dev_clock
from devstack import sandbox_gateway as dev_gateway
from devstack.lambda_context import LambdaContext
from functions.webhooks import payment_return_get, payment_return_post, reconcile
from paylox import clock
from paylox.payments import get_gateway, ledger, sandbox
from paylox.payments.base import RefundRequest
from paylox.payments.errors import PaymentProviderUnavailable, RefundInDoubt
from paylox.webhooks import confirm, returns
from tests.apigw import api_event, invoke, load_event
from tests.integration.bus import EventTap, of_type
from tests.integration.steps import (
    act,
    confirm_hint,
    deliver,
    deliver_and_confirm,
    event_body,
    gateway_pays,
    new_transaction,
    pending_transaction,
    staff_view,
    status_of,
)

REAL_ASK = returns.ask_confirm_function  # the tier runs PaymentConfirmFunction in process (conftest)


@pytest.fixture(autouse=True)
def no_retry_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(confirm, "RETRY_PAUSE_SECONDS", 0.0)


def callback(txn_id: str, *, paid: bool = True, gateway_id: str = "gw_1", attempt: int = 1) -> bytes:
    """The callback shape the public evidence shows: unsigned, our order id, the gateway's id."""
    document = {"is_success": paid, "order_id": f"{txn_id}-{attempt}", "transaction_id": gateway_id}
    return json.dumps(document).encode()


def flags(txn_id: str) -> list[str]:
    return [flag["kind"] for flag in staff_view(txn_id).get("flags") or []]


def run_reconciler() -> dict[str, int]:
    result: dict[str, int] = reconcile.handler(load_event("webhooks/reconcile.json"), LambdaContext("reconcile"))
    return result


# ---------------------------------------------------------------- hints, confirmed


def test_a_signed_webhook_is_acknowledged_at_once_and_funds_only_once_the_gateway_confirms():
    txn_id = pending_transaction(150_000)
    gateway_pays(txn_id, payment_id="gw_42")

    received = deliver("success", event_body("payment.succeeded", txn_id, payment_id="gw_42"))

    assert received.status == 200 and received.json["received"] is True
    assert set(received.json) == {"received", "delivery_id"}
    assert status_of(txn_id) == "PAYMENT_PENDING"  # a hint moves nothing by itself

    assert confirm_hint(received.json["delivery_id"]) == "CONFIRMED"
    txn = staff_view(txn_id)
    assert txn["status"] == "FUNDED" and txn["payment"]["payment_id"] == "gw_42"


def test_the_evidenced_unsigned_callback_from_the_gateways_address_funds_once_confirmed():
    txn_id = pending_transaction()
    gateway_pays(txn_id, payment_id="gw_7")

    result, outcome = deliver_and_confirm("success", callback(txn_id, gateway_id="gw_7"), signature=None)

    assert result.status == 200 and outcome == "CONFIRMED"
    assert status_of(txn_id) == "FUNDED"


def test_the_unsigned_callback_from_anywhere_else_is_refused():
    txn_id = pending_transaction()
    gateway_pays(txn_id, payment_id="gw_7")

    refused = deliver("success", callback(txn_id, gateway_id="gw_7"), signature=None, source_ip="198.51.100.7")
    unsigned_event = deliver("success", event_body("payment.succeeded", txn_id), signature=None)

    assert refused.status == 403 and refused.json["code"] == "IP_NOT_ALLOWED"
    assert unsigned_event.status == 401 and unsigned_event.json["code"] == "INVALID_SIGNATURE"
    assert status_of(txn_id) == "PAYMENT_PENDING"


@pytest.mark.parametrize("signed", [True, False])
def test_a_forged_hint_for_an_unpaid_order_is_stored_flagged_and_moves_nothing(signed):
    # Given a buyer who opened the payment page and never paid
    txn_id = pending_transaction()
    bus = EventTap()

    # When a success is claimed, correctly signed (a leaked secret) or as the evidenced callback
    body = event_body("payment.succeeded", txn_id) if signed else callback(txn_id)
    result, outcome = deliver_and_confirm("success", body, **({} if signed else {"signature": None}))

    # Then it was acknowledged as a hint, the gateway knows no payment, staff are flagged
    assert result.status == 200 and outcome == "UNCONFIRMED"
    assert status_of(txn_id) == "PAYMENT_PENDING"
    assert flags(txn_id) == ["HINT_UNCONFIRMED"]
    published = bus.drain()
    assert of_type(published, "TransactionFunded") == []
    assert [alert["detail"]["kind"] for alert in of_type(published, "AdminAlert")] == ["HINT_UNCONFIRMED"]


def test_a_hint_the_gateway_contradicts_changes_nothing():
    txn_id = pending_transaction()
    gateway_pays(txn_id, "failed", payment_id="gw_1")

    result, outcome = deliver_and_confirm("success", event_body("payment.succeeded", txn_id, payment_id="gw_1"))

    assert result.status == 200 and outcome == "UNCONFIRMED"
    assert status_of(txn_id) == "PAYMENT_PENDING" and flags(txn_id) == ["HINT_CONTRADICTED"]


def test_the_gateways_amount_not_the_hints_decides_and_a_short_payment_is_flagged():
    txn_id = pending_transaction(150_000)
    gateway_pays(txn_id, amount=1_500, payment_id="gw_1")  # the buyer paid 15 TRY, not 1 500

    _, outcome = deliver_and_confirm("success", callback(txn_id, gateway_id="gw_1"), signature=None)

    assert outcome == "AMOUNT_MISMATCH"
    assert status_of(txn_id) == "PAYMENT_PENDING" and flags(txn_id) == ["AMOUNT_MISMATCH"]


def test_a_payment_for_one_transaction_never_funds_another_wrong_person():
    # Given a stranger's transaction that was paid, and the buyer's that was not
    stranger_txn = pending_transaction(150_000)
    gateway_pays(stranger_txn, payment_id="gw_paid")
    buyer_txn = pending_transaction(150_000)

    # When a hint names the buyer's transaction with the stranger's payment
    _, outcome = deliver_and_confirm("success", event_body("payment.succeeded", buyer_txn, payment_id="gw_paid"))

    # Then the gateway's status of the buyer's own order decides: nothing was paid there
    assert outcome == "UNCONFIRMED"
    assert status_of(buyer_txn) == "PAYMENT_PENDING"


def test_a_hint_confirmed_twice_funds_once_and_announces_once():
    txn_id = pending_transaction()
    gateway_pays(txn_id, payment_id="gw_1")
    bus = EventTap(("paylox.transactions",))
    received = deliver("success", event_body("payment.succeeded", txn_id, payment_id="gw_1"))
    delivery_id = received.json["delivery_id"]

    first, second = confirm_hint(delivery_id), confirm_hint(delivery_id)

    assert (first, second) == ("CONFIRMED", "TAKEN")
    assert len(of_type(bus.drain(), "TransactionFunded")) == 1


def test_two_confirmations_of_the_same_hint_at_once_fund_once():
    txn_id = pending_transaction()
    gateway_pays(txn_id, payment_id="gw_1")
    bus = EventTap(("paylox.transactions",))
    delivery_id = deliver("success", event_body("payment.succeeded", txn_id, payment_id="gw_1")).json["delivery_id"]

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(confirm_hint, [delivery_id, delivery_id]))

    assert outcomes == ["CONFIRMED", "TAKEN"]
    assert status_of(txn_id) == "FUNDED"
    assert len(of_type(bus.drain(), "TransactionFunded")) == 1


def test_two_different_hints_of_one_payment_confirmed_at_once_fund_once():
    txn_id = pending_transaction()
    gateway_pays(txn_id, payment_id="gw_1")
    bus = EventTap(("paylox.transactions",))
    signed = deliver("success", event_body("payment.succeeded", txn_id, payment_id="gw_1")).json["delivery_id"]
    unsigned = deliver("success", callback(txn_id, gateway_id="gw_1"), signature=None).json["delivery_id"]

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(confirm_hint, [signed, unsigned]))

    assert outcomes == ["CONFIRMED", "IGNORED"]  # the second found it already funded
    assert len(of_type(bus.drain(), "TransactionFunded")) == 1


def test_a_failed_status_query_is_retried_then_left_to_the_reconciler(monkeypatch):
    txn_id = pending_transaction()
    gateway_pays(txn_id, payment_id="gw_1")
    calls: list[str] = []
    working = sandbox.status_of

    def unavailable(order_id: str) -> sandbox.GatewayPaymentStatus:
        calls.append(order_id)
        raise PaymentProviderUnavailable()

    monkeypatch.setattr(sandbox, "status_of", unavailable)
    _, outcome = deliver_and_confirm("success", event_body("payment.succeeded", txn_id, payment_id="gw_1"))

    assert outcome == "GATEWAY_ERROR" and len(calls) == confirm.STATUS_ATTEMPTS
    assert status_of(txn_id) == "PAYMENT_PENDING" and flags(txn_id) == []

    # When the gateway is back and the payment has waited past the reconciler's limit
    monkeypatch.setattr(sandbox, "status_of", working)
    dev_clock.advance(31 * 60)

    # the pending payment is funded; its hint, confirmed again, finds it already funded
    assert run_reconciler() == {"Funded": 1, "HintIgnored": 1}
    assert status_of(txn_id) == "FUNDED"


# ---------------------------------------------------------------- the reconciler


def test_the_reconciler_leaves_recent_payments_alone_and_settles_older_ones_once():
    paid, failed = pending_transaction(), pending_transaction()
    gateway_pays(paid, payment_id="gw_paid")
    gateway_pays(failed, "failed", payment_id="gw_failed")
    dev_clock.advance(31 * 60)
    recent = pending_transaction()
    gateway_pays(recent, payment_id="gw_recent")

    first = run_reconciler()
    again = run_reconciler()

    assert first == {"Funded": 1, "Failed": 1} and again == {}
    assert (status_of(paid), status_of(failed), status_of(recent)) == ("FUNDED", "FAILED", "PAYMENT_PENDING")


def test_a_payment_still_unknown_after_the_longer_limit_is_flagged_to_staff_once():
    txn_id = pending_transaction()  # the buyer never finished: the gateway has no payment
    dev_clock.advance(31 * 60)
    assert run_reconciler() == {"StillPending": 1}

    dev_clock.advance(180 * 60)
    assert run_reconciler() == {"Flagged": 1}
    assert run_reconciler() == {"Flagged": 1}  # asked again, flagged once

    assert flags(txn_id) == ["PAYMENT_UNKNOWN"] and status_of(txn_id) == "PAYMENT_PENDING"


# ---------------------------------------------------------------- the browser return


def test_the_browser_return_asks_the_gateway_and_ignores_the_posted_fields(settings_env):
    settings_env(PAYMENT_RETURN_URL="https://app.paylox.com.tr/payment/done")
    txn_id = pending_transaction()
    posted = api_event(
        "webhooks/payment_return_post.json",
        body="order_id=x&response_code=00&amount=1500.00",
        path={"transaction_id": txn_id},
        sub=None,
    )

    early = invoke(payment_return_post, posted)
    gateway_pays(txn_id, payment_id="gw_1")  # paid, the callback lost
    back = invoke(
        payment_return_get, api_event("webhooks/payment_return_get.json", path={"transaction_id": txn_id}, sub=None)
    )
    unknown = invoke(
        payment_return_get, api_event("webhooks/payment_return_get.json", path={"transaction_id": "txn_nope"}, sub=None)
    )

    assert early.status == 303
    assert early.headers["location"] == f"https://app.paylox.com.tr/payment/done?transaction_id={txn_id}&status=pending"
    assert back.status == 303 and back.headers["location"].endswith("&status=succeeded")
    assert status_of(txn_id) == "FUNDED"
    assert unknown.status == 303 and unknown.headers["location"].endswith("&status=unknown")


# ---------------------------------------------------------------- refund intents


def refund_of(txn_id: str, intent_id: str = "dispute-refund-dsp_1") -> RefundRequest:
    return RefundRequest(
        intent_id=intent_id,
        order_id=f"{txn_id}-1",
        gateway_transaction_id="gw_1",
        amount=150_000,
        captured_amount=150_000,
        refunded_amount=0,
        currency="TRY",
        paid_at=clock.now(),
    )


def test_a_refund_intent_is_sent_once_however_often_and_wherever_it_is_retried():
    txn_id = pending_transaction()
    gateway_pays(txn_id, payment_id="gw_1")
    request = refund_of(txn_id)

    first = get_gateway().refund(request)
    again = get_gateway().refund(request)  # a retry in another execution environment: a new gateway

    assert again == first and first.method == "cancel"
    assert sandbox.status_of(f"{txn_id}-1").refunded_amount == 150_000  # given back once
    stored = ledger.intent(request.intent_id)
    assert stored is not None and (stored.status, int(stored.amount)) == ("SUCCEEDED", 150_000)


def test_two_refunds_of_one_intent_at_once_send_one_and_leave_the_other_in_doubt():
    txn_id = pending_transaction()
    gateway_pays(txn_id, payment_id="gw_1")
    request = refund_of(txn_id)

    def attempt(_: int) -> str:
        try:
            return get_gateway().refund(request).status
        except RefundInDoubt:
            return "in doubt"

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(attempt, range(2)))

    assert sandbox.status_of(f"{txn_id}-1").refunded_amount == 150_000
    assert sorted(results) in (["accepted", "accepted"], ["accepted", "in doubt"])


def test_a_refund_whose_answer_was_lost_is_never_sent_again():
    txn_id = pending_transaction()
    gateway_pays(txn_id, payment_id="gw_1")
    request = refund_of(txn_id)
    ledger.DynamoRefundLedger().claim(request, "cancel")  # sent, and the answer never came

    with pytest.raises(RefundInDoubt):
        get_gateway().refund(request)
    assert sandbox.status_of(f"{txn_id}-1").refunded_amount == 0


# ---------------------------------------------------------------- the dev stack's sandbox gateway


def gateway_send(route: str, body: bytes, signature: str) -> int:
    """How the dev stack's sandbox delivers its webhook, here straight to the handler, then confirmed."""
    result, _ = deliver_and_confirm(route, body, signature=signature)
    return result.status


def test_the_sandbox_gateway_pays_only_a_started_attempt_and_refunds_what_it_took():
    txn_id = str(new_transaction()["id"])
    with pytest.raises(dev_gateway.GatewayRefusal) as never_started:
        dev_gateway.pay(dev_gateway.PayRequest(transaction_id=txn_id, outcome="succeeded"), gateway_send)
    assert (never_started.value.status, never_started.value.code) == (409, "NO_PAYMENT_ATTEMPT")

    assert act("pay", txn_id).status == 200
    paid = dev_gateway.pay(dev_gateway.PayRequest(transaction_id=txn_id, outcome="succeeded"), gateway_send)
    refunded = dev_gateway.refund(dev_gateway.RefundRequest(transaction_id=txn_id, amount=50_000), gateway_send)

    assert paid == {**paid, "order_id": f"{txn_id}-1", "delivered": True}
    assert refunded["delivered"] is True and refunded["gateway_transaction_id"] == paid["gateway_transaction_id"]
    txn = staff_view(txn_id)
    assert (txn["status"], txn["payment"]["payment_id"], txn["refunded_amount"]) == (
        "FUNDED",
        paid["gateway_transaction_id"],
        50_000,
    )
    with pytest.raises(dev_gateway.GatewayRefusal) as too_much:
        dev_gateway.refund(dev_gateway.RefundRequest(transaction_id=txn_id, amount=100_001), gateway_send)
    assert too_much.value.code == "REFUND_EXCEEDS_CAPTURED"


class _UnreachableLambda:
    def invoke(self, **_: object) -> None:
        raise EndpointConnectionError(endpoint_url="https://lambda.eu-central-1.amazonaws.com")


def test_a_browser_return_that_cannot_reach_the_confirm_function_sends_the_buyer_on_as_pending(
    settings_env, monkeypatch
):
    # The public return holds no gateway key: it asks PaymentConfirmFunction. When that cannot be
    # reached the buyer is still sent on (pending), never shown an error, and nothing moves.
    settings_env(PAYMENT_RETURN_URL="https://app.paylox.com.tr/payment/done")
    txn_id = pending_transaction()
    gateway_pays(txn_id, payment_id="gw_1")
    monkeypatch.setattr(returns, "ask_confirm_function", REAL_ASK)
    monkeypatch.setattr(returns, "_lambda", _UnreachableLambda)

    back = invoke(
        payment_return_get, api_event("webhooks/payment_return_get.json", path={"transaction_id": txn_id}, sub=None)
    )

    assert back.status == 303 and back.headers["location"].endswith("&status=pending")
    assert status_of(txn_id) == "PAYMENT_PENDING"
