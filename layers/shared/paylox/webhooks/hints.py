"""A hint: what a webhook claims about a payment, stored until the gateway confirms or denies it.

Both shapes a sender may post become one :class:`Hint`: the signed event of our contract
(:class:`~paylox.webhooks.schemas.WebhookEvent`) and the unsigned callback the public evidence
shows (:class:`~paylox.webhooks.schemas.CallbackEvent`, mapped to a transaction by its order id).
It is stored as JSON on its delivery, and nothing about money is decided from it alone.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from paylox.payments.orders import transaction_of_order
from paylox.values import frozen
from paylox.webhooks.schemas import CallbackEvent, EventType, WebhookEvent

#: The event that asks the confirming function to check a stored hint with the gateway.
HINT_EVENT = "PaymentHintReceived"


@frozen
class Hint:
    """What a delivery claims. ``amount``/``currency`` are absent from callbacks; ``order_id`` is
    absent from signed events (the transaction's current attempt is meant)."""

    event_id: str
    type: EventType
    transaction_id: str
    payment_id: str | None  # the gateway's transaction id
    order_id: str | None = None
    amount: int | None = None
    currency: str | None = None
    refund_id: str | None = None
    reason: str | None = None
    signed: bool = True

    @classmethod
    def of_event(cls, event: WebhookEvent) -> Hint:
        data = event.data
        return cls(
            event_id=event.id,
            type=event.type,
            transaction_id=data.transaction_id,
            payment_id=data.payment_id,
            amount=data.amount,
            currency=data.currency,
            refund_id=event.refund_id if event.type == "payment.refunded" else None,
            reason=data.reason,
        )

    @classmethod
    def of_callback(cls, callback: CallbackEvent) -> Hint:
        """The callback names our order id; an order id that is not ours maps to no transaction
        (its text is kept as the transaction id, which no transaction has)."""
        ours = transaction_of_order(callback.order_id)
        return cls(
            # The callback has no id of its own: one claim per order, outcome and gateway payment.
            event_id=f"callback:{callback.order_id}:{callback.type}:{callback.transaction_id}",
            type=callback.type,
            transaction_id=ours[0] if ours else callback.order_id,
            payment_id=callback.transaction_id,
            order_id=callback.order_id,
            signed=False,
        )

    def dumps(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def loads(cls, text: str) -> Hint:
        return cls(**json.loads(text))
