"""PUT /api/dispute/{id}/resolve: an admin decides; the transaction and the money follow."""

from paylox.disputes import settlement
from paylox.disputes.schemas import DisputeOut, ResolveRequest
from paylox.http import create_app, current_principal, http_handler

app = create_app(role="admin")


@app.put("/api/dispute/<id>/resolve")
def resolve_dispute(id: str, body: ResolveRequest) -> DisputeOut:
    return DisputeOut.from_view(settlement.resolve(current_principal(), id, body))


handler = http_handler(app)
