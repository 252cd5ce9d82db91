"""Hints whose confirmation failed are not forgotten: the reconciler confirms them again.

A refund (or payment) hint whose status query keeps failing ends ``GATEWAY_ERROR``; the
reconciler (PaymentReconcileFunction) takes it through the confirming function's own path once
the gateway answers, records the refund once, never races the confirming function into a double
record, and flags a hint the gateway has not answered about past the longer limit.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from devstack import dev_clock
from devstack.lambda_context import LambdaContext
from functions.webhooks import reconcile
from paylox.payments import sandbox
from paylox.payments.errors import PaymentProviderUnavailable
from paylox.webhooks import confirm
from paylox.webhooks import reconcile as reconcile_service
from tests.apigw import load_event
from tests.integration.bus import EventTap, of_type
from tests.integration.steps import confirm_hint, deliver, event_body, funded_transaction, staff_view

REFUND = 40_000


@pytest.fixture(autouse=True)
def no_retry_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(confirm, "RETRY_PAUSE_SECONDS", 0.0)


class FlakyGateway:
    """The sandbox's status query, failing while ``down``; counts the queries."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.down, self.calls, self._working = True, 0, sandbox.status_of
        monkeypatch.setattr(sandbox, "status_of", self)

    def __call__(self, order_id: str) -> sandbox.GatewayPaymentStatus:
        self.calls += 1
        if self.down:
            raise PaymentProviderUnavailable()
        return self._working(order_id)


def run_reconciler() -> dict[str, int]:
    result: dict[str, int] = reconcile.handler(load_event("webhooks/reconcile.json"), LambdaContext("reconcile"))
    return result


def refund_hint_left_to_the_reconciler(txn_id: str, payment_id: str = "pay_1") -> str:
    """The gateway refunds REFUND kuruş from its back office and says so; its status query then
    fails every time the confirming function asks: the hint ends GATEWAY_ERROR."""
    paid = sandbox.latest_payment(txn_id)
    assert paid is not None
    sandbox.record_refund(paid.order_id, REFUND, "refund", refund_id="rf_backoffice")
    body = event_body("payment.refunded", txn_id, amount=REFUND, refund_id="rf_backoffice", payment_id=payment_id)
    delivery_id = str(deliver("refund", body).json["delivery_id"])
    assert confirm_hint(delivery_id) == "GATEWAY_ERROR"
    return delivery_id


def books(txn_id: str) -> tuple[str, int, list[Any], list[str]]:
    txn = staff_view(txn_id)
    refunds = [entry["refund_id"] for entry in txn.get("refunds") or []]
    return txn["status"], txn["refunded_amount"], refunds, [flag["kind"] for flag in txn.get("flags") or []]


def test_a_refund_hint_whose_status_query_kept_failing_is_confirmed_by_the_reconciler_once(monkeypatch):
    # Given a refund hint whose status query failed three times, and keeps failing for a while
    txn_id = funded_transaction()
    gateway = FlakyGateway(monkeypatch)
    refund_hint_left_to_the_reconciler(txn_id)
    assert gateway.calls == confirm.STATUS_ATTEMPTS
    dev_clock.advance(2 * 60)
    assert run_reconciler() == {"HintGatewayError": 1}
    assert run_reconciler() == {}  # asked again only a minute after its last failure
    dev_clock.advance(2 * 60)
    assert run_reconciler() == {"HintGatewayError": 1}
    assert books(txn_id) == ("FUNDED", 0, [], [])

    # When the gateway answers again
    gateway.down = False
    dev_clock.advance(2 * 60)
    bus = EventTap(("paylox.transactions",))
    first = run_reconciler()
    dev_clock.advance(2 * 60)
    again = run_reconciler()

    # Then the refund is recorded once, and the settled hint is not asked about again
    assert first == {"HintConfirmed": 1} and again == {}
    assert books(txn_id) == ("FUNDED", REFUND, ["rf_backoffice"], [])
    assert len(of_type(bus.drain(), "TransactionPartiallyRefunded")) == 1
    latest = staff_view(txn_id)["payment_deliveries"][-1]
    assert latest["confirmation"] == "CONFIRMED"


def test_the_reconciler_and_the_confirming_function_at_once_record_the_refund_once(monkeypatch):
    # Given a refund hint left at GATEWAY_ERROR, due for the reconciler, and a gateway that answers again
    txn_id = funded_transaction()
    gateway = FlakyGateway(monkeypatch)
    delivery_id = refund_hint_left_to_the_reconciler(txn_id)
    dev_clock.advance(2 * 60)
    gateway.down = False

    # When a redelivered confirmation and the reconciler take it at the same moment
    with ThreadPoolExecutor(max_workers=2) as pool:
        by_function = pool.submit(confirm_hint, delivery_id)
        by_reconciler = pool.submit(run_reconciler)
        outcome, run = by_function.result(), by_reconciler.result()

    # Then exactly one of them confirms it, and the refund is in the books once
    confirmed = (outcome == "CONFIRMED") + run.get("HintConfirmed", 0)
    assert confirmed == 1, (outcome, run)
    assert books(txn_id) == ("FUNDED", REFUND, ["rf_backoffice"], [])


def test_a_hint_the_gateway_never_answers_about_is_flagged_once_after_the_longer_limit(monkeypatch):
    # Given a refund hint whose status query always fails
    txn_id = funded_transaction()
    FlakyGateway(monkeypatch)
    refund_hint_left_to_the_reconciler(txn_id)

    # When the reconciler keeps asking, before and after PAYMENT_UNKNOWN_ALERT_MINUTES (180)
    dev_clock.advance(2 * 60)
    before_limit = run_reconciler()
    dev_clock.advance(180 * 60)
    after_limit = run_reconciler()
    dev_clock.advance(2 * 60)
    again = run_reconciler()

    # Then staff are told once, and nothing moved
    assert before_limit == {"HintGatewayError": 1}
    assert after_limit == again == {"HintFlagged": 1}
    assert books(txn_id) == ("FUNDED", 0, [], ["HINT_UNANSWERED"])


def test_a_hint_the_gateway_never_answers_about_does_not_hold_the_others_back(monkeypatch):
    # Given two refund hints left at GATEWAY_ERROR, and a reconciler that takes one hint a run
    monkeypatch.setattr(reconcile_service, "BATCH", 1)
    stuck, other = funded_transaction(), funded_transaction(payment_id="pay_2")
    gateway = FlakyGateway(monkeypatch)
    refund_hint_left_to_the_reconciler(stuck)
    refund_hint_left_to_the_reconciler(other, payment_id="pay_2")
    dev_clock.advance(2 * 60)

    # When the first run retries the older one in vain, and the gateway then answers for the other only
    assert run_reconciler() == {"HintGatewayError": 1}
    gateway.down = False
    monkeypatch.setattr(sandbox, "status_of", lambda order_id: gateway(order_id) if other in order_id else _down())

    # Then the next run takes the other one (the failed one went to the back) and books its refund
    assert run_reconciler() == {"HintConfirmed": 1}
    assert books(other)[1] == REFUND and books(stuck)[1] == 0


def _down() -> sandbox.GatewayPaymentStatus:
    raise PaymentProviderUnavailable()
