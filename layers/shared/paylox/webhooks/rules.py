"""What a verified payment event means for a transaction: a pure decision, easy to test exhaustively.

The rule that matters most: an event never moves a transaction backwards. An event the state
machine cannot take (a failure after the money arrived, a success after a refund, a refund before
any payment) is recorded and answered 2xx, and, unless it is a harmless repeat, flagged for staff.
The one exception acts on its own: a payment that arrives after the buyer cancelled is refunded
automatically (:mod:`paylox.transactions.late_payments`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field

from paylox.transactions.models import TransactionRow
from paylox.transactions.states import TxnStatus
from paylox.transactions.store import RefundState, refund_ids, refund_states
from paylox.values import frozen
from paylox.webhooks.schemas import WebhookEvent

S = TxnStatus
#: Where the money is in escrow (or was, and the buyer has it back).
_PAID = frozenset({S.FUNDED, S.SHIPPED, S.COMPLETED, S.DISPUTED})
#: Where a refund may be recorded: the money is held, or the refund move was already made.
_REFUNDABLE = frozenset({S.FUNDED, S.SHIPPED, S.DISPUTED, S.REFUNDED})

OUT_OF_ORDER = "OUT_OF_ORDER"
DUPLICATE_PAYMENT = "DUPLICATE_PAYMENT"
UNRELATED_PAYMENT = "UNRELATED_PAYMENT"


@frozen
class TxnView:
    """The parts of a transaction the decision reads."""

    status: TxnStatus
    amount: int
    currency: str
    refunded_amount: int
    payment_id: str | None
    refund_ids: frozenset[str]
    #: Payments that arrived after a cancellation, by payment id: where their refund stands.
    late_payments: Mapping[str, RefundState] = field(default_factory=dict)

    @classmethod
    def of(cls, row: TransactionRow) -> TxnView:
        return cls(
            status=TxnStatus(row.status),
            amount=int(row.amount),
            currency=row.currency,
            refunded_amount=int(row.refunded_amount or 0),
            payment_id=row.payment.payment_id if row.payment else None,
            refund_ids=refund_ids(row),
            late_payments=refund_states(row),
        )


@frozen
class Fund:
    """PAYMENT_PENDING → FUNDED."""


@frozen
class Fail:
    """PAYMENT_PENDING → FAILED."""


@frozen
class RefundInFull:
    """→ REFUNDED: this refund returns everything not returned yet."""

    amount: int


@frozen
class RecordRefund:
    """Money returned without a move: a partial refund, or the provider confirming a refund whose
    move was already made (``announce`` is then False: the parties were told at the move)."""

    amount: int
    announce: bool


@frozen
class RefundLatePayment:
    """A payment captured after the buyer cancelled: refund it through the gateway, at once."""

    amount: int


@frozen
class Ignore:
    """Answered 2xx and left alone; ``alert`` names the flag raised for staff, if any."""

    reason: str
    alert: str | None = None


@frozen
class Mismatch:
    """The money does not add up: refused with 422 AMOUNT_MISMATCH, transaction untouched."""

    reason: str


Decision = Fund | Fail | RefundInFull | RecordRefund | RefundLatePayment | Ignore | Mismatch


def decide(event: WebhookEvent, txn: TxnView) -> Decision:
    if event.type == "payment.succeeded":
        return _succeeded(event, txn)
    if event.type == "payment.failed":
        return _failed(txn)
    return _refunded(event, txn)


def _succeeded(event: WebhookEvent, txn: TxnView) -> Decision:
    data = event.data
    if txn.status == S.PAYMENT_PENDING:
        if data.currency != txn.currency:
            return Mismatch(f"currency {data.currency}, expected {txn.currency}")
        if data.amount != txn.amount:
            return Mismatch(f"amount {data.amount}, expected {txn.amount}")
        return Fund()
    if txn.status in _PAID:
        if txn.payment_id in (None, data.payment_id):
            return Ignore("already_funded")
        # The buyer was charged a second time: staff must refund that payment.
        return Ignore("duplicate_payment", DUPLICATE_PAYMENT)
    if txn.status == S.CANCELLED:
        return _late(event, txn)
    # CREATED, FAILED, REFUNDED: money arrived where none is expected.
    return Ignore("out_of_order", OUT_OF_ORDER)


def _late(event: WebhookEvent, txn: TxnView) -> Decision:
    """The buyer cancelled, then the payment went through: it goes back, once."""
    state = txn.late_payments.get(event.data.payment_id)
    if state == "REFUNDED":
        return Ignore("late_payment_refunded")
    if state == "IN_PROGRESS":
        return Ignore("late_payment_refund_in_progress")  # another delivery is refunding it now
    return RefundLatePayment(event.data.amount)


def _failed(txn: TxnView) -> Decision:
    if txn.status == S.PAYMENT_PENDING:
        return Fail()
    if txn.status == S.FAILED:
        return Ignore("already_failed")
    if txn.status == S.CANCELLED:
        return Ignore("transaction_cancelled")  # nothing was taken and nothing is owed
    return Ignore("out_of_order", OUT_OF_ORDER)  # a failure after success, or before any payment


def _refunded(event: WebhookEvent, txn: TxnView) -> Decision:
    data = event.data
    if event.refund_id in txn.refund_ids:
        return Ignore("already_refunded")
    if data.payment_id in txn.late_payments:
        return Ignore("late_payment_refund")  # the provider confirming our refund of a late payment
    if txn.status not in _REFUNDABLE:
        # Before the money arrived, or after it was released to the seller.
        return Ignore("out_of_order", OUT_OF_ORDER)
    if txn.payment_id is not None and data.payment_id != txn.payment_id:
        # The refund of another payment (e.g. a duplicate charge): this escrow keeps its money.
        return Ignore("unrelated_payment", UNRELATED_PAYMENT)
    if data.currency != txn.currency:
        return Mismatch(f"currency {data.currency}, expected {txn.currency}")
    remaining = txn.amount - txn.refunded_amount
    if data.amount > remaining:
        return Mismatch(f"refund of {data.amount} exceeds the {remaining} not yet refunded")
    if txn.status == S.REFUNDED:
        return RecordRefund(data.amount, announce=False)
    if data.amount == remaining:
        return RefundInFull(data.amount)
    return RecordRefund(data.amount, announce=True)
