"""The refund bookkeeping: each refund id is counted once, however often or however concurrently
it is recorded."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from paylox.audit import audit_trail
from paylox.auth import SYSTEM
from paylox.transactions import service
from paylox.transactions.service import find_transaction
from tests.integration.steps import funded_transaction as funded


def books(txn_id: str) -> tuple[list[str], int]:
    txn = find_transaction(txn_id)
    assert txn is not None
    return [entry.refund_id for entry in txn.refunds or []], int(txn.refunded_amount or 0)


def test_the_same_refund_recorded_twice_is_counted_once():
    # Given a funded transaction with a partial refund recorded
    txn_id = funded(100000)
    first = find_transaction(txn_id)
    assert first is not None
    service.record_refund(first, SYSTEM, refund_id="rf_1", amount=30000)

    # When the same refund is recorded again, from a copy read before the first write
    stale = find_transaction(txn_id)
    assert stale is not None
    stale.refunds, stale.refund_ids, stale.refunded_amount = None, None, 0
    again = service.record_refund(stale, SYSTEM, refund_id="rf_1", amount=30000)

    # Then it is one refund of 300 TRY, and the repeat returned the stored row
    assert books(txn_id) == (["rf_1"], 30000)
    assert int(again.refunded_amount) == 30000
    assert [r.action for r in audit_trail(txn_id)].count("TRANSACTION_PARTIAL_REFUND") == 1


def test_the_same_refund_recorded_concurrently_is_counted_once():
    # Given a funded transaction, read by several deliveries of one refund at once
    txn_id = funded(100000)
    readers = [find_transaction(txn_id) for _ in range(4)]
    start = threading.Barrier(len(readers))

    def record(txn):
        start.wait()
        return service.record_refund(txn, SYSTEM, refund_id="rf_same", amount=25000)

    # When they all record it
    with ThreadPoolExecutor(max_workers=len(readers)) as pool:
        rows = list(pool.map(record, readers))

    # Then the books hold it once, and every caller got the stored row back
    assert books(txn_id) == (["rf_same"], 25000)
    assert all(int(row.refunded_amount) == 25000 for row in rows)


def test_a_refund_in_full_repeated_is_a_no_op():
    # Given a transaction refunded in full
    txn_id = funded(100000)
    txn = find_transaction(txn_id)
    assert txn is not None
    service.refund_in_full(txn, SYSTEM, refund_id="rf_all", amount=100000)

    # When the same refund arrives again on a copy read before it was recorded
    stale = find_transaction(txn_id)
    assert stale is not None
    stale.status, stale.refunds, stale.refund_ids, stale.refunded_amount = "FUNDED", None, None, 0
    service.refund_in_full(stale, SYSTEM, refund_id="rf_all", amount=100000)

    # Then nothing is counted twice
    assert books(txn_id) == (["rf_all"], 100000)
    assert find_transaction(txn_id).status == "REFUNDED"
