"""GET /api/admin/users/list: users, newest first, filtered by status, identity verification,
registration date or a search for an id, email or phone (staff)."""

from datetime import date
from typing import Annotated

from paylox.errors import AccountSuspended, InvalidCursor, InvalidRange, StaffOnly
from paylox.http import Query, create_app, http_handler, problem_responses
from paylox.paging import DEFAULT_LIMIT, Limit, Page
from paylox.users import directory
from paylox.users.models import UserStatus
from paylox.users.schemas import UserListItemOut

app = create_app(role="staff")


@app.get(
    "/api/admin/users/list",
    responses={
        200: {"description": "The users, newest first"},
        **problem_responses(StaffOnly, AccountSuspended, InvalidCursor, InvalidRange),
    },
)
def list_users(
    status: Annotated[UserStatus | None, Query()] = None,
    verified: Annotated[bool | None, Query(description="Identity verified")] = None,
    q: Annotated[str | None, Query(max_length=254, description="A user id, an email or a phone number")] = None,
    from_: Annotated[date | None, Query(alias="from", description="Registered on or after (Istanbul date)")] = None,
    to: Annotated[date | None, Query(description="Registered on or before (Istanbul date)")] = None,
    limit: Annotated[Limit, Query()] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query()] = None,
) -> Page[UserListItemOut]:
    filters = directory.UserFilter(status=status, verified=verified, q=q, first=from_, last=to)
    return directory.list_users(filters, limit, cursor)


handler = http_handler(app)
