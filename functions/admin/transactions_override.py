"""PUT /api/admin/transactions/{id}/override: an admin moves a transaction by hand (admin-only).

``RELEASE`` and ``REFUND`` move money: they need the admin's own ``X-OTP-Token`` of purpose
``ADMIN_OVERRIDE``, bound to this transaction, the action and the amount (docs/admin.md).
"""

from typing import Annotated

from paylox.errors import ConcurrentModification, InvalidState, NotFound, SelfAction
from paylox.http import Header, create_app, current_principal, http_handler, problem_responses
from paylox.otp.errors import OtpRequired, PhoneCoolingOff
from paylox.payments.errors import (
    PaymentProviderError,
    PaymentProviderUnavailable,
    PaymentRejected,
    RefundExceedsCaptured,
    RefundInDoubt,
)
from paylox.transactions import overrides
from paylox.transactions.errors import DisputeOpen, InvalidRefundAmount, PaymentNotConfirmed
from paylox.transactions.schemas import OverrideRequest, TransactionOut

app = create_app(role="admin", fresh_auth=True)


@app.put(
    "/api/admin/transactions/<id>/override",
    responses={
        200: {"description": "Overridden", "content": {"application/json": {"model": TransactionOut}}},
        **problem_responses(
            NotFound,
            SelfAction,
            OtpRequired,
            PhoneCoolingOff,
            DisputeOpen,
            InvalidState,
            PaymentNotConfirmed,
            ConcurrentModification,
            InvalidRefundAmount,
            PaymentProviderError,
            PaymentProviderUnavailable,
            PaymentRejected,
            RefundExceedsCaptured,
            RefundInDoubt,
        ),
    },
)
def override(
    id: str, body: OverrideRequest, x_otp_token: Annotated[str | None, Header(alias="X-OTP-Token")] = None
) -> TransactionOut:
    txn = overrides.override(current_principal(), id, body, otp_token=x_otp_token)
    return TransactionOut.from_row(txn, with_flags=True)


handler = http_handler(app)
