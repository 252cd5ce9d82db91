"""The caller's own transactions as the API lists them (``GET /api/transaction/list``).

Apart from :mod:`paylox.transactions.service`, which the routes of other domains import (documents
and disputes check a transaction, the payment webhooks move one): the answer's models are this
route's, and their module costs every other function's cold start a few milliseconds.
"""

from paylox.auth import Principal
from paylox.paging import Page
from paylox.transactions import store
from paylox.transactions.schemas import TransactionOut


def list_for(principal: Principal, limit: int, cursor: str | None) -> Page[TransactionOut]:
    """The caller's transactions as buyer or seller, newest first, keyset-paginated."""
    rows, next_cursor = store.page_of_party(principal.user_id, limit, cursor)
    items = [TransactionOut.from_row(row, with_timeline=False) for row in rows]
    return Page[TransactionOut](items=items, next_cursor=next_cursor)
