"""A party's transactions (as buyer, seller or either, newest first) and the whole history, status
by status: Queries of the ``by_buyer``, ``by_seller`` and ``by_status`` indexes, never a Scan.

Part of :mod:`paylox.transactions.store` (import that, not this).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from paylox.ids import ID_PATTERN
from paylox.paging import Keyset
from paylox.transactions.models import TransactionRow
from paylox.transactions.states import TxnStatus

#: A party's transactions: newest first, continued after the last transaction id.
NEWEST_FIRST: Keyset[TransactionRow] = Keyset("transactions", key=lambda row: {"id": row.id}, fields={"id": ID_PATTERN})


def page_of_party(user_id: str, limit: int, cursor: str | None) -> tuple[list[TransactionRow], str | None]:
    """``user_id``'s transactions as buyer or seller, newest first, and the cursor of the next page.

    Both indexes are sorted by id (time-sortable), so one cursor continues both. Each index gives
    at most ``limit + 1`` rows; the newest ``limit`` of the union are the page, and a surplus row
    means there is another page. Raises ``InvalidCursor`` for a cursor this list did not issue.
    """
    after = NEWEST_FIRST.after(cursor)
    range_key_condition = TransactionRow.id < after["id"] if after else None
    as_buyer = TransactionRow.by_buyer.query(user_id, range_key_condition, scan_index_forward=False, limit=limit + 1)
    as_seller = TransactionRow.by_seller.query(user_id, range_key_condition, scan_index_forward=False, limit=limit + 1)
    merged = sorted([*as_buyer, *as_seller], key=lambda row: row.id, reverse=True)
    return NEWEST_FIRST.page(merged, limit)


def page_as(
    role: Literal["buyer", "seller"], user_id: str, limit: int, cursor: str | None
) -> tuple[list[TransactionRow], str | None]:
    """``user_id``'s transactions as ``role`` only, newest first: one Query of ``by_buyer`` or
    ``by_seller`` (the same cursors as :func:`page_of_party`)."""
    after = NEWEST_FIRST.after(cursor)
    index = TransactionRow.by_buyer if role == "buyer" else TransactionRow.by_seller
    rows = index.query(
        user_id, TransactionRow.id < after["id"] if after else None, scan_index_forward=False, limit=limit + 1
    )
    return NEWEST_FIRST.page(list(rows), limit)


def newest_as(role: Literal["buyer", "seller"], user_id: str, at_most: int) -> list[tuple[str, int]]:
    """(status, amount) of ``user_id``'s newest ``at_most`` transactions as ``role``, newest first.

    One Query of ``by_buyer``/``by_seller`` projecting two attributes, paged by DynamoDB at 1 MB:
    it reads every one of those items (≈1 read unit per 8 KB eventually consistent), so its cost
    grows with ``at_most``, never with the table."""
    index = TransactionRow.by_buyer if role == "buyer" else TransactionRow.by_seller
    rows = index.query(user_id, scan_index_forward=False, limit=at_most, attributes_to_get=["status", "amount"])
    return [(row.status, int(row.amount)) for row in rows]


def every_transaction() -> Iterator[TransactionRow]:
    """Every transaction, status by status through the ``by_status`` index (never a Scan): for
    recomputing the statistics, which must see the whole history."""
    for status in TxnStatus:
        yield from TransactionRow.by_status.query(status.value)
