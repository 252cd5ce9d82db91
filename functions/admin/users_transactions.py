"""GET /api/admin/users/{id}/transactions: a user's transactions as buyer, seller or either, newest first (staff)."""

from typing import Annotated, Literal

from paylox.errors import AccountSuspended, InvalidCursor, NotFound, StaffOnly
from paylox.http import Query, create_app, http_handler, problem_responses
from paylox.paging import DEFAULT_LIMIT, Limit, Page
from paylox.transactions.schemas import TransactionOut
from paylox.users import overview

app = create_app(role="staff")


@app.get(
    "/api/admin/users/<id>/transactions",
    responses={
        200: {"description": "The user's transactions, newest first"},
        **problem_responses(StaffOnly, AccountSuspended, NotFound, InvalidCursor),
    },
)
def user_transactions(
    id: str,
    role: Annotated[Literal["buyer", "seller"] | None, Query(description="Omit for either side")] = None,
    limit: Annotated[Limit, Query()] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query()] = None,
) -> Page[TransactionOut]:
    return overview.transactions_of(id, role, limit, cursor)


handler = http_handler(app)
