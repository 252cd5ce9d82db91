"""The payment gateway interface and the choice of implementation by configuration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class PaymentSession:
    session_id: str
    payment_url: str
    expires_at: str


@dataclass(frozen=True)
class RefundResult:
    refund_id: str
    status: str  # "accepted": the provider confirms it later with a payment.refunded webhook


class PaymentGateway(Protocol):
    def create_session(
        self, *, transaction_id: str, amount: int, currency: str, description: str, buyer_email: str | None
    ) -> PaymentSession:
        """Start a hosted payment for ``amount`` kuruş; the result arrives later by webhook."""
        ...

    def refund(self, *, transaction_id: str, payment_id: str | None, amount: int) -> RefundResult:
        """Return ``amount`` kuruş of a captured payment to the buyer."""
        ...


def get_gateway() -> PaymentGateway:
    """The gateway configured by ``PAYMENT_GATEWAY`` (``sandbox`` in development)."""
    from paylox.config import get_settings

    kind = get_settings().payment_gateway
    if kind == "sandbox":
        from paylox.payments.sandbox import SandboxGateway

        return SandboxGateway()
    raise NotImplementedError(f"payment gateway {kind!r} is not available yet")
