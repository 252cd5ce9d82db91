"""PUT /api/dispute/{id}/resolve: an admin decides; the transaction and the money follow."""

from paylox.disputes import settlement
from paylox.disputes.errors import InvalidSplitAmount
from paylox.disputes.schemas import DisputeOut, ResolveRequest
from paylox.http import create_app, current_principal, http_handler, problem_responses
from paylox.transactions.errors import SellerSuspended

app = create_app(role="admin", fresh_auth=True)


@app.put(
    "/api/dispute/<id>/resolve",
    responses={
        200: {"description": "Resolved", "content": {"application/json": {"model": DisputeOut}}},
        **problem_responses(InvalidSplitAmount, SellerSuspended),
    },
)
def resolve_dispute(id: str, body: ResolveRequest) -> DisputeOut:
    return DisputeOut.from_view(settlement.resolve(current_principal(), id, body))


handler = http_handler(app)
