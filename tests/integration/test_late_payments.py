"""A payment that arrives after the buyer cancelled is refunded through the gateway at once, once,
however often or however concurrently the provider reports it; the parties and the admins are told."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from devstack import dev_clock
from devstack.lambda_context import LambdaContext
from functions.transactions import notify
from paylox import dev_outbox
from paylox.audit import audit_trail
from paylox.transactions import late_payments, store
from paylox.transactions.service import find_transaction
from tests.apigw import BUYER, SELLER
from tests.integration.bus import EventTap, of_type
from tests.integration.disputes.steps import FakeGateway
from tests.integration.steps import (
    act,
    confirm_hint,
    deliver,
    event_body,
    gateway_pays,
    last_confirmation,
    pending_transaction,
    send_and_confirm,
    send_event,
    staff_view,
)

ADMINS = ["ops@paylox.com.tr"]  # the dev stack's AdminNotificationEmails


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> FakeGateway:
    fake = FakeGateway()
    monkeypatch.setattr(late_payments, "get_gateway", lambda: fake)
    return fake


@pytest.fixture
def bus() -> EventTap:
    return EventTap(("paylox.transactions", "paylox.webhooks"), name="late-payment-tap")


def cancelled_while_paying(amount: int = 150_000) -> str:
    """The buyer opened the payment page, then cancelled the transaction."""
    txn_id = pending_transaction(amount)
    cancelled = act("cancel", txn_id, BUYER)
    assert cancelled.status == 200, cancelled.raw
    return txn_id


def emails_to(address: str) -> list[dict]:
    return [item for item in dev_outbox.read_all() if item["channel"] == "email" and item["to"] == address]


def test_a_payment_after_the_buyer_cancelled_is_refunded_and_everyone_is_told(gateway, bus):
    # Given a transaction the buyer cancelled while the payment page was open
    txn_id = cancelled_while_paying()

    # When the gateway reports that the payment went through, and its status confirms it
    late, outcome = send_and_confirm("payment.succeeded", txn_id, amount=150_000, payment_id="pay_late")

    # Then it is refunded through the gateway at once, and the transaction stays cancelled
    assert late.status == 200 and outcome == "CONFIRMED", late.raw
    assert last_confirmation(txn_id) == ("CONFIRMED", "late payment refunded")
    assert gateway.refunds == [{"transaction_id": txn_id, "amount": 150_000}]
    assert gateway.keys == [f"late-payment-{txn_id}-pay_late"]
    txn = find_transaction(txn_id)
    assert txn.status == "CANCELLED" and int(txn.refunded_amount) == 0
    [entry] = txn.late_payments
    assert (entry.payment_id, int(entry.amount), entry.refund_id) == ("pay_late", 150_000, gateway.last_refund_id())
    assert not staff_view(txn_id).get("flags")  # nothing left for staff to do
    actions = [record.action for record in audit_trail(txn_id)]
    assert actions[-2:] == ["TRANSACTION_LATE_PAYMENT", "TRANSACTION_LATE_PAYMENT_REFUNDED"]

    # And the buyer, the seller and the admins are told
    events = bus.drain()
    [refunded] = of_type(events, "TransactionLatePaymentRefunded")
    assert refunded["detail"]["refund_amount"] == 150_000
    [alert] = of_type(events, "AdminAlert")
    assert alert["detail"]["kind"] == "LATE_PAYMENT_REFUNDED"
    for event in [refunded, alert]:  # what the notifier's rules hand it (not the hint for the confirmer)
        notify.handler(event, LambdaContext(function_name="TransactionNotifyFunction"))
    [buyer] = emails_to(f"{BUYER}@example.com")
    [seller] = emails_to(f"{SELLER}@example.com")
    [admin] = emails_to(ADMINS[0])
    assert "1.500,00 TL" in buyer["body"] and "otomatik olarak iade" in buyer["body"]
    assert "ürünü göndermeyin" in seller["body"]
    assert "LATE_PAYMENT_REFUNDED" in admin["subject"] and txn_id in admin["body"]


def test_a_redelivered_or_repeated_report_never_refunds_twice(gateway):
    txn_id = cancelled_while_paying()
    gateway_pays(txn_id, payment_id="pay_late")
    body = event_body("payment.succeeded", txn_id, payment_id="pay_late")
    first = deliver("success", body)
    assert first.status == 200 and confirm_hint(first.json["delivery_id"]) == "CONFIRMED"

    redelivered = deliver("success", body)
    _, repeated = send_and_confirm("payment.succeeded", txn_id, payment_id="pay_late")  # a new event id

    assert redelivered.json.get("duplicate") is True
    assert (repeated, last_confirmation(txn_id)) == ("IGNORED", ("IGNORED", "late_payment_refunded"))
    assert len(gateway.refunds) == 1


def test_two_deliveries_racing_refund_once(gateway):
    # Given the provider reporting the same late payment twice at the same moment, under two event ids
    txn_id = cancelled_while_paying()
    gateway_pays(txn_id, payment_id="pay_late")
    bodies = [event_body("payment.succeeded", txn_id, payment_id="pay_late") for _ in range(4)]
    start = threading.Barrier(len(bodies))

    def report(body: bytes) -> int:
        start.wait()
        received = deliver("success", body)
        confirm_hint(received.json["delivery_id"])  # each hint confirmed at once, racing the others
        return received.status

    # When all of them are delivered at once
    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        statuses = list(pool.map(report, bodies))

    # Then every delivery is answered and the buyer gets the money back once
    assert statuses == [200] * len(bodies)
    assert gateway.refunds == [{"transaction_id": txn_id, "amount": 150_000}]
    assert len(find_transaction(txn_id).late_payments) == 1


def test_a_failed_refund_is_retried_with_the_confirmation_and_the_admins_know(gateway, bus):
    # Given the gateway failing the first refund
    gateway.failures = 1
    txn_id = cancelled_while_paying()
    gateway_pays(txn_id, payment_id="pay_late")
    body = event_body("payment.succeeded", txn_id, payment_id="pay_late")

    # When the provider delivers the payment: the confirmation fails, nothing is refunded, the admins hear
    delivery_id = deliver("success", body).json["delivery_id"]
    with pytest.raises(ConnectionError):
        confirm_hint(delivery_id)
    assert gateway.refunds == []
    assert [event["detail"]["kind"] for event in of_type(bus.drain(), "AdminAlert")] == ["LATE_PAYMENT_REFUND_FAILED"]

    # Then Lambda's retry of the confirmation refunds it, once, and a redelivery is a duplicate
    assert confirm_hint(delivery_id) == "CONFIRMED"
    assert deliver("success", body).json.get("duplicate") is True
    assert gateway.refunds == [{"transaction_id": txn_id, "amount": 150_000}]


def test_a_refund_left_by_a_process_that_died_is_taken_over_after_its_lease(gateway, monkeypatch):
    # Given a delivery that claimed the refund and died before asking the gateway
    txn_id = cancelled_while_paying()
    monkeypatch.setattr(late_payments, "get_gateway", lambda: (_ for _ in ()).throw(SystemExit))
    with pytest.raises(SystemExit):
        send_event("payment.succeeded", txn_id, payment_id="pay_late")
    monkeypatch.setattr(late_payments, "get_gateway", lambda: gateway)

    # When the provider reports it again: within the lease it is left to the first, after it refunded
    send_event("payment.succeeded", txn_id, payment_id="pay_late")
    assert last_confirmation(txn_id) == ("IGNORED", "late_payment_refund_in_progress")
    dev_clock.advance(store.LEASE_SECONDS + 1)
    _, taken_over = send_and_confirm("payment.succeeded", txn_id, payment_id="pay_late")

    assert taken_over == "CONFIRMED" and find_transaction(txn_id).late_payments[0].refund_id == gateway.last_refund_id()
    assert len(gateway.refunds) == 1


def test_the_providers_confirmation_of_that_refund_raises_no_alarm(gateway, bus):
    txn_id = cancelled_while_paying()
    send_event("payment.succeeded", txn_id, payment_id="pay_late")
    bus.drain()

    send_event("payment.refunded", txn_id, payment_id="pay_late", refund_id=gateway.last_refund_id())

    assert last_confirmation(txn_id) == ("IGNORED", "late_payment_refund")
    assert of_type(bus.drain(), "AdminAlert") == []
    assert not staff_view(txn_id).get("flags")


def test_a_forged_report_of_a_late_payment_refunds_nothing(gateway):
    txn_id = cancelled_while_paying()

    forged = deliver("success", event_body("payment.succeeded", txn_id), secrets=("not-the-secret",))

    assert forged.status == 401
    assert gateway.refunds == []
    assert not find_transaction(txn_id).late_payments
