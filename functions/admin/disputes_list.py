"""GET /api/admin/disputes/list: the back office's dispute queue, filtered and paginated."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from paylox.disputes import reading
from paylox.disputes.schemas import DisputePage, DisputeSummary
from paylox.disputes.states import DisputeStatus
from paylox.http import create_app, current_principal, http_handler
from paylox.types import PageLimit, UserId

app = create_app()


@app.get("/api/admin/disputes/list")
def list_disputes(
    status: Annotated[DisputeStatus | None, Query()] = None,
    assigned_to: Annotated[UserId | None, Query()] = None,
    limit: Annotated[PageLimit, Query()] = 20,
    cursor: Annotated[str | None, Query()] = None,
) -> DisputePage:
    rows, next_cursor = reading.list_disputes(
        current_principal(), status=status, assigned_to=assigned_to, limit=limit, cursor=cursor
    )
    return DisputePage(items=[DisputeSummary.from_row(row) for row in rows], next_cursor=next_cursor)


handler = http_handler(app)
