"""Applying what the gateway confirmed to a transaction, and telling staff about what it did not.

One code path for every confirmed fact, whoever learnt it (a confirmed webhook hint, the browser
return, the reconciler): :func:`apply_confirmed` decides with :mod:`paylox.webhooks.rules` and
commits through the transactions service. Every write is conditional, so two confirmations of the
same payment racing fund it once: the loser re-reads and finds it already funded.
"""

from __future__ import annotations

from typing import Any

from paylox.errors import ConcurrentModification, InvalidState
from paylox.observability import logger, metrics
from paylox.transactions import late_payments
from paylox.transactions import service as transactions
from paylox.transactions.models import TransactionRow
from paylox.transactions.store import LatePayment
from paylox.values import frozen
from paylox.webhooks import rules
from paylox.webhooks.alerts import PROVIDER, alert_event, event_facts
from paylox.webhooks.schemas import WebhookEvent

MAX_ATTEMPTS = 5  # each lost race means another change won: a few re-reads always settle it


@frozen
class Applied:
    result: str  # PROCESSED, IGNORED, AMOUNT_MISMATCH
    detail: str | None = None


def apply_confirmed(event: WebhookEvent, txn: TransactionRow, *, delivery_id: str | None) -> Applied:
    """Apply ``event``, built from what the gateway itself said, to ``txn``; re-decides after a lost race."""
    for _ in range(MAX_ATTEMPTS):
        decision = rules.decide(event, rules.TxnView.of(txn))
        try:
            return _execute(decision, event, txn, delivery_id)
        except (InvalidState, ConcurrentModification):
            txn.refresh(consistent_read=True)  # another change won the race: decide again on what it left
    raise ConcurrentModification(resource="transaction")


def _execute(decision: rules.Decision, event: WebhookEvent, txn: TransactionRow, delivery_id: str | None) -> Applied:
    data, provenance = event.data, {"webhook_event_id": event.id}
    match decision:
        case rules.Fund():
            transactions.fund(txn, PROVIDER, payment_id=data.payment_id, event_extra=provenance)
        case rules.Fail():
            reason = data.reason or "payment failed"
            transactions.fail_payment(txn, PROVIDER, payment_id=data.payment_id, reason=reason, event_extra=provenance)
        case rules.RefundInFull(amount=amount):
            transactions.refund_in_full(txn, PROVIDER, refund_id=event.refund_id, amount=amount, event_id=event.id)
        case rules.RefundLatePayment(amount=amount):
            late = LatePayment(data.payment_id, amount, data.currency, event.id)
            late_payments.refund_late_payment(txn, PROVIDER, late, provenance=provenance)
            return Applied("PROCESSED", detail="late payment refunded")
        case rules.RecordRefund(amount=amount, announce=announce_it):
            transactions.record_refund(
                txn, PROVIDER, refund_id=event.refund_id, amount=amount, event_id=event.id, announce=announce_it
            )
        case rules.Ignore(reason=reason, alert=alert):
            if alert is not None:
                flag(txn, alert, f"{event.type} ({reason}) while {txn.status}", event_facts(event), delivery_id)
                metrics.add_metric(name="WebhookOutOfOrder", unit="Count", value=1)
            return Applied("IGNORED", detail=reason)
        case rules.Mismatch(reason=reason):
            metrics.add_metric(name="AmountMismatch", unit="Count", value=1)
            logger.warning("payment amount mismatch", extra={"event_id": event.id, "transaction_id": txn.id})
            flag(txn, "AMOUNT_MISMATCH", reason, event_facts(event), delivery_id)
            return Applied("AMOUNT_MISMATCH", detail=reason)
    return Applied("PROCESSED")


def flag(txn: TransactionRow, kind: str, reason: str, facts: dict[str, Any], delivery_id: str | None) -> None:
    """Flag ``txn`` for staff with an ``AdminAlert`` in the same write; never changes the money.
    The same kind about the same event is flagged once (the reconciler asks again every minute)."""
    event_id = facts.get("webhook_event_id")
    if any(entry.kind == kind and entry.event_id == event_id for entry in txn.flags or []):
        return
    transactions.flag(
        txn,
        kind=kind,
        detail=reason,
        event_id=facts.get("webhook_event_id"),
        event_type=facts.get("event_type"),
        actor=PROVIDER,
        also=[alert_event(kind, reason, facts, delivery_id, txn, transaction_id=txn.id)],  # with the flag, or neither
    )
