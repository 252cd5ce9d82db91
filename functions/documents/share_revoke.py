"""DELETE /api/document/{id}/share/{share_id}: the owner (or an admin) ends a share link."""

from paylox.documents import sharing
from paylox.http import Response, create_app, current_principal, http_handler

app = create_app()


@app.delete("/api/document/<id>/share/<share_id>", responses={204: {"description": "Revoked"}})
def revoke_share(id: str, share_id: str) -> Response[str]:
    sharing.revoke_share(current_principal(), id, share_id)
    return Response(status_code=204, body="")


handler = http_handler(app)
