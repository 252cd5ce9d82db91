"""POST /api/document/verify: an admin or support agent accepts or rejects a document."""

from paylox.documents import service
from paylox.documents.schemas import DocumentOut, VerifyRequest
from paylox.http import create_app, current_principal, http_handler

app = create_app(role="staff")


@app.post("/api/document/verify")
def verify(body: VerifyRequest) -> DocumentOut:
    return service.verify_document(current_principal(), body)


handler = http_handler(app)
