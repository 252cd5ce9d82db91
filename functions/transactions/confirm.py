"""POST /api/transaction/{id}/confirm: the buyer confirms receipt; the funds go to the seller.

Requires ``X-OTP-Token``: a fresh ``TRANSACTION_CONFIRMATION`` verification token bound to this
transaction and the amount it releases (docs/otp.md).
"""

from typing import Annotated

from paylox.errors import InvalidState, NotFound
from paylox.http import Header, create_app, current_principal, http_handler, problem_responses
from paylox.otp.errors import OtpRequired, PhoneCoolingOff
from paylox.transactions import release
from paylox.transactions.errors import SellerSuspended, WrongParty
from paylox.transactions.schemas import TransactionOut

app = create_app()


@app.post(
    "/api/transaction/<id>/confirm",
    responses={
        200: {"description": "Released", "content": {"application/json": {"model": TransactionOut}}},
        **problem_responses(OtpRequired, PhoneCoolingOff, WrongParty, NotFound, InvalidState, SellerSuspended),
    },
)
def confirm(id: str, x_otp_token: Annotated[str | None, Header(alias="X-OTP-Token")] = None) -> TransactionOut:
    return TransactionOut.from_row(release.confirm(current_principal(), id, otp_token=x_otp_token))


handler = http_handler(app)
