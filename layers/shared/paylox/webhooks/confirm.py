"""Confirming a stored hint with the gateway, then moving money on the gateway's word alone.

Run by ``PaymentConfirmFunction`` (not public; the only webhook-side function holding the gateway
key) for every ``PaymentHintReceived`` event, seconds after the hint was acknowledged:

1. take the hint (conditional write: two confirmations of one hint never both proceed);
2. ask ``payment/status`` for its order, retrying a failed query a few times; still failing, the
   hint is left as ``GATEWAY_ERROR`` and the payment to the reconciler (:mod:`.reconcile`);
3. judge the hint by the answer (:mod:`.confirmation`): confirmed, it is applied through
   :func:`paylox.webhooks.apply.apply_confirmed` (the reconciler's path too); unconfirmed or
   contradicted, the transaction is flagged to staff and nothing else changes.

The same function answers the public browser returns (:func:`confirm_return`), which invoke it
and wait: they hold no gateway key, and load none of this (:mod:`.returns`).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from paylox.observability import logger, metrics
from paylox.payments import get_gateway
from paylox.payments.base import GatewayPaymentStatus, PaymentGateway
from paylox.payments.errors import PaymentProviderError, PaymentProviderUnavailable
from paylox.transactions import service as transactions
from paylox.transactions.models import TransactionRow
from paylox.transactions.states import TxnStatus
from paylox.values import frozen
from paylox.webhooks import confirmation, store
from paylox.webhooks.alerts import hint_facts
from paylox.webhooks.apply import apply_confirmed, flag
from paylox.webhooks.hints import Hint
from paylox.webhooks.returns import ReturnStatus, status_word

#: Status queries per confirmation, and the pause before each retry (seconds, doubling).
STATUS_ATTEMPTS = 3
RETRY_PAUSE_SECONDS = 0.5
CONFIRMED, GATEWAY_ERROR = "CONFIRMED", "GATEWAY_ERROR"


def confirm_delivery(
    delivery_id: str,
    *,
    gateway: PaymentGateway | None = None,
    pause: Callable[[float], None] = time.sleep,
    attempts: int = STATUS_ATTEMPTS,
) -> str:
    """Confirm the hint stored with ``delivery_id``; returns what became of it (``CONFIRMED``,
    ``IGNORED``, ``UNCONFIRMED``, ``AMOUNT_MISMATCH``, ``GATEWAY_ERROR``, or ``TAKEN`` when another
    confirmation has it or had it). An unexpected error gives the hint back and propagates (retry).
    The reconciler retries a ``GATEWAY_ERROR`` hint through here with one status query per run."""
    delivery = store.get_delivery(delivery_id)
    if delivery is None or delivery.hint is None:
        logger.warning("no stored hint to confirm", extra={"delivery_id": delivery_id})
        return "NOT_A_HINT"
    if not store.start_confirmation(delivery_id):
        return "TAKEN"
    try:
        asking = _Asking(gateway or get_gateway(), pause, attempts)
        outcome, detail = _confirm(Hint.loads(delivery.hint), delivery_id, asking)
    except Exception:
        store.finish_confirmation(delivery_id, store.PENDING, "error: retried")
        raise
    store.finish_confirmation(delivery_id, outcome, detail)
    metrics.add_metric(name=f"PaymentHint{outcome.title().replace('_', '')}", unit="Count", value=1)
    return outcome


@frozen
class _Asking:
    """How the gateway is asked: the confirming function retries, the reconciler asks once per run."""

    gateway: PaymentGateway
    pause: Callable[[float], None]
    attempts: int


def _confirm(hint: Hint, delivery_id: str, asking: _Asking) -> tuple[str, str | None]:
    txn = transactions.find_transaction(hint.transaction_id)
    if txn is None:  # refused at receipt; only a deleted transaction gets here
        return "UNCONFIRMED", "no transaction with this id"
    order_id = hint.order_id or (txn.payment.session_id if txn.payment else None)
    if order_id is None:
        reason = "no payment was ever started for this transaction"
        flag(txn, confirmation.UNCONFIRMED, reason, hint_facts(hint), delivery_id)
        return "UNCONFIRMED", reason
    status = query_status(asking.gateway, order_id, asking.pause, asking.attempts)
    if status is None:
        return GATEWAY_ERROR, "the status query failed; left to the reconciler"
    verdict = confirmation.judge(hint, status, currency=txn.currency, refunded_before=_refunded_before(hint, txn))
    if isinstance(verdict, confirmation.Unconfirmed):
        logger.warning("payment hint not confirmed", extra={"delivery_id": delivery_id, "kind": verdict.kind})
        flag(txn, verdict.kind, verdict.reason, hint_facts(hint), delivery_id)
        return "UNCONFIRMED", verdict.reason
    applied = apply_confirmed(verdict.event, txn, delivery_id=delivery_id)
    return (CONFIRMED if applied.result == "PROCESSED" else applied.result), applied.detail


def _refunded_before(hint: Hint, txn: TransactionRow) -> int:
    """Kuruş our books hold as refunded, other than the hint's own refund (already recorded when
    this is a repeat): a partial refund is confirmed only if the gateway's total covers both."""
    recorded = int(txn.refunded_amount or 0)
    if hint.refund_id and hint.refund_id in (txn.refund_ids or set()):
        recorded -= hint.amount or 0
    return max(recorded, 0)


def query_status(
    gateway: PaymentGateway,
    order_id: str,
    pause: Callable[[float], None] = time.sleep,
    attempts: int = STATUS_ATTEMPTS,
) -> GatewayPaymentStatus | None:
    """The gateway's status of ``order_id``, or ``None`` when every attempt failed (logged, counted)."""
    for attempt in range(attempts):
        if attempt:
            pause(RETRY_PAUSE_SECONDS * 2 ** (attempt - 1))
        try:
            return gateway.payment_status(order_id=order_id)
        except (PaymentProviderUnavailable, PaymentProviderError):
            logger.exception("payment status query failed", extra={"order_id": order_id, "attempt": attempt + 1})
    metrics.add_metric(name="PaymentStatusQueryFailed", unit="Count", value=1)
    return None


def confirm_return(transaction_id: str, gateway: PaymentGateway | None = None) -> ReturnStatus:
    """What ``PaymentConfirmFunction`` answers a browser return: the transaction's status, after
    asking the gateway (once) and applying its answer while the payment is pending."""
    txn = transactions.find_transaction(transaction_id)
    if txn is None:
        return "unknown"
    if txn.status == TxnStatus.PAYMENT_PENDING.value:
        txn = _asked(txn, gateway or get_gateway())
    return status_word(TxnStatus(txn.status))


def _asked(txn: TransactionRow, gateway: PaymentGateway) -> TransactionRow:
    order_id = txn.payment.session_id if txn.payment else None
    status = query_status(gateway, order_id, attempts=1) if order_id else None  # the browser waits: one try
    event = status and confirmation.from_status(f"return:{order_id}", txn.id, status, currency=txn.currency)
    if event:
        apply_confirmed(event, txn, delivery_id=None)
        txn.refresh(consistent_read=True)
    return txn
