"""GET /api/admin/disputes/list: the back office's dispute queue, filtered and paginated (staff)."""

from typing import Annotated

from paylox.disputes import reading
from paylox.disputes.schemas import DisputeSummary
from paylox.disputes.states import DisputeStatus
from paylox.http import Query, create_app, http_handler
from paylox.paging import DEFAULT_LIMIT, Limit, Page
from paylox.types import UserId

app = create_app(role="staff")


@app.get("/api/admin/disputes/list")
def list_disputes(
    status: Annotated[DisputeStatus | None, Query()] = None,
    assigned_to: Annotated[UserId | None, Query()] = None,
    limit: Annotated[Limit, Query()] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query()] = None,
) -> Page[DisputeSummary]:
    return reading.list_disputes(status=status, assigned_to=assigned_to, limit=limit, cursor=cursor)


handler = http_handler(app)
