"""POST /api/transaction/create: the caller, as buyer, opens an escrow transaction with a registered seller."""

from paylox.errors import QuotaExceeded
from paylox.http import Response, create_app, created, current_principal, http_handler, problem_responses
from paylox.transactions import service
from paylox.transactions.errors import SellerIsBuyer, SellerNotFound, SellerUnavailable
from paylox.transactions.schemas import CreateTransactionRequest, TransactionOut

app = create_app()


@app.post(
    "/api/transaction/create",
    responses={
        201: {"description": "Created", "content": {"application/json": {"model": TransactionOut}}},
        **problem_responses(SellerIsBuyer, SellerNotFound, SellerUnavailable, QuotaExceeded),
    },
)
def create_transaction(body: CreateTransactionRequest) -> Response[str]:
    txn = service.create_transaction(current_principal(), body)
    return created(TransactionOut.from_row(txn))


handler = http_handler(app)
