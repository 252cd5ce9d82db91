"""Payments: the gateway that takes the buyer's money into escrow (Jetcheckout).

``PAYMENT_GATEWAY`` picks the implementation: ``jetcheckout`` (:mod:`.jetcheckout`) or ``sandbox``
(:mod:`.sandbox`, development: no money moves). Both follow :class:`.base.PaymentGateway`; callers
depend on that protocol only and get an instance from :func:`get_gateway`.
"""

from __future__ import annotations

from paylox.config import get_settings
from paylox.payments.base import PaymentGateway
from paylox.payments.ledger import DynamoRefundLedger


def get_gateway() -> PaymentGateway:
    """The gateway configured by ``PAYMENT_GATEWAY`` (``sandbox`` in development), its refunds
    remembered as intents in DynamoDB (:mod:`.ledger`) so that no retry refunds twice."""
    if get_settings().payment_gateway == "jetcheckout":
        from paylox.payments.jetcheckout import JetcheckoutGateway  # imported where used: requests, cold start

        return JetcheckoutGateway.from_settings(ledger=DynamoRefundLedger())
    from paylox.payments.sandbox import SandboxGateway

    return SandboxGateway(ledger=DynamoRefundLedger())
