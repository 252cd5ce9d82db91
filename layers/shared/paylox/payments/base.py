"""What a payment gateway is: the protocol every implementation follows and the values it returns.

Errors are in :mod:`paylox.payments.errors`; the factory is :func:`paylox.payments.get_gateway`;
order ids and the cancel-or-refund rule are in :mod:`paylox.payments.orders`. docs/payments.md
describes the contract, including what a caller must persist so that no refund is made twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Protocol

from paylox.values import frozen

#: ``cancel`` voids the whole payment on its own day (no fees); ``refund`` returns money later or in part.
RefundMethod = Literal["cancel", "refund"]


@frozen
class PaymentSession:
    """Where the buyer goes to pay one attempt of a transaction.

    ``order_id`` is ours (:func:`paylox.payments.orders.order_id_for`), new for every attempt; it is
    also the ``session_id`` the transaction stores, so webhooks and browser returns map back to it.
    ``gateway_transaction_id`` is the gateway's id of the attempt, when the gateway gave one.
    """

    session_id: str
    payment_url: str
    expires_at: str
    order_id: str
    gateway_transaction_id: str | None = None


@frozen
class GatewayPaymentStatus:
    """What the gateway itself says about one order (``payment/status``): the only basis for moving
    money. ``found`` is false when the gateway answered with anything but "found" (it may not know
    the order yet); ``amount`` is in kuruş whatever unit the gateway answers in."""

    order_id: str
    found: bool
    response_code: str
    successful: bool = False
    completed: bool = False
    cancelled: bool = False
    amount: int | None = None
    currency: str | None = None
    transaction_date: str | None = None
    gateway_transaction_id: str | None = None
    #: Kuruş given back so far, when the gateway says (the sandbox does; Jetcheckout's status
    #: answer is not known to carry it, so a refund is confirmed there only by ``cancelled``).
    refunded_amount: int | None = None

    @property
    def paid(self) -> bool:
        """The gateway says the money was taken and not given back by a cancel."""
        return self.found and self.successful and not self.cancelled


@frozen
class RefundRequest:
    """Money to give back to the buyer for one captured payment.

    ``intent_id`` is ours and stable across retries of the same refund (e.g.
    ``dispute-refund-<dispute id>``): the gateway's refund and cancel calls carry no idempotency key,
    so a refund is made at most once per intent only through the :class:`RefundLedger`.
    ``paid_at`` is the earliest moment the capture can have happened (the start of the paid attempt,
    or the gateway's own time): a cancel is chosen only when that is today in Europe/Istanbul.
    """

    intent_id: str
    order_id: str
    gateway_transaction_id: str | None
    amount: int  # kuruş to return now, > 0
    captured_amount: int  # kuruş the payment captured
    refunded_amount: int  # kuruş already returned before this intent
    currency: str
    paid_at: datetime  # timezone-aware


@frozen
class RefundResult:
    """The gateway accepted the refund (``00``) by ``method``; ``refund_id`` is our intent id."""

    refund_id: str
    status: str  # "succeeded": the gateway answered 00; the sandbox says "accepted"
    method: RefundMethod
    amount: int  # kuruş


class RefundLedger(Protocol):
    """Where refund intents are remembered, so that none is sent to the gateway twice.

    The gateway client calls :meth:`claim` before sending, then exactly one of :meth:`settle` (the
    gateway answered ``00``) or :meth:`release` (the gateway refused, or the call never left). When
    neither follows (a timeout after sending, a 5xx, an unreadable answer) the intent stays claimed:
    in doubt, never sent again until staff or the reconciler resolve it. A durable implementation
    (the transactions store) makes :meth:`claim` a conditional write.
    """

    def claim(self, request: RefundRequest, method: RefundMethod) -> RefundResult | None:
        """The recorded result if the intent already succeeded (send nothing); otherwise mark it as
        being sent and return ``None``. Raises ``RefundInDoubt`` if it is claimed and unsettled."""
        ...

    def settle(self, result: RefundResult) -> None:
        """The gateway answered ``00`` for the intent."""
        ...

    def release(self, intent_id: str) -> None:
        """The gateway refused the intent or never received it: it may be tried again."""
        ...


class PaymentGateway(Protocol):
    def create_session(
        self,
        *,
        transaction_id: str,
        amount: int,
        currency: str,
        description: str,
        buyer_email: str | None,
        order_id: str,
        card_token: str | None = None,
    ) -> PaymentSession:
        """Start one payment attempt of ``amount`` kuruş under our ``order_id``; the buyer finishes
        it at ``payment_url`` and the result arrives later (webhook, return, status query).
        ``card_token`` is a saved-card token of the gateway's; card numbers never reach Paylox."""
        ...

    def payment_status(self, *, order_id: str) -> GatewayPaymentStatus:
        """Ask the gateway what became of the payment of ``order_id``."""
        ...

    def refund(self, request: RefundRequest) -> RefundResult:
        """Give back ``request.amount`` kuruş: a cancel when it is the whole payment on its own day
        (Europe/Istanbul), a refund otherwise; at most once per ``request.intent_id``."""
        ...
