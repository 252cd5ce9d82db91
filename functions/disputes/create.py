"""POST /api/dispute/create: the buyer or seller of a funded or shipped transaction opens a dispute."""

from paylox.disputes import opening
from paylox.disputes.schemas import CreateDisputeRequest, DisputeOut
from paylox.errors import QuotaExceeded
from paylox.http import Response, create_app, created, current_principal, http_handler, problem_responses

app = create_app()


@app.post(
    "/api/dispute/create",
    responses={
        201: {"description": "Created", "content": {"application/json": {"model": DisputeOut}}},
        **problem_responses(QuotaExceeded),
    },
)
def create_dispute(body: CreateDisputeRequest) -> Response[str]:
    return created(DisputeOut.from_view(opening.open_dispute(current_principal(), body)))


handler = http_handler(app)
