"""POST /api/document/{id}/share: the owner creates a temporary download link (≤ 7 days)."""

from paylox.documents import sharing
from paylox.documents.schemas import ShareOut, ShareRequest
from paylox.http import Response, create_app, created, current_principal, http_handler

app = create_app()


@app.post(
    "/api/document/<id>/share",
    responses={201: {"description": "Created", "content": {"application/json": {"model": ShareOut}}}},
)
def create_share(id: str, body: ShareRequest) -> Response[str]:
    share = sharing.create_share(current_principal(), id, body, base_url=sharing.link_base(app.current_event))
    return created(share)


handler = http_handler(app)
