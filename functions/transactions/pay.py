"""POST /api/transaction/{id}/pay: the buyer starts paying into escrow; returns the payment session."""

from paylox.http import create_app, current_principal, http_handler
from paylox.transactions import service
from paylox.transactions.schemas import PaymentSessionOut, TransactionOut

app = create_app()


@app.post("/api/transaction/<id>/pay")
def pay(id: str) -> PaymentSessionOut:
    txn, session = service.pay(current_principal(), id)
    return PaymentSessionOut(
        transaction=TransactionOut.from_row(txn),
        session_id=session.session_id,
        payment_url=session.payment_url,
        expires_at=session.expires_at,
    )


handler = http_handler(app)
