"""GET /api/document/{id}/audit: who did what to a document, for its owner and admins."""

from typing import Annotated

from paylox.documents import service
from paylox.documents.schemas import AuditEntryOut
from paylox.http import Query, create_app, current_principal, http_handler
from paylox.paging import Limit, Page

app = create_app()


@app.get("/api/document/<id>/audit")
def audit(
    id: str,
    limit: Annotated[Limit, Query()] = 50,  # unchanged since this list was first published
    cursor: Annotated[str | None, Query()] = None,
) -> Page[AuditEntryOut]:
    return service.audit_for(current_principal(), id, limit, cursor)


handler = http_handler(app)
