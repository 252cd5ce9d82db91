"""GET /api/admin/otp/blocklist: numbers blocked from receiving codes (admins only; 403 otherwise)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from paylox.http import create_app, current_principal, http_handler
from paylox.otp import blocklist
from paylox.otp.schemas import BlockPage
from paylox.types import PageLimit

app = create_app(role="admin")


@app.get("/api/admin/otp/blocklist")
def list_blocked(
    limit: Annotated[PageLimit, Query()] = 50,
    cursor: Annotated[str | None, Query()] = None,
) -> BlockPage:
    rows, next_cursor = blocklist.list_blocks(current_principal(), limit, cursor)
    return BlockPage(items=[blocklist.block_out(row) for row in rows], next_cursor=next_cursor)


handler = http_handler(app)
