"""What each payment event means in each transaction state: the whole matrix, as a pure function."""

from __future__ import annotations

import pytest

from paylox.transactions.states import TxnStatus
from paylox.webhooks.rules import (
    DUPLICATE_PAYMENT,
    OUT_OF_ORDER,
    UNRELATED_PAYMENT,
    Fail,
    Fund,
    Ignore,
    Mismatch,
    RecordRefund,
    RefundInFull,
    RefundLatePayment,
    TxnView,
    decide,
)
from paylox.webhooks.schemas import WebhookEvent

S = TxnStatus


def view(status: TxnStatus, *, refunded: int = 0, payment_id: str | None = "pay_1", refund_ids=()) -> TxnView:
    before_payment = status in (S.CREATED, S.PAYMENT_PENDING, S.FAILED, S.CANCELLED)
    return TxnView(
        status=status,
        amount=10000,
        currency="TRY",
        refunded_amount=refunded,
        payment_id=None if before_payment else payment_id,
        refund_ids=frozenset(refund_ids),
    )


def event(
    event_type: str, *, amount: int = 10000, currency: str = "TRY", payment_id: str = "pay_1", **data
) -> WebhookEvent:
    return WebhookEvent.model_validate(
        {
            "id": "evt_1",
            "type": event_type,
            "created": 0,
            "data": {
                "transaction_id": "txn_1",
                "payment_id": payment_id,
                "amount": amount,
                "currency": currency,
                **data,
            },
        }
    )


# Every state × every event type, as the provider would send it for this transaction's payment.
MATRIX = {
    S.CREATED: (
        Ignore("out_of_order", OUT_OF_ORDER),
        Ignore("out_of_order", OUT_OF_ORDER),
        Ignore("out_of_order", OUT_OF_ORDER),
    ),
    S.PAYMENT_PENDING: (Fund(), Fail(), Ignore("out_of_order", OUT_OF_ORDER)),
    S.FAILED: (Ignore("out_of_order", OUT_OF_ORDER), Ignore("already_failed"), Ignore("out_of_order", OUT_OF_ORDER)),
    S.CANCELLED: (
        RefundLatePayment(10000),  # the buyer cancelled, then was charged: it goes back at once
        Ignore("transaction_cancelled"),
        Ignore("out_of_order", OUT_OF_ORDER),
    ),
    S.FUNDED: (Ignore("already_funded"), Ignore("out_of_order", OUT_OF_ORDER), RefundInFull(10000)),
    S.SHIPPED: (Ignore("already_funded"), Ignore("out_of_order", OUT_OF_ORDER), RefundInFull(10000)),
    S.DISPUTED: (Ignore("already_funded"), Ignore("out_of_order", OUT_OF_ORDER), RefundInFull(10000)),
    S.COMPLETED: (Ignore("already_funded"), Ignore("out_of_order", OUT_OF_ORDER), Ignore("out_of_order", OUT_OF_ORDER)),
    S.REFUNDED: (
        Ignore("out_of_order", OUT_OF_ORDER),
        Ignore("out_of_order", OUT_OF_ORDER),
        RecordRefund(10000, announce=False),  # the move was made here first; the provider confirms it
    ),
}


def test_the_matrix_covers_every_state():
    assert set(MATRIX) == set(TxnStatus)


@pytest.mark.parametrize("status", list(TxnStatus))
@pytest.mark.parametrize(
    ("column", "event_type"), [(0, "payment.succeeded"), (1, "payment.failed"), (2, "payment.refunded")]
)
def test_every_state_and_event_type(status, column, event_type):
    assert decide(event(event_type), view(status)) == MATRIX[status][column]


def test_nothing_ever_moves_a_transaction_backwards():
    forward_only = {
        Fund: {S.PAYMENT_PENDING},
        Fail: {S.PAYMENT_PENDING},
        RefundInFull: {S.FUNDED, S.SHIPPED, S.DISPUTED},
    }
    for status, row in MATRIX.items():
        for decision in row:
            if type(decision) in forward_only:
                assert status in forward_only[type(decision)]


@pytest.mark.parametrize(("amount", "currency"), [(9999, "TRY"), (10001, "TRY"), (10000, "USD"), (10000, "EUR")])
def test_a_success_must_match_amount_and_currency(amount, currency):
    decision = decide(event("payment.succeeded", amount=amount, currency=currency), view(S.PAYMENT_PENDING))

    assert isinstance(decision, Mismatch)


def test_a_success_with_another_payment_id_after_funding_is_a_duplicate_payment():
    decision = decide(event("payment.succeeded", payment_id="pay_2"), view(S.FUNDED))

    assert decision == Ignore("duplicate_payment", DUPLICATE_PAYMENT)


def test_partial_refunds_are_recorded_and_the_last_one_refunds_in_full():
    assert decide(event("payment.refunded", amount=4000), view(S.FUNDED)) == RecordRefund(4000, announce=True)
    assert decide(event("payment.refunded", amount=6000), view(S.FUNDED, refunded=4000)) == RefundInFull(6000)


def test_a_refund_above_what_is_left_or_in_another_currency_is_a_mismatch():
    assert isinstance(decide(event("payment.refunded", amount=6001), view(S.SHIPPED, refunded=4000)), Mismatch)
    assert isinstance(decide(event("payment.refunded", currency="USD"), view(S.FUNDED)), Mismatch)
    assert isinstance(decide(event("payment.refunded", amount=1), view(S.REFUNDED, refunded=10000)), Mismatch)


def test_a_refund_already_recorded_is_ignored_whatever_the_state():
    for status in (S.FUNDED, S.REFUNDED, S.COMPLETED):
        decision = decide(event("payment.refunded", refund_id="rfd_1"), view(status, refund_ids={"rfd_1"}))
        assert decision == Ignore("already_refunded")


def test_a_refund_without_its_own_id_is_identified_by_the_event_id():
    decision = decide(event("payment.refunded"), view(S.FUNDED, refund_ids={"evt_1"}))

    assert decision == Ignore("already_refunded")


def test_the_refund_of_another_payment_does_not_touch_the_escrow():
    decision = decide(event("payment.refunded", payment_id="pay_2"), view(S.FUNDED))

    assert decision == Ignore("unrelated_payment", UNRELATED_PAYMENT)


@pytest.mark.parametrize(
    ("state", "decision"),
    [
        (None, RefundLatePayment(7000)),
        ("DUE", RefundLatePayment(7000)),  # an earlier attempt failed or died: try again
        ("IN_PROGRESS", Ignore("late_payment_refund_in_progress")),
        ("REFUNDED", Ignore("late_payment_refunded")),
    ],
)
def test_a_late_payment_is_refunded_once_whatever_its_amount(state, decision):
    cancelled = view(S.CANCELLED)
    late = TxnView(**{**cancelled.__dict__, "late_payments": {"pay_late": state} if state else {}})

    assert decide(event("payment.succeeded", amount=7000, payment_id="pay_late"), late) == decision


def test_the_providers_refund_of_a_late_payment_is_no_alarm():
    late = TxnView(**{**view(S.CANCELLED).__dict__, "late_payments": {"pay_late": "REFUNDED"}})

    decision = decide(event("payment.refunded", payment_id="pay_late", refund_id="rf_late"), late)

    assert decision == Ignore("late_payment_refund")
