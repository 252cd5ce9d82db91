"""GET /api/admin/otp/blocklist: numbers blocked from receiving codes (admins only; 403 ADMIN_ONLY otherwise)."""

from typing import Annotated

from paylox.http import Query, create_app, http_handler
from paylox.otp import blocklist
from paylox.otp.schemas import BlockOut
from paylox.paging import Limit, Page

app = create_app(role="admin")


@app.get("/api/admin/otp/blocklist")
def list_blocked(
    limit: Annotated[Limit, Query()] = 50,  # unchanged since this list was first published
    cursor: Annotated[str | None, Query()] = None,
) -> Page[BlockOut]:
    return blocklist.list_blocks(limit, cursor)


handler = http_handler(app)
