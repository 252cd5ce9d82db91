"""POST /api/dispute/{id}/evidence: attach one of the caller's downloadable documents."""

from paylox.disputes import conversation
from paylox.disputes.schemas import DisputeOut, EvidenceRequest
from paylox.http import Response, create_app, created, current_principal, http_handler

app = create_app()


@app.post(
    "/api/dispute/<id>/evidence",
    responses={201: {"description": "Created", "content": {"application/json": {"model": DisputeOut}}}},
)
def add_evidence(id: str, body: EvidenceRequest) -> Response[str]:
    view = conversation.add_evidence(current_principal(), id, body.document_id, body.note)
    return created(DisputeOut.from_view(view))


handler = http_handler(app)
