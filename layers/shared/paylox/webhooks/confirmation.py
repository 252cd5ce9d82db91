"""Whether the gateway's own status confirms a hint: a pure decision, easy to test exhaustively.

A hint is confirmed only by what ``payment/status`` says (``00200`` found; ``successful`` and not
``cancelled`` for a payment), and is then turned into the event the rules apply
(:mod:`paylox.webhooks.rules`), carrying the gateway's amount, currency and transaction id, never
the hint's. The rules compare that amount and currency with the transaction's. Whatever the
gateway does not confirm, or contradicts, changes nothing and is flagged to staff.
"""

from __future__ import annotations

from pydantic import ValidationError

from paylox import clock
from paylox.payments.base import GatewayPaymentStatus
from paylox.values import frozen
from paylox.webhooks.hints import Hint
from paylox.webhooks.schemas import EventType, WebhookEvent

UNCONFIRMED = "HINT_UNCONFIRMED"  # the gateway does not (yet) say what the hint says
CONTRADICTED = "HINT_CONTRADICTED"  # the gateway says otherwise
#: A refund the gateway's status cannot show: Jetcheckout's evidenced ``payment/status`` answer has
#: no refunded amount, so a partial refund made at its back office is for staff to check there.
REFUND_UNVERIFIABLE = "REFUND_UNVERIFIABLE"


@frozen
class Confirmed:
    event: WebhookEvent


@frozen
class Unconfirmed:
    kind: str  # UNCONFIRMED or CONTRADICTED
    reason: str


Verdict = Confirmed | Unconfirmed


def judge(hint: Hint, status: GatewayPaymentStatus, *, currency: str, refunded_before: int = 0) -> Verdict:
    """What ``status`` (of the order the hint is about) makes of ``hint``; ``currency`` is the
    order's, assumed when the gateway's answer names none (docs/webhooks.md: to verify).
    ``refunded_before`` is what our books already hold as refunded, other than the hint's own
    refund: a refund hint is confirmed only when the gateway's total covers both."""
    if not status.found:
        return Unconfirmed(
            UNCONFIRMED, f"the gateway has no payment for order {status.order_id} ({status.response_code})"
        )
    if hint.payment_id and status.gateway_transaction_id and hint.payment_id != status.gateway_transaction_id:
        return Unconfirmed(CONTRADICTED, f"the gateway's transaction for the order is {status.gateway_transaction_id}")
    if hint.type == "payment.succeeded":
        return _payment(hint, status, currency)
    if hint.type == "payment.failed":
        return _failure(hint, status, currency)
    return _refund(hint, status, currency, refunded_before)


def _payment(hint: Hint, status: GatewayPaymentStatus, currency: str) -> Verdict:
    if not status.paid:
        return Unconfirmed(CONTRADICTED, _said(status))
    return _as_event(hint.event_id, "payment.succeeded", hint, status, currency)


def _failure(hint: Hint, status: GatewayPaymentStatus, currency: str) -> Verdict:
    if status.paid:
        return Unconfirmed(CONTRADICTED, _said(status))
    if not (status.completed or status.cancelled):
        return Unconfirmed(UNCONFIRMED, "the gateway has not finished the payment")
    return _as_event(hint.event_id, "payment.failed", hint, status, currency)


def _refund(hint: Hint, status: GatewayPaymentStatus, currency: str, refunded_before: int) -> Verdict:
    # Jetcheckout's status answer is not known to report refunds: only a cancel shows there.
    returned = status.refunded_amount
    if returned is None and status.cancelled:
        returned = status.amount
    if returned is None:
        return Unconfirmed(
            REFUND_UNVERIFIABLE,
            f"the gateway's status answer does not report refunded amounts: check the refund of "
            f"{hint.amount} kuruş (refund id {hint.refund_id}) in Jetcheckout's back office",
        )
    if hint.amount is None or returned < refunded_before + hint.amount:
        return Unconfirmed(
            CONTRADICTED,
            f"the gateway shows {returned} kuruş returned in all; {refunded_before} were recorded "
            f"before this refund of {hint.amount}",
        )
    return _as_event(hint.event_id, "payment.refunded", hint, status, currency)


def from_status(
    event_id: str, transaction_id: str, status: GatewayPaymentStatus, *, currency: str
) -> WebhookEvent | None:
    """The event the gateway's status alone amounts to (the reconciler's question): a payment, a
    failure, or ``None`` while it is unknown or unfinished."""
    hint = Hint(event_id=event_id, type="payment.succeeded", transaction_id=transaction_id, payment_id=None)
    if status.found and status.paid:
        verdict = _as_event(event_id, "payment.succeeded", hint, status, currency)
    elif status.found and (status.completed or status.cancelled):
        verdict = _as_event(event_id, "payment.failed", hint, status, currency)
    else:
        return None
    return verdict.event if isinstance(verdict, Confirmed) else None


def _as_event(event_id: str, kind: EventType, hint: Hint, status: GatewayPaymentStatus, currency: str) -> Verdict:
    refund = kind == "payment.refunded"
    amount = hint.amount if refund else status.amount
    if amount is None:
        return Unconfirmed(UNCONFIRMED, "the gateway's answer has no amount")
    document = {
        "id": event_id,
        "type": kind,
        "created": clock.timestamp(),
        "data": {
            "transaction_id": hint.transaction_id,
            "payment_id": status.gateway_transaction_id or hint.payment_id or status.order_id,
            "amount": amount,
            "currency": (hint.currency if refund else status.currency) or currency,
            "reason": hint.reason if kind == "payment.failed" else None,
            "refund_id": hint.refund_id,
        },
    }
    try:
        return Confirmed(WebhookEvent.model_validate(document))
    except ValidationError:
        return Unconfirmed(UNCONFIRMED, "the gateway's answer could not be read")


def _said(status: GatewayPaymentStatus) -> str:
    return f"the gateway says successful={status.successful}, cancelled={status.cancelled}"
