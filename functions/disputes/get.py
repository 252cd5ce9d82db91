"""GET /api/dispute/{id}: the dispute with its timeline, evidence and messages (parties and staff)."""

from paylox.disputes import reading
from paylox.disputes.schemas import DisputeOut
from paylox.http import create_app, current_principal, http_handler

app = create_app()


@app.get("/api/dispute/<id>")
def get_dispute(id: str) -> DisputeOut:
    return DisputeOut.from_view(reading.get_dispute(current_principal(), id))


handler = http_handler(app)
