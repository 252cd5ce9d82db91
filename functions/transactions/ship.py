"""POST /api/transaction/{id}/ship: the seller reports the goods shipped."""

from paylox.http import create_app, current_principal, http_handler
from paylox.transactions import service
from paylox.transactions.schemas import TransactionOut

app = create_app()


@app.post("/api/transaction/<id>/ship")
def ship(id: str) -> TransactionOut:
    return TransactionOut.from_row(service.ship(current_principal(), id))


handler = http_handler(app)
