"""GET /api/admin/transactions/list: every transaction, filtered, newest first (staff).

``status`` may repeat (API Gateway joins repeated parameters with commas); each combination of
filters is a Query on an index (docs/admin.md).
"""

from typing import Annotated

from paylox.admin import transaction_list
from paylox.errors import InvalidCursor, InvalidRequest
from paylox.http import Query, create_app, http_handler, problem_responses
from paylox.paging import DEFAULT_LIMIT, Limit, Page
from paylox.transactions.schemas import STATUSES, Statuses, TransactionListQuery, TransactionOut

app = create_app(role="staff")


@app.get(
    "/api/admin/transactions/list",
    responses={
        200: {"description": "One page of transactions, newest first"},
        **problem_responses(InvalidRequest, InvalidCursor),
    },
)
def list_transactions(
    query: Annotated[TransactionListQuery, Query()],
    status: Annotated[Statuses | None, Query(description=STATUSES)] = None,
    limit: Annotated[Limit, Query()] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query()] = None,
) -> Page[TransactionOut]:
    return transaction_list.list_transactions(query.filters(status), limit, cursor)


handler = http_handler(app)
