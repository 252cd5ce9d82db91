"""POST /api/payment/webhook/refund: a hint that money went back to the buyer (payment.refunded).

Public route, and only a hint: once the service has checked the source IP, the signature over the
raw body and its timestamp,
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
    "/api/payment/webhook/refund",
    responses={200: {"description": "Handled, or ignored as the body says"}, **problem_responses(*DELIVERY_ERRORS)},
)
def refund() -> dict[str, Any]:
    return service.receive(IncomingDelivery.from_event("refund", app.current_event.raw_event))


handler = http_handler(app)
