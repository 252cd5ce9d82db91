"""The back office's transaction list and exports, measured: ``make bench`` (or
``python -m bench.admin_transactions``).

1. **Requests per page under a selective filter.** Transactions are written to moto (in process),
   then the admin list pages through filters of different selectivity; the report says, per
   filter, how many DynamoDB requests a page cost and how many rows they read per row returned.
   An index that keys the filter costs one request a page; a filter the index does not key costs
   more, growing with how few rows match.
2. **Export of 100k rows.** The worker's real CSV and XLSX paths, fed synthetic index pages (so
   the bench measures the worker, not moto) and writing to a sink that counts bytes: peak Python
   memory over the worker's baseline (tracemalloc), as a ratio of the 128 MB budget, and rows per
   second.

No thresholds: the numbers are for reading, ``.bench/admin_transactions.json`` for comparing runs.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any
from unittest import mock

from devstack.template import REGION, ROOT

RESULTS = ROOT / ".bench" / "admin_transactions.json"
MEMORY_BUDGET_MB = 128
STATUSES = ("CREATED", "PAYMENT_PENDING", "SHIPPED", "COMPLETED", "CANCELLED")  # and 1% FUNDED


@contextmanager
def counted_requests() -> Iterator[dict[str, int]]:
    """Every DynamoDB request PynamoDB makes, by operation."""
    from pynamodb.connection.base import Connection

    counts: dict[str, int] = {}
    original = Connection._make_api_call

    def counting(self: Connection, operation_name: str, operation_kwargs: dict[str, Any]) -> dict[str, Any]:
        counts[operation_name] = counts.get(operation_name, 0) + 1
        return original(self, operation_name, operation_kwargs)

    with mock.patch.object(Connection, "_make_api_call", counting):
        yield counts


def row(index: int, moment: datetime) -> Any:
    """A stored transaction, as the service would write it (the bench writes rows directly)."""
    from paylox import clock
    from paylox.ids import new_id
    from paylox.transactions.listing import istanbul_month
    from paylox.transactions.models import TimelineEntry, TransactionRow

    at = clock.isoformat(moment)
    status = "FUNDED" if index % 100 == 0 else STATUSES[index % len(STATUSES)]
    return TransactionRow(
        new_id("txn"),
        buyer_id=f"user-{index % 50}",
        seller_id=f"seller-{index % 7}",
        amount=1_000 + (index * 7919) % 100_003,  # amounts not in creation order
        currency="TRY",
        description=f"Ürün {index}",
        status=status,
        created_at=at,
        created_month=istanbul_month(moment),
        updated_at=at,
        timeline=[TimelineEntry(at=at, status=status, event="bench", actor_id="bench", actor_role="system")],
    )


def list_bench(count: int) -> dict[str, Any]:
    from moto import mock_aws

    from devstack.provision import provision
    from devstack.stack import dev_stack
    from paylox import clock
    from paylox.admin.transaction_list import list_transactions
    from paylox.transactions.listing import TxnFilter
    from paylox.transactions.models import TransactionRow
    from paylox.transactions.states import TxnStatus

    filters = {
        "no filter (by_month)": TxnFilter(),
        "status=FUNDED, 1% (by_status)": TxnFilter(statuses=(TxnStatus.FUNDED,)),
        "buyer_id (by_buyer)": TxnFilter(buyer_id="user-7"),
        "min_amount, top 1% (by_month + filter)": TxnFilter(min_amount=1_000 + 100_003 - 1_000),
        "status=FUNDED + seller_id (by_seller + filter)": TxnFilter(statuses=(TxnStatus.FUNDED,), seller_id="seller-0"),
    }
    report: dict[str, Any] = {}
    with mock_aws():
        provision(dev_stack())
        start = clock.now() - timedelta(days=count // 1000 + 1)
        with TransactionRow.batch_write() as batch:
            for index in range(count):
                batch.save(row(index, start + timedelta(seconds=index * 60)))
        for name, chosen in filters.items():
            with counted_requests() as counts:
                page = list_transactions(chosen, 20, None)
            requests = sum(counts.values())
            report[name] = {"requests_per_page": requests, "items": len(page.items), "operations": counts}
    return report


def synthetic_pages(count: int, page_rows: int) -> Any:
    """A stand-in for ``page_of_plan``: ``count`` transactions, a page at a time. One page of rows
    is made once and handed out again, so the bench times the worker, not the making of rows."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    page = [row(index, start + timedelta(seconds=index)) for index in range(page_rows + 1)]
    served = [0]

    def page_of_plan(plan: Any, limit: int, after: str | None) -> list[Any]:
        first = served[0] if after else 0
        taken = page[: max(min(limit + 1, count - first), 0)]
        served[0] = first + min(limit, len(taken))
        return taken

    return page_of_plan


def export_bench(count: int, fmt: str) -> dict[str, Any]:
    from paylox.exports import files, worker
    from paylox.exports import store as exports_store
    from paylox.exports.models import ExportJobRow
    from paylox.transactions import store as transactions_store

    written = [0]
    job = ExportJobRow(
        "exp_bench",
        requested_by="bench",
        format=fmt,
        filters='{"buyer_id": null, "from_date": null, "max_amount": null, "min_amount": null, '
        '"seller_id": null, "statuses": [], "to_date": null, "user_id": null}',
        listed_on=date(2026, 11, 29).isoformat(),
        status="RUNNING",
        created_at="",
        updated_at="",
        expires_at="",
        runs=1,
    )

    def upload_part(key: str, upload_id: str, number: int, body: bytes) -> dict[str, Any]:
        written[0] += len(body)
        return {"PartNumber": number, "ETag": str(number)}

    patches = [
        mock.patch.object(transactions_store, "page_of_plan", synthetic_pages(count, worker.PAGE_ROWS)),
        mock.patch.object(exports_store, "save", return_value=True),
        mock.patch.object(files, "start_upload", return_value="upload"),
        mock.patch.object(files, "upload_part", upload_part),
        mock.patch.object(files, "complete_upload", return_value=None),
        mock.patch.object(worker, "_ready", return_value=None),
    ]
    for patch in patches:
        patch.start()
    try:
        began = time.perf_counter()
        _export(worker, job, fmt)
        elapsed = time.perf_counter() - began
        written[0] = 0
        tracemalloc.start()  # slows Python down: a second run, for memory only
        baseline, _ = tracemalloc.get_traced_memory()
        _export(worker, job, fmt)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        for patch in patches:
            patch.stop()
    peak_mb = (peak - baseline) / 1024 / 1024
    return {
        "rows": count,
        "bytes": written[0],
        "peak_mb_over_baseline": round(peak_mb, 1),
        "of_budget": round(peak_mb / MEMORY_BUDGET_MB, 3),
        "rows_per_second": round(count / elapsed),
    }


def _export(worker: Any, job: Any, fmt: str) -> None:
    job.format = fmt
    worker._stream(job, 1, lambda: 900_000, worker.PART_BYTES, worker.SHEET_ROWS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list-rows", type=int, default=3000, help="transactions in the list bench")
    parser.add_argument("--export-rows", type=int, default=100_000, help="rows in the export bench")
    args = parser.parse_args()
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",  # noqa: S106 - moto's, not a secret
        AWS_REGION=REGION,
        AWS_DEFAULT_REGION=REGION,
        POWERTOOLS_METRICS_DISABLED="true",
        POWERTOOLS_LOG_LEVEL="WARNING",
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)  # moto in process
    from devstack.stack import dev_stack

    os.environ.update(dev_stack().environment())
    results = {
        "list": list_bench(args.list_rows),
        "export_csv": export_bench(args.export_rows, "csv"),
        "export_xlsx": export_bench(args.export_rows, "xlsx"),
    }
    print(f"Admin list, {args.list_rows} transactions, page of 20:")
    for name, found in results["list"].items():
        print(f"  {name:50} {found['requests_per_page']:4} requests/page, {found['items']} items")
    for fmt in ("csv", "xlsx"):
        found = results[f"export_{fmt}"]
        print(
            f"Export {fmt}, {found['rows']} rows: peak {found['peak_mb_over_baseline']} MB over the baseline "
            f"({found['of_budget']:.2f} of {MEMORY_BUDGET_MB} MB), {found['rows_per_second']} rows/s"
        )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
