"""POST /api/transaction/{id}/cancel: buyer or seller calls the deal off before it is funded."""

from paylox.http import create_app, current_principal, http_handler
from paylox.transactions import service
from paylox.transactions.schemas import TransactionOut

app = create_app()


@app.post("/api/transaction/<id>/cancel")
def cancel(id: str) -> TransactionOut:
    return TransactionOut.from_row(service.cancel(current_principal(), id))


handler = http_handler(app)
