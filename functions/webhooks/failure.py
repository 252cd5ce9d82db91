"""POST /api/payment/webhook/failure: a hint that the payment failed (payment.failed).

Public route, and only a hint: once the service has checked the source IP, the signature over the
raw body and its timestamp (or that an allowlisted sender posted the evidenced unsigned callback),
it is stored and acknowledged; PaymentConfirmFunction moves money on the gateway's own status
(docs/webhooks.md).
"""

from typing import Any

from paylox.http_public import create_public_app, http_handler, problem_responses
from paylox.webhooks import service
from paylox.webhooks.errors import DELIVERY_ERRORS
from paylox.webhooks.service import IncomingDelivery

app = create_public_app()


@app.post(
    "/api/payment/webhook/failure",
    responses={200: {"description": "Handled, or ignored as the body says"}, **problem_responses(*DELIVERY_ERRORS)},
)
def failure() -> dict[str, Any]:
    return service.receive(IncomingDelivery.from_event("failure", app.current_event.raw_event))


handler = http_handler(app)
