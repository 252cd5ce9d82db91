"""POST /api/otp/verify: check a code; success returns a single-use verification token."""

from paylox.http import create_app, current_principal, http_handler
from paylox.otp import service
from paylox.otp.schemas import OtpVerifiedOut, VerifyOtpRequest

app = create_app()


@app.post("/api/otp/verify")
def verify(body: VerifyOtpRequest) -> OtpVerifiedOut:
    return service.verify(current_principal(), body)


handler = http_handler(app)
