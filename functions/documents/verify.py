"""POST /api/document/verify: an admin or support agent accepts or rejects a document."""

from paylox.documents import service
from paylox.documents.schemas import DocumentOut, VerifyRequest
from paylox.errors import SelfAction
from paylox.http import create_app, current_principal, http_handler, problem_responses

app = create_app(role="staff")


@app.post(
    "/api/document/verify",
    responses={
        200: {"description": "Reviewed", "content": {"application/json": {"model": DocumentOut}}},
        **problem_responses(SelfAction),
    },
)
def verify(body: VerifyRequest) -> DocumentOut:
    return service.verify_document(current_principal(), body)


handler = http_handler(app)
