"""The back office's list over every transaction (``GET /api/admin/transactions/list``).

Apart from one transaction's details (:mod:`paylox.admin.transactions`), which load the disputes,
evidence and audit views: the list needs none of them, and their modules cost its cold start.
"""

from paylox import clock
from paylox.paging import Page
from paylox.transactions import store
from paylox.transactions.listing import ISTANBUL, TxnFilter, plan
from paylox.transactions.schemas import TransactionOut


def list_transactions(filters: TxnFilter, limit: int, cursor: str | None) -> Page[TransactionOut]:
    """Transactions matching ``filters``, newest first, keyset-paginated; always a Query on an
    index (``400 INVALID_CURSOR`` for a cursor this list did not issue)."""
    after = store.ADMIN_LIST.after(cursor)
    after_id = after["id"] if after else None
    today = clock.now().astimezone(ISTANBUL).date()
    rows = store.page_of_plan(plan(filters, today, after_id), limit, after_id)
    page, next_cursor = store.ADMIN_LIST.page(rows, limit)
    return Page[TransactionOut](
        items=[TransactionOut.from_row(row, with_timeline=False) for row in page], next_cursor=next_cursor
    )
