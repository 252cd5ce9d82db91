"""No payment stays pending by accident: the reconciler (``PaymentReconcileFunction``, every minute).

Transactions in PAYMENT_PENDING unchanged for ``PAYMENT_RECONCILE_AFTER_MINUTES`` (one Query on
the ``by_status`` index, never a Scan) are asked about at the gateway. What the gateway says is
applied exactly as a confirmed webhook hint is (:func:`paylox.webhooks.apply.apply_confirmed`,
the same conditional writes: a payment confirmed by a hint and by the reconciler at once is
funded once). A payment still unknown after ``PAYMENT_UNKNOWN_ALERT_MINUTES`` is flagged to staff
once. Outcomes are Powertools metrics (``PaymentReconcile<Outcome>``); failed status queries count
as ``PaymentStatusQueryFailed``, which has an alarm.

Stored hints the gateway has not settled (a payment or refund hint whose status query failed,
``GATEWAY_ERROR``, or whose confirmation died) are confirmed again through
:func:`paylox.webhooks.confirm.confirm_delivery`, the confirming function's own path: the same
take-the-hint conditional write, so a reconciler and a confirming function racing on one hint
never both apply it. One is still unanswered after ``PAYMENT_UNKNOWN_ALERT_MINUTES`` is flagged
``HINT_UNANSWERED`` once, and keeps being asked (``PaymentReconcileHint<Outcome>``).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from paylox import clock
from paylox.config import get_settings
from paylox.observability import logger, metrics
from paylox.payments import get_gateway
from paylox.payments.base import PaymentGateway
from paylox.transactions import service as transactions
from paylox.transactions.models import TransactionRow
from paylox.webhooks import confirmation, store
from paylox.webhooks.alerts import hint_facts
from paylox.webhooks.apply import apply_confirmed, flag
from paylox.webhooks.confirm import GATEWAY_ERROR, confirm_delivery, query_status
from paylox.webhooks.hints import Hint
from paylox.webhooks.models import WebhookDelivery

PAYMENT_UNKNOWN = "PAYMENT_UNKNOWN"
HINT_UNANSWERED = "HINT_UNANSWERED"
#: Transactions looked at per run; the rest wait a minute (a run must end well within its timeout).
BATCH = 50


def run(*, gateway: PaymentGateway | None = None, pause: Callable[[float], None] = time.sleep) -> dict[str, int]:
    """One reconciliation pass; how many transactions ended each way."""
    settings = get_settings()
    now = clock.now()
    before = clock.isoformat(now - timedelta(minutes=settings.payment_reconcile_after_minutes))
    alert_before = clock.isoformat(now - timedelta(minutes=settings.payment_unknown_alert_minutes))
    gateway = gateway or get_gateway()
    outcomes: Counter[str] = Counter()
    for txn in transactions.payments_pending_since(before, BATCH):
        outcomes[_reconcile(txn, gateway, alert_before, pause)] += 1
    for delivery in store.unsettled_hints(clock.isoformat(now), BATCH):
        outcomes[_retry_hint(delivery, gateway, alert_before, pause)] += 1
    for outcome, count in outcomes.items():
        metrics.add_metric(name=f"PaymentReconcile{outcome}", unit="Count", value=count)
    return dict(outcomes)


def _reconcile(txn: TransactionRow, gateway: PaymentGateway, alert_before: str, pause: Callable[[float], None]) -> str:
    order_id = txn.payment.session_id if txn.payment else None
    if order_id is None:
        return _unknown(txn, alert_before, "no gateway order was recorded for the payment")
    status = query_status(gateway, order_id, pause, attempts=1)  # the next run, a minute later, retries
    if status is None:
        return "GatewayError"
    event = confirmation.from_status(f"reconcile:{order_id}", txn.id, status, currency=txn.currency)
    if event is None:
        return _unknown(txn, alert_before, f"the gateway does not know the outcome of order {order_id}")
    applied = apply_confirmed(event, txn, delivery_id=None)
    if applied.result != "PROCESSED":
        return applied.result.title().replace("_", "")
    return "Funded" if event.type == "payment.succeeded" else "Failed"


def _unknown(txn: TransactionRow, alert_before: str, reason: str) -> str:
    if txn.updated_at >= alert_before:
        return "StillPending"
    facts = {"webhook_event_id": f"reconcile:{txn.id}:{txn.updated_at}", "event_type": "payment.status"}
    flag(txn, PAYMENT_UNKNOWN, reason, facts, None)
    return "Flagged"


def _retry_hint(
    delivery: WebhookDelivery, gateway: PaymentGateway, alert_before: str, pause: Callable[[float], None]
) -> str:
    try:
        outcome = confirm_delivery(delivery.delivery_id, gateway=gateway, pause=pause, attempts=1)
    except Exception:  # given back by confirm_delivery; one bad hint must not stop the others
        logger.exception("hint confirmation failed", extra={"delivery_id": delivery.delivery_id})
        return "HintError"
    if outcome == GATEWAY_ERROR and delivery.received_at < alert_before:
        _unanswered(delivery)
        return "HintFlagged"
    return "Hint" + outcome.title().replace("_", "")


def _unanswered(delivery: WebhookDelivery) -> None:
    txn = transactions.find_transaction(delivery.transaction_id or "")
    if txn is None or delivery.hint is None:
        return
    reason = f"the gateway's status query has failed since the hint arrived at {delivery.received_at}"
    flag(txn, HINT_UNANSWERED, reason, hint_facts(Hint.loads(delivery.hint)), delivery.delivery_id)
