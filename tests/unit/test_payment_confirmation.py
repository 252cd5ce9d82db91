"""Whether the gateway's status confirms a webhook hint: the whole matrix, as a pure function.

Money moves only on what the gateway says: the confirmed event carries the gateway's amount,
currency and transaction id, never the hint's; anything the gateway does not say is flagged.
"""

from __future__ import annotations

import pytest

from paylox.payments.base import GatewayPaymentStatus
from paylox.webhooks.confirmation import (
    CONTRADICTED,
    REFUND_UNVERIFIABLE,
    UNCONFIRMED,
    Confirmed,
    Unconfirmed,
    from_status,
    judge,
)
from paylox.webhooks.hints import Hint
from paylox.webhooks.schemas import CallbackEvent

ORDER = "txn_1-1"


def hint(kind: str = "payment.succeeded", **changes) -> Hint:
    fields = {
        "event_id": "evt_1",
        "type": kind,
        "transaction_id": "txn_1",
        "payment_id": "gw_1",
        "amount": 10000,
        "currency": "TRY",
        **changes,
    }
    return Hint(**fields)


def status(**changes) -> GatewayPaymentStatus:
    fields = {
        "order_id": ORDER,
        "found": True,
        "response_code": "00200",
        "successful": True,
        "completed": True,
        "cancelled": False,
        "amount": 10000,
        "currency": None,
        "gateway_transaction_id": "gw_1",
        **changes,
    }
    return GatewayPaymentStatus(**fields)


def test_a_payment_the_gateway_reports_successful_is_confirmed_with_the_gateways_own_figures():
    verdict = judge(hint(amount=1, currency="USD"), status(amount=10000), currency="TRY")

    assert isinstance(verdict, Confirmed)
    data = verdict.event.data
    assert (verdict.event.type, data.amount, data.currency, data.payment_id) == (
        "payment.succeeded",
        10000,
        "TRY",
        "gw_1",
    )


@pytest.mark.parametrize(
    ("gateway", "kind"),
    [
        (status(found=False, response_code="00404"), UNCONFIRMED),  # the gateway never saw it
        (status(successful=False), CONTRADICTED),
        (status(cancelled=True), CONTRADICTED),  # paid, then cancelled: not money in escrow
        (status(gateway_transaction_id="gw_other"), CONTRADICTED),  # another payment of the order
    ],
)
def test_a_success_the_gateway_does_not_say_is_not_confirmed(gateway, kind):
    verdict = judge(hint(), gateway, currency="TRY")

    assert isinstance(verdict, Unconfirmed) and verdict.kind == kind


def test_a_failure_is_confirmed_only_once_the_gateway_finished_the_payment_unsuccessfully():
    assert isinstance(judge(hint("payment.failed"), status(successful=False), currency="TRY"), Confirmed)
    unfinished = judge(hint("payment.failed"), status(successful=False, completed=False), currency="TRY")
    paid = judge(hint("payment.failed"), status(), currency="TRY")

    assert isinstance(unfinished, Unconfirmed) and unfinished.kind == UNCONFIRMED
    assert isinstance(paid, Unconfirmed) and paid.kind == CONTRADICTED


def test_a_refund_is_confirmed_only_when_the_gateway_shows_at_least_that_much_returned():
    refund = hint("payment.refunded", amount=4000, refund_id="rf_1")

    confirmed = judge(refund, status(refunded_amount=4000), currency="TRY")
    too_little = judge(refund, status(refunded_amount=3999), currency="TRY")
    not_shown = judge(refund, status(), currency="TRY")  # Jetcheckout's status shows no refunds
    cancelled = judge(hint("payment.refunded", amount=10000), status(cancelled=True), currency="TRY")

    assert isinstance(confirmed, Confirmed) and confirmed.event.refund_id == "rf_1"
    assert isinstance(too_little, Unconfirmed) and too_little.kind == CONTRADICTED
    assert isinstance(not_shown, Unconfirmed) and not_shown.kind == REFUND_UNVERIFIABLE
    assert "back office" in not_shown.reason and "4000" in not_shown.reason
    assert isinstance(cancelled, Confirmed)


def test_a_second_partial_refund_needs_the_gateways_total_to_cover_both():
    # 3000 already in our books; the gateway shows 5000 returned in all
    second = hint("payment.refunded", amount=2000, refund_id="rf_2")
    too_much = hint("payment.refunded", amount=2500, refund_id="rf_3")

    covered = judge(second, status(refunded_amount=5000), currency="TRY", refunded_before=3000)
    not_covered = judge(too_much, status(refunded_amount=5000), currency="TRY", refunded_before=3000)

    assert isinstance(covered, Confirmed) and covered.event.data.amount == 2000
    assert isinstance(not_covered, Unconfirmed) and not_covered.kind == CONTRADICTED


def test_the_evidenced_callback_maps_to_its_transaction_by_our_order_id():
    callback = CallbackEvent.model_validate({"is_success": True, "order_id": "txn_1-2", "transaction_id": "gw_9"})
    stranger = CallbackEvent.model_validate({"is_success": False, "order_id": "someone-elses", "transaction_id": "x"})

    mapped = Hint.of_callback(callback)

    assert (mapped.transaction_id, mapped.order_id, mapped.payment_id, mapped.signed) == (
        "txn_1",
        "txn_1-2",
        "gw_9",
        False,
    )
    assert mapped.type == "payment.succeeded" and mapped.amount is None
    assert Hint.of_callback(stranger).type == "payment.failed"
    assert Hint.loads(mapped.dumps()) == mapped


def test_the_reconciler_learns_a_payment_a_failure_or_nothing_from_the_status_alone():
    paid = from_status("reconcile:txn_1-1", "txn_1", status(), currency="TRY")
    failed = from_status("reconcile:txn_1-1", "txn_1", status(successful=False), currency="TRY")

    assert paid is not None and paid.type == "payment.succeeded" and paid.data.amount == 10000
    assert failed is not None and failed.type == "payment.failed"
    assert from_status("r", "txn_1", status(found=False), currency="TRY") is None
    assert from_status("r", "txn_1", status(successful=False, completed=False), currency="TRY") is None
