"""The back office's transaction list: the Queries of a :class:`~paylox.transactions.listing.ListPlan`
and the filter of what the index cannot select.

Part of :mod:`paylox.transactions.store` (import that, not this).
"""

from __future__ import annotations

from pynamodb.expressions.condition import Condition
from pynamodb.indexes import GlobalSecondaryIndex

from paylox.ids import ID_PATTERN
from paylox.paging import Keyset
from paylox.transactions.listing import IndexName, ListPlan
from paylox.transactions.models import TransactionRow

#: The back office's list: newest first, continued below the last id (every index sorts by id).
ADMIN_LIST: Keyset[TransactionRow] = Keyset(
    "admin-transactions", key=lambda row: {"id": row.id}, fields={"id": ID_PATTERN}
)
#: Rows read per request when a filter may drop most of them: fewer round trips per page.
FILTERED_PAGE_SIZE = 200
_INDEXES: dict[IndexName, GlobalSecondaryIndex[TransactionRow]] = {
    "by_buyer": TransactionRow.by_buyer,
    "by_seller": TransactionRow.by_seller,
    "by_status": TransactionRow.by_status,
    "by_month": TransactionRow.by_month,
}


def page_of_plan(plan: ListPlan, limit: int, after: str | None) -> list[TransactionRow]:
    """Up to ``limit + 1`` rows of ``plan`` (:mod:`paylox.transactions.listing`) below the id
    ``after``, newest first: each group's Queries merged by id, group after group."""
    condition = _id_between(*plan.bounds(after))
    filters = _filter_of(plan)
    page_size = FILTERED_PAGE_SIZE if filters is not None else limit + 1
    rows: list[TransactionRow] = []
    for group in plan.groups:
        wanted = limit + 1 - len(rows)
        found = [
            row
            for source in group
            for row in _INDEXES[source.index].query(
                source.key, condition, filters, scan_index_forward=False, limit=wanted, page_size=page_size
            )
        ]
        rows.extend(sorted(found, key=lambda row: row.id, reverse=True)[:wanted])
        if len(rows) > limit:
            break
    return rows


def _id_between(low: str | None, high: str | None) -> Condition | None:
    if low is not None and high is not None:
        return TransactionRow.id.between(low, high)
    if high is not None:
        return TransactionRow.id <= high
    return TransactionRow.id >= low if low is not None else None


def _filter_of(plan: ListPlan) -> Condition | None:
    conditions: list[Condition] = []
    if plan.statuses:
        conditions.append(TransactionRow.status.is_in(*sorted(plan.statuses)))
    if plan.buyer_id:
        conditions.append(TransactionRow.buyer_id == plan.buyer_id)
    if plan.seller_id:
        conditions.append(TransactionRow.seller_id == plan.seller_id)
    if plan.user_id:
        conditions.append((TransactionRow.buyer_id == plan.user_id) | (TransactionRow.seller_id == plan.user_id))
    if plan.min_amount is not None:
        conditions.append(TransactionRow.amount >= plan.min_amount)
    if plan.max_amount is not None:
        conditions.append(TransactionRow.amount <= plan.max_amount)
    combined: Condition | None = None
    for condition in conditions:
        combined = condition if combined is None else combined & condition
    return combined
