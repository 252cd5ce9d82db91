"""A payment gateway for development: sessions are made up locally and no money moves.

The dev stack's user completes a sandbox payment by sending the signed webhook Jetcheckout would
(docs/webhooks.md shows how).
"""

from __future__ import annotations

from datetime import timedelta

from paylox import clock
from paylox.ids import new_id
from paylox.payments.base import PaymentSession, PaymentStatus, RefundResult

SESSION_TTL = timedelta(minutes=30)


class SandboxGateway:
    def create_session(
        self, *, transaction_id: str, amount: int, currency: str, description: str, buyer_email: str | None
    ) -> PaymentSession:
        session_id = new_id("pss")
        return PaymentSession(
            session_id=session_id,
            payment_url=f"https://sandbox.jetcheckout.invalid/pay/{session_id}?ref={transaction_id}",
            expires_at=clock.isoformat(clock.now() + SESSION_TTL),
        )

    def payment_status(self, *, transaction_id: str) -> PaymentStatus:
        # The sandbox keeps no state: the webhooks sent by hand are the only truth in development.
        return PaymentStatus(transaction_id=transaction_id, payment_id=None, status="pending", amount=0, currency="TRY")

    def refund(
        self, *, transaction_id: str, payment_id: str | None, amount: int, idempotency_key: str | None = None
    ) -> RefundResult:
        return RefundResult(refund_id=new_id("rfd"), status="accepted")
