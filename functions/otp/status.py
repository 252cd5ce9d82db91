"""GET /api/otp/status?phone=&purpose=: where the caller's verification stands."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from paylox.http import create_app, current_principal, http_handler
from paylox.otp import service
from paylox.otp.schemas import OtpPurpose, OtpStatusOut, PhoneText

app = create_app()


@app.get("/api/otp/status")
def status(phone: Annotated[PhoneText, Query()], purpose: Annotated[OtpPurpose, Query()]) -> OtpStatusOut:
    return service.status(current_principal(), phone, purpose)


handler = http_handler(app)
