"""What the payment gateway is asked to refund for a transaction (see docs/payments.md)."""

from __future__ import annotations

from paylox import clock
from paylox.payments.base import RefundRequest
from paylox.transactions.models import TransactionRow
from paylox.transactions.states import TxnStatus


def refund_request(
    txn: TransactionRow, amount: int, *, intent_id: str, captured_amount: int | None = None, refunded_amount: int = 0
) -> RefundRequest:
    """The gateway refund of ``amount`` kuruş of ``txn``'s captured payment, under our own
    ``intent_id`` (stable across retries: the gateway's refund and cancel calls carry no
    idempotency key). The paid attempt's start is the earliest its capture can be, so a cancel is
    chosen only when that is surely today. By default the captured amount is the transaction's
    and what was refunded so far is in its books."""
    started = [entry.at for entry in txn.timeline or [] if entry.status == TxnStatus.PAYMENT_PENDING.value]
    return RefundRequest(
        intent_id=intent_id,
        order_id=(txn.payment.session_id if txn.payment else None) or txn.id,
        gateway_transaction_id=txn.payment.payment_id if txn.payment else None,
        amount=amount,
        captured_amount=int(txn.amount) if captured_amount is None else captured_amount,
        refunded_amount=int(txn.refunded_amount or 0) if captured_amount is None else refunded_amount,
        currency=txn.currency,
        paid_at=clock.parse_iso(started[-1] if started else txn.created_at),
    )
