"""What a payment gateway is: the protocol every implementation follows and the values it returns.

Errors are in :mod:`paylox.payments.errors`; the factory is :func:`paylox.payments.get_gateway`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

PaymentState = Literal["pending", "succeeded", "failed", "refunded", "partially_refunded"]


@dataclass(frozen=True)
class PaymentSession:
    session_id: str
    payment_url: str
    expires_at: str


@dataclass(frozen=True)
class RefundResult:
    refund_id: str
    status: str  # "accepted": the provider confirms it later with a payment.refunded webhook


@dataclass(frozen=True)
class PaymentStatus:
    """What the provider knows about the payment of one transaction (for reconciliation)."""

    transaction_id: str
    payment_id: str | None
    status: PaymentState
    amount: int  # kuruş
    currency: str
    refunded_amount: int = 0


class PaymentGateway(Protocol):
    def create_session(
        self, *, transaction_id: str, amount: int, currency: str, description: str, buyer_email: str | None
    ) -> PaymentSession:
        """Start a hosted payment for ``amount`` kuruş; the result arrives later by webhook."""
        ...

    def payment_status(self, *, transaction_id: str) -> PaymentStatus:
        """Ask the provider what became of the payment of ``transaction_id``."""
        ...

    def refund(
        self, *, transaction_id: str, payment_id: str | None, amount: int, idempotency_key: str | None = None
    ) -> RefundResult:
        """Return ``amount`` kuruş of a captured payment to the buyer.

        Pass a stable ``idempotency_key`` (e.g. the dispute id) so that retrying a call whose answer
        was lost can never refund twice; without one each call is a new refund request.
        """
        ...
