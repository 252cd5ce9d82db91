"""POST /api/transaction/{id}/confirm: the buyer confirms receipt; the funds go to the seller."""

from paylox.http import create_app, current_principal, http_handler
from paylox.transactions import service
from paylox.transactions.schemas import TransactionOut

app = create_app()


@app.post("/api/transaction/<id>/confirm")
def confirm(id: str) -> TransactionOut:
    return TransactionOut.from_row(service.confirm(current_principal(), id))


handler = http_handler(app)
