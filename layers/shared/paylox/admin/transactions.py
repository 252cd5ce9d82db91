"""The back office's view of transactions: the list over every transaction, and one transaction
with everything around it (its parties, disputes, evidence and audit trail)."""

from __future__ import annotations

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
