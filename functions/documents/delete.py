"""DELETE /api/document/{id}: soft delete by the owner or an admin; files purged after retention."""

from paylox.documents import service
from paylox.http import Response, create_app, current_principal, http_handler

app = create_app()


@app.delete("/api/document/<id>", responses={204: {"description": "Deleted"}})
def delete_document(id: str) -> Response[str]:
    service.delete_document(current_principal(), id)
    return Response(status_code=204, body="")


handler = http_handler(app)
