"""The stored transactions: the only package that reads or writes :class:`TransactionRow`.

Moves go through :func:`paylox.statemachine.commit_move` with this domain's :data:`MACHINE`
(:mod:`.machine`); single rows by id are in :mod:`.rows`; the refund bookkeeping (``refunds``,
``refunded_amount``, ``refund_ids``) is written by :func:`record_refund` only (:mod:`.refunds`),
whether a refund moves the transaction or not; so are the late payments of a cancelled transaction
and their refunds (``late_payments``, ``late_payment_ids``, :mod:`.late_payments`). A party's lists
are in :mod:`.party`, the back office's in :mod:`.admin_list`. Callers import this package only.
"""

from __future__ import annotations

from paylox.transactions.store.admin_list import ADMIN_LIST, FILTERED_PAGE_SIZE, page_of_plan
from paylox.transactions.store.late_payments import (
    LEASE_SECONDS,
    LatePayment,
    RefundState,
    claim_late_refund,
    late_payment,
    record_late_refund,
    refund_states,
    release_late_refund,
)
from paylox.transactions.store.machine import MACHINE, event_detail, released_amount, timeline_entry
from paylox.transactions.store.party import NEWEST_FIRST, every_transaction, newest_as, page_as, page_of_party
from paylox.transactions.store.refunds import Refund, record_refund, refund_ids
from paylox.transactions.store.rows import (
    add_flag,
    claim_refund,
    clear_refund_claim,
    find,
    insert,
    release_refund_claim,
    unchanged_since,
)

__all__ = [
    "ADMIN_LIST",
    "FILTERED_PAGE_SIZE",
    "LEASE_SECONDS",
    "MACHINE",
    "NEWEST_FIRST",
    "LatePayment",
    "Refund",
    "RefundState",
    "add_flag",
    "claim_late_refund",
    "claim_refund",
    "clear_refund_claim",
    "event_detail",
    "every_transaction",
    "find",
    "insert",
    "late_payment",
    "newest_as",
    "page_as",
    "page_of_party",
    "page_of_plan",
    "record_late_refund",
    "record_refund",
    "refund_ids",
    "refund_states",
    "release_late_refund",
    "release_refund_claim",
    "released_amount",
    "timeline_entry",
    "unchanged_since",
]
