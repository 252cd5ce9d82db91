"""POST /api/otp/delivery/twilio: Twilio's delivery-status callback (public; X-Twilio-Signature)."""

from paylox.errors import InvalidRequest
from paylox.http_public import Response, create_public_app, http_handler, problem_responses
from paylox.otp import delivery
from paylox.otp.errors import InvalidSignature

app = create_public_app()


@app.post(
    "/api/otp/delivery/twilio",
    responses={204: {"description": "Recorded (or ignored)"}, **problem_responses(InvalidRequest, InvalidSignature)},
)
def twilio_delivery() -> Response[str]:
    delivery.record_twilio_status(app.current_event)
    return Response(status_code=204, body="")


handler = http_handler(app)
