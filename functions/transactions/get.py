"""GET /api/transaction/{id}: one transaction with its timeline (parties and staff only)."""

from paylox.http import create_app, current_principal, http_handler
from paylox.transactions import service
from paylox.transactions.schemas import TransactionOut

app = create_app()


@app.get("/api/transaction/<id>")
def get_transaction(id: str) -> TransactionOut:
    return TransactionOut.from_row(service.get_for(current_principal(), id))


handler = http_handler(app)
