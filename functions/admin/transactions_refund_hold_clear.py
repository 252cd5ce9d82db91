"""POST /api/admin/transactions/{id}/refund-hold/clear: an admin resolves a refund hold left in
doubt (admin-only). The gateway's status is asked first; nothing is ever refunded here. Needs the
admin's own ``X-OTP-Token`` of purpose ``ADMIN_OVERRIDE`` for ``REFUND`` of the held amount
(docs/admin.md)."""

from typing import Annotated

from paylox.errors import ConcurrentModification, InvalidState, NotFound, SelfAction
from paylox.http import Header, create_app, current_principal, http_handler, problem_responses
from paylox.otp.errors import OtpRequired, PhoneCoolingOff
from paylox.payments.errors import PaymentProviderError, PaymentProviderUnavailable
from paylox.transactions import refund_holds
from paylox.transactions.errors import NoRefundHold, RefundStatusUnknown
from paylox.transactions.schemas import ClearRefundHoldRequest, TransactionOut

app = create_app(role="admin", fresh_auth=True)  # it books a refund or frees money to move again


@app.post(
    "/api/admin/transactions/<id>/refund-hold/clear",
    responses={
        200: {"description": "Hold cleared", "content": {"application/json": {"model": TransactionOut}}},
        **problem_responses(
            NotFound,
            SelfAction,
            OtpRequired,
            PhoneCoolingOff,
            NoRefundHold,
            RefundStatusUnknown,
            InvalidState,
            ConcurrentModification,
            PaymentProviderError,
            PaymentProviderUnavailable,
        ),
    },
)
def clear_refund_hold(
    id: str, body: ClearRefundHoldRequest, x_otp_token: Annotated[str | None, Header(alias="X-OTP-Token")] = None
) -> TransactionOut:
    txn = refund_holds.clear_refund_hold(current_principal(), id, body, otp_token=x_otp_token)
    return TransactionOut.from_row(txn, with_flags=True)


handler = http_handler(app)
