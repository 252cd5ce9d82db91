"""Payments that arrive after the buyer cancelled: refunded automatically, never kept.

A ``payment.succeeded`` for a ``CANCELLED`` transaction means the buyer was charged for a deal
that no longer exists (the hosted payment page was still open, the bank answered late). Nobody
may keep that money, so it goes back at once rather than waiting for staff:

1. the refund is decided and this attempt claimed in one conditional write on the transaction
   (:func:`paylox.transactions.store.claim_late_refund`): of two deliveries racing, one refunds;
2. the gateway refunds the payment, under an idempotency key naming it;
3. the refund id is recorded, and ``TransactionLatePaymentRefunded`` (buyer and seller) and an
   ``AdminAlert`` (``LATE_PAYMENT_REFUNDED``, admins) are announced with that write.

A failed gateway call clears the claim, alerts the admins (``LATE_PAYMENT_REFUND_FAILED``) and
fails the delivery, so the provider's redelivery tries again; a claim left by a process that died
is taken over once it is :data:`~paylox.transactions.store.LEASE_SECONDS` old.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from paylox.auth import Actor
from paylox.events import DomainEvent, announce
from paylox.notify.alerts import ALERT_EVENT
from paylox.observability import logger, metrics
from paylox.payments import get_gateway
from paylox.payments.base import PaymentGateway
from paylox.transactions import store
from paylox.transactions.gateway_refunds import refund_request
from paylox.transactions.models import TransactionRow
from paylox.transactions.store import LatePayment


def refund_late_payment(
    txn: TransactionRow,
    actor: Actor,
    payment: LatePayment,
    *,
    provenance: Mapping[str, Any] | None = None,
    gateway: PaymentGateway | None = None,
) -> str:
    """Refund ``payment``, captured after ``txn`` was cancelled; returns the refund id.

    Raises what :func:`~paylox.statemachine.commit_move` raises when another delivery claimed it
    first (re-read: the refund is under way or done), and the gateway's error when it fails.
    """
    store.claim_late_refund(txn, actor, payment)
    try:
        request = refund_request(
            txn, payment.amount, intent_id=f"late-payment-{txn.id}-{payment.payment_id}", captured_amount=payment.amount
        )
        # The late capture is the provider's own payment id, not the (cancelled) attempt's.
        request = replace(request, gateway_transaction_id=payment.payment_id)
        refund = (gateway or get_gateway()).refund(request)
    except Exception as exc:
        _failed(txn, payment, exc)
        raise
    facts = {"payment_id": payment.payment_id, "refund_id": refund.refund_id, **(provenance or {})}
    alert = DomainEvent(ALERT_EVENT, _alert_detail(txn, payment, "LATE_PAYMENT_REFUNDED", facts), "transactions")
    store.record_late_refund(
        txn,
        actor,
        payment.payment_id,
        refund.refund_id,
        also=[alert],
        event_extra={**facts, "refund_amount": payment.amount, "refund_currency": payment.currency},
    )
    metrics.add_metric(name="LatePaymentRefunded", unit="Count", value=1)
    return refund.refund_id


def _failed(txn: TransactionRow, payment: LatePayment, exc: Exception) -> None:
    """Free the claim for the provider's redelivery and tell the admins; never hide ``exc``."""
    logger.exception("late payment refund failed", extra={"transaction_id": txn.id, "payment_id": payment.payment_id})
    metrics.add_metric(name="LatePaymentRefundFailures", unit="Count", value=1)
    try:
        store.release_late_refund(txn, payment.payment_id)
        reason = f"{type(exc).__name__}; retried on the provider's next delivery"
        detail = _alert_detail(txn, payment, "LATE_PAYMENT_REFUND_FAILED", {"payment_id": payment.payment_id})
        announce([DomainEvent(ALERT_EVENT, {**detail, "reason": reason}, "transactions")], aggregate_id=txn.id)
    except Exception:  # the claim's lease runs out on its own; the original error matters more
        logger.exception("could not release a late payment refund", extra={"transaction_id": txn.id})


def _alert_detail(txn: TransactionRow, payment: LatePayment, kind: str, facts: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "kind": kind,
        "reason": f"payment {payment.payment_id} arrived after the transaction was cancelled",
        "transaction_id": txn.id,
        "transaction_status": txn.status,
        "webhook_event_id": payment.event_id,
        "event_type": "payment.succeeded",
        "received_amount": payment.amount,
        "received_currency": payment.currency,
        "expected_amount": int(txn.amount),
        "expected_currency": txn.currency,
        **facts,
    }
