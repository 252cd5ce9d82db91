"""PUT /api/dispute/{id}/request-info: staff ask the buyer or the seller for more information."""

from paylox.disputes import assignment
from paylox.disputes.schemas import DisputeOut, RequestInfoRequest
from paylox.http import create_app, current_principal, http_handler

app = create_app(role="staff")


@app.put("/api/dispute/<id>/request-info")
def request_info(id: str, body: RequestInfoRequest) -> DisputeOut:
    return DisputeOut.from_view(assignment.request_info(current_principal(), id, body.from_, body.message))


handler = http_handler(app)
