"""GET /api/transaction/list: the caller's transactions as buyer or seller, newest first."""

from typing import Annotated

from paylox.http import Query, create_app, current_principal, http_handler
from paylox.paging import DEFAULT_LIMIT, Limit, Page
from paylox.transactions import mine
from paylox.transactions.schemas import TransactionOut

app = create_app()


@app.get("/api/transaction/list")
def list_transactions(
    limit: Annotated[Limit, Query()] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query()] = None,
) -> Page[TransactionOut]:
    return mine.list_for(current_principal(), limit, cursor)


handler = http_handler(app)
