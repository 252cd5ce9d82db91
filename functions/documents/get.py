"""GET /api/document/{id}: metadata and a short-lived download link (owner, admins, support)."""

from paylox.documents import service
from paylox.documents.schemas import DocumentOut
from paylox.http import create_app, current_principal, http_handler

app = create_app()


@app.get("/api/document/<id>")
def get_document(id: str) -> DocumentOut:
    return service.get_document(current_principal(), id)


handler = http_handler(app)
