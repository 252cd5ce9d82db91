"""Errors of the payment gateway, as callers (the pay endpoint, refunds) see them.

The provider's own messages are logged, never shown: they may carry card or merchant details.
"""

from __future__ import annotations

from paylox.errors import DomainError


class PaymentProviderUnavailable(DomainError):
    """The provider did not answer in time or answered 5xx: nothing is known to have happened."""

    code = "PAYMENT_PROVIDER_UNAVAILABLE"
    status = 503
    en = "The payment provider is not reachable right now. Please try again shortly."
    tr = "Ödeme sağlayıcısına şu anda ulaşılamıyor. Lütfen biraz sonra tekrar deneyin."

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": "30"})


class PaymentProviderError(DomainError):
    """The provider refused our credentials or answered something we cannot read: our fault to fix."""

    code = "PAYMENT_PROVIDER_ERROR"
    status = 502
    en = "The payment provider could not handle the request. Our team has been notified."
    tr = "Ödeme sağlayıcısı isteği işleyemedi. Ekibimiz bilgilendirildi."


class PaymentRejected(DomainError):
    """The provider understood the request and declined it (e.g. a refund above what was captured)."""

    code = "PAYMENT_REJECTED"
    status = 422
    en = "The payment provider declined the request ({provider_code})."
    tr = "Ödeme sağlayıcısı isteği reddetti ({provider_code})."

    def __init__(self, provider_code: str) -> None:
        super().__init__(provider_code=provider_code)


class PaymentNotFound(DomainError):
    code = "PAYMENT_NOT_FOUND"
    status = 404
    en = "The payment provider has no payment for this transaction."
    tr = "Ödeme sağlayıcısında bu işleme ait bir ödeme yok."


class RefundExceedsCaptured(DomainError):
    """A refund asked for more than the payment captured minus what was already returned."""

    code = "REFUND_EXCEEDS_CAPTURED"
    status = 422
    en = "The refund is larger than what remains of the payment."
    tr = "İade tutarı ödemenin kalan tutarından büyük."


class RefundInDoubt(DomainError):
    """An earlier call for this refund intent may have reached the gateway and its answer is
    unknown (or another call is sending it now): it is never sent again blindly."""

    code = "REFUND_IN_DOUBT"
    status = 409
    en = "A refund for this request may already have been made. Staff must check it with the payment provider."
    tr = "Bu talep için iade zaten yapılmış olabilir. Ekibimizin ödeme sağlayıcısıyla kontrol etmesi gerekiyor."
