"""GET /api/transaction/{id}: one transaction with its timeline (parties and staff only; staff also
see the flags raised for them, such as out-of-order payment webhooks)."""

from paylox.http import create_app, current_principal, http_handler
from paylox.transactions import service
from paylox.transactions.schemas import TransactionOut

app = create_app()


@app.get("/api/transaction/<id>")
def get_transaction(id: str) -> TransactionOut:
    principal = current_principal()
    return TransactionOut.from_row(service.get_for(principal, id), with_flags=principal.is_staff)


handler = http_handler(app)
