"""GET /api/payment/return/{transaction_id} (public): the buyer's browser back from the gateway's page.

Nothing the browser sends is trusted: the status comes from our records and, while the payment is
pending, from the gateway's status query; then 303 to PAYMENT_RETURN_URL (docs/webhooks.md).
"""

from paylox.http_public import Response, create_public_app, http_handler
from paylox.webhooks.returns import browser_return

app = create_public_app()


@app.get("/api/payment/return/<transaction_id>", responses={303: {"description": "To PAYMENT_RETURN_URL"}})
def payment_return(transaction_id: str) -> Response[str]:
    location = browser_return(transaction_id)
    return Response(status_code=303, body="", headers={"Location": location, "Cache-Control": "no-store"})


handler = http_handler(app)
