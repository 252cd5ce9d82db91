"""POST /api/otp/verify: check a code; success returns a single-use verification token.

``PHONE_CHANGE`` takes both codes (``code`` from the current phone, ``new_code`` from the new one)
and switches the verified phone; a bound purpose's token approves only its transaction and amount.
"""

from paylox.http import create_app, current_principal, http_handler, problem_responses
from paylox.otp import service
from paylox.otp.schemas import OtpVerifiedOut, VerifyOtpRequest
from paylox.transactions import release
from paylox.users.errors import EmailUnavailable

app = create_app()


@app.post(
    "/api/otp/verify",
    responses={
        200: {"description": "Verified: the token"},
        **problem_responses(*release.CODE_PROBLEMS, EmailUnavailable),
    },
)
def verify(body: VerifyOtpRequest) -> OtpVerifiedOut:
    return service.verify(current_principal(), body, bind=release.bind_code)


handler = http_handler(app)
