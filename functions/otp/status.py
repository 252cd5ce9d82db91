"""GET /api/otp/status?phone=&purpose=: where the caller's verification of their own number stands
(any other number: 404 NOT_FOUND, so numbers cannot be probed)."""

from typing import Annotated

from paylox.errors import NotFound
from paylox.http import Query, create_app, current_principal, http_handler, problem_responses
from paylox.otp import service
from paylox.otp.errors import PhoneInvalid
from paylox.otp.purposes import OtpPurpose
from paylox.otp.schemas import OtpStatusOut, PhoneText

app = create_app()


@app.get(
    "/api/otp/status",
    responses={200: {"description": "Where the verification stands"}, **problem_responses(NotFound, PhoneInvalid)},
)
def status(phone: Annotated[PhoneText, Query()], purpose: Annotated[OtpPurpose, Query()]) -> OtpStatusOut:
    return service.status(current_principal(), phone, purpose)


handler = http_handler(app)
