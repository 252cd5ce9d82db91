"""POST /api/dispute/{id}/message: a party or staff member writes to the dispute (plain text)."""

from paylox.disputes import conversation
from paylox.disputes.schemas import DisputeOut, MessageRequest
from paylox.http import Response, create_app, created, current_principal, http_handler

app = create_app()


@app.post(
    "/api/dispute/<id>/message",
    responses={201: {"description": "Created", "content": {"application/json": {"model": DisputeOut}}}},
)
def post_message(id: str, body: MessageRequest) -> Response[str]:
    return created(DisputeOut.from_view(conversation.post_message(current_principal(), id, body.body)))


handler = http_handler(app)
