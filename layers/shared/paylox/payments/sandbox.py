"""A payment gateway for development: sessions are made up locally and no money moves.

The dev stack's user completes a sandbox payment by sending the signed webhook Jetcheckout would
(docs/webhooks.md shows how).
"""

from __future__ import annotations

from datetime import timedelta

from paylox import clock
from paylox.payments.base import GatewayPaymentStatus, PaymentSession, RefundRequest, RefundResult
from paylox.payments.orders import refund_method

SESSION_TTL = timedelta(minutes=30)


class SandboxGateway:
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
        return PaymentSession(
            session_id=order_id,
            payment_url=f"https://sandbox.jetcheckout.invalid/pay/{order_id}",
            expires_at=clock.isoformat(clock.now() + SESSION_TTL),
            order_id=order_id,
        )

    def payment_status(self, *, order_id: str) -> GatewayPaymentStatus:
        # The sandbox keeps no state yet: the webhooks sent by hand are the only truth in development.
        return GatewayPaymentStatus(order_id=order_id, found=False, response_code="sandbox")

    def refund(self, request: RefundRequest) -> RefundResult:
        method = refund_method(request, clock.now())  # the same checks and choice as the gateway's
        return RefundResult(refund_id=request.intent_id, status="accepted", method=method, amount=request.amount)
