"""The export worker: reads the transaction list index page by page and streams it to S3.

Memory does not grow with the row count: one index page (:data:`PAGE_ROWS` rows) and at most one
part (:data:`PART_BYTES`) of the file are held at a time, in an S3 multipart upload, for CSV and
XLSX alike (XLSX is written as a zip stream, :mod:`paylox.exports.xlsx`).

An export longer than one function run continues in the next: after each part is uploaded the
job records the cursor (the last transaction id written), the rows so far, the uploaded parts and,
for XLSX, the workbook's state (bytes written, each zip entry's CRC and sizes); when less than
:data:`RESERVE_MS` is left, that same write announces the next run (``TransactionsExportContinued``,
through the outbox) and this one stops. Every run is numbered: an event whose run is not the job's
next (a redelivery) is ignored, and claiming the run is a write conditioned on the version read, so
one worker works on a job at a time. XLSX past Excel's row limit continues on a new sheet.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from paylox import clock
from paylox.exports import files, store
from paylox.exports.models import ExportJobRow, ExportStatus
from paylox.exports.rows import BOM, COLUMNS, csv_bytes, values
from paylox.exports.service import start_event
from paylox.exports.xlsx import XlsxState, XlsxStream
from paylox.observability import logger, metrics
from paylox.transactions import store as transactions
from paylox.transactions.listing import TxnFilter, plan
from paylox.transactions.models import TransactionRow

PAGE_ROWS = 1000
#: A CSV part: S3 needs at least 5 MiB for every part but the last.
PART_BYTES = 8 * 1024 * 1024
#: Stop and continue in a new run when less than this is left of the function's time.
RESERVE_MS = 120_000
#: Excel's 1,048,576 rows a sheet, less the header row.
SHEET_ROWS = 1_048_575

TimeLeft = Callable[[], int]


def run(
    export_id: str,
    run_number: int,
    time_left_ms: TimeLeft,
    *,
    part_bytes: int = PART_BYTES,
    sheet_rows: int = SHEET_ROWS,
) -> str:
    """Do run ``run_number`` of the export (see the module); the job's status afterwards."""
    job = store.find(export_id)
    if job is None or job.status in (ExportStatus.READY, ExportStatus.FAILED) or run_number != int(job.runs) + 1:
        logger.info("export run ignored", extra={"export_id": export_id, "run": run_number})
        return job.status if job else "MISSING"
    if not store.save(job, {"status": ExportStatus.RUNNING.value, "runs": run_number, "updated_at": clock.now_iso()}):
        return job.status  # another worker claimed this run
    try:
        _stream(job, run_number, time_left_ms, part_bytes, sheet_rows)
    except Exception as exc:
        logger.exception("export failed", extra={"export_id": export_id})
        metrics.add_metric(name="ExportFailures", unit="Count", value=1)
        _failed(job, exc)
    return job.status


def batches(job: ExportJobRow, after: str | None) -> Iterator[tuple[list[TransactionRow], bool]]:
    """The job's transactions below the id ``after``, newest first, a page at a time, each with
    whether more follow."""
    filters = TxnFilter.from_json(job.filters)
    listed_on = date.fromisoformat(job.listed_on)
    while True:
        found = transactions.page_of_plan(plan(filters, listed_on, after), PAGE_ROWS, after)
        batch, more = found[:PAGE_ROWS], len(found) > PAGE_ROWS
        if batch:
            yield batch, more
        if not more:
            return
        after = batch[-1].id


class _CsvFile:
    """CSV: UTF-8 with a BOM; nothing to carry between runs but the cursor."""

    fmt = "csv"

    def __init__(self, job: ExportJobRow, sheet_rows: int) -> None:
        del job, sheet_rows

    def begin(self) -> bytes:
        return BOM + csv_bytes([COLUMNS])

    def page(self, batch: list[TransactionRow]) -> bytes:
        return csv_bytes(values(txn) for txn in batch)

    def checkpoint(self) -> bytes:
        return b""

    def end(self) -> bytes:
        return b""

    def saved(self) -> dict[str, Any]:
        return {}


class _XlsxFile:
    """XLSX as a zip stream (:mod:`paylox.exports.xlsx`) whose state travels with the job."""

    fmt = "xlsx"

    def __init__(self, job: ExportJobRow, sheet_rows: int) -> None:
        state = XlsxState.model_validate_json(job.xlsx_state) if job.xlsx_state else None
        self.stream, self.sheet_rows = XlsxStream(state), sheet_rows

    def begin(self) -> bytes:
        return self.stream.start_sheet()

    def page(self, batch: list[TransactionRow]) -> bytes:
        out = bytearray()
        for txn in batch:
            if self.stream.rows_in_sheet >= self.sheet_rows:  # Excel's limit: on a new sheet
                out += self.stream.start_sheet()
            out += self.stream.row(values(txn))
        return bytes(out)

    def checkpoint(self) -> bytes:
        return self.stream.checkpoint()

    def end(self) -> bytes:
        return self.stream.finish()

    def saved(self) -> dict[str, Any]:
        return {"xlsx_state": self.stream.state.model_dump_json()}


def _stream(job: ExportJobRow, run_number: int, time_left_ms: TimeLeft, part_bytes: int, sheet_rows: int) -> None:
    """Write the job's file into its multipart upload, page by page, from its cursor; after each
    part, record how far it got, and stop for a new run when time runs short."""
    file = (_XlsxFile if job.format == "xlsx" else _CsvFile)(job, sheet_rows)
    buffer = bytearray()
    if job.upload_id is None:
        key = files.key_of(job.export_id, file.fmt)
        upload_id = files.start_upload(key, file.fmt)
        if not store.save(job, {"object_key": key, "upload_id": upload_id}):
            files.abort_upload(key, upload_id)  # another worker has the job
            return
        buffer += file.begin()
    key, upload_id = str(job.object_key), str(job.upload_id)
    parts: list[dict[str, Any]] = json.loads(job.parts or "[]")
    rows = int(job.rows)
    for batch, more in batches(job, job.cursor):
        buffer += file.page(batch)
        rows += len(batch)
        if more and len(buffer) >= part_bytes:
            buffer += file.checkpoint()
            parts.append(files.upload_part(key, upload_id, len(parts) + 1, bytes(buffer)))
            buffer.clear()
            later = time_left_ms() < RESERVE_MS
            progress = {"cursor": batch[-1].id, "rows": rows, "parts": json.dumps(parts), **file.saved()}
            progress["updated_at"] = clock.now_iso()
            if not store.save(job, progress, [start_event(job, run=run_number + 1)] if later else []):
                return  # someone else works on the job now
            if later:
                logger.info("export continues in a new run", extra={"export_id": job.export_id, "rows": rows})
                return
    buffer += file.end()
    if buffer or not parts:
        parts.append(files.upload_part(key, upload_id, len(parts) + 1, bytes(buffer)))
    files.complete_upload(key, upload_id, parts)
    _ready(job, rows)


def _ready(job: ExportJobRow, rows: int) -> None:
    store.save(job, {"status": ExportStatus.READY.value, "rows": rows, "cursor": None, "updated_at": clock.now_iso()})
    metrics.add_metric(name="ExportRows", unit="Count", value=rows)


def _failed(job: ExportJobRow, exc: Exception) -> None:
    try:
        job.refresh(consistent_read=True)
        if job.upload_id and job.object_key:
            files.abort_upload(job.object_key, job.upload_id)
        store.save(
            job, {"status": ExportStatus.FAILED.value, "error": type(exc).__name__, "updated_at": clock.now_iso()}
        )
    except Exception:  # the job stays RUNNING; the admin asks again
        logger.exception("could not mark the export failed", extra={"export_id": job.export_id})
