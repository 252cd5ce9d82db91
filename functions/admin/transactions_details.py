"""GET /api/admin/transactions/{id}/details: one transaction with its parties, disputes, evidence
and audit trail (staff)."""

from paylox.admin import transactions
from paylox.admin.transaction_schemas import TransactionDetailsOut
from paylox.errors import NotFound
from paylox.http import create_app, current_principal, http_handler, problem_responses

app = create_app(role="staff")


@app.get(
    "/api/admin/transactions/<id>/details",
    responses={200: {"description": "The transaction with everything around it"}, **problem_responses(NotFound)},
)
def transaction_details(id: str) -> TransactionDetailsOut:
    return transactions.transaction_details(current_principal(), id)


handler = http_handler(app)
