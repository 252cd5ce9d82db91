"""GET /api/transaction/{id}: one transaction with its timeline (parties and staff only; staff also
see the flags raised for them and the payment webhooks received for it)."""

from paylox.http import create_app, current_principal, http_handler
from paylox.transactions.details import transaction_details
from paylox.transactions.schemas import TransactionOut

app = create_app()


@app.get("/api/transaction/<id>")
def get_transaction(id: str) -> TransactionOut:
    return transaction_details(current_principal(), id)


handler = http_handler(app)
