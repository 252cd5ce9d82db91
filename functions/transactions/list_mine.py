"""GET /api/transaction/list: the caller's transactions as buyer or seller, newest first."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from paylox.http import create_app, current_principal, http_handler
from paylox.transactions import service
from paylox.transactions.schemas import TransactionOut, TransactionPage
from paylox.types import PageLimit

app = create_app()


@app.get("/api/transaction/list")
def list_transactions(
    limit: Annotated[PageLimit, Query()] = 20,
    cursor: Annotated[str | None, Query()] = None,
) -> TransactionPage:
    rows, next_cursor = service.list_for(current_principal(), limit, cursor)
    return TransactionPage(
        items=[TransactionOut.from_row(row, with_timeline=False) for row in rows], next_cursor=next_cursor
    )


handler = http_handler(app)
