"""The scheduled cleanup: what the upload pipeline leaves behind.

1. Uploads never completed: documents still ``AWAITING_UPLOAD`` after their upload window. If
   the file did arrive (its notification was lost) it is processed now; otherwise the document
   is expired (``DELETED`` by the system).
2. Deleted documents past retention: every version of their files is purged.
3. Objects without a document: anything in ``uploads/`` that no document is waiting for.
4. Overdue malware verdicts: documents ``PENDING_SCAN`` past ``DOCUMENT_SCAN_TIMEOUT_MINUTES`` are
   scanned again, then flagged to staff (:mod:`paylox.documents.scan_timeout`).

The first two and the fourth read the sparse ``by_sweep`` index (never a table scan), the third lists only the
``uploads/`` prefix, which holds files in flight. Each step re-reads the document and rechecks
before acting, so a run can be repeated or retried at any point.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from paylox import clock
from paylox.audit import audit_record
from paylox.auth import SYSTEM
from paylox.documents import scan_timeout, storage, store
from paylox.documents.models import DocumentRow, Sweep
from paylox.documents.processing import LEASE_SECONDS, ScannerChoice, process_upload
from paylox.documents.states import EXPIRE_UPLOAD, DocStatus
from paylox.observability import logger, metrics

#: An object in uploads/ younger than this may still be waiting for its notification.
ORPHAN_GRACE = timedelta(hours=1)
#: Documents handled per sweep and run; the next run continues (the schedule is every 15 minutes).
BATCH = 200
# Statuses whose upload object has been dealt with: anything left in uploads/ is stray.
_UPLOAD_DONE = frozenset({DocStatus.AVAILABLE, DocStatus.VERIFIED, DocStatus.REJECTED})


@dataclass
class CleanupReport:
    expired: int = 0
    reprocessed: int = 0
    purged: int = 0
    orphans: int = 0
    rescanned: int = 0
    flagged: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def run_cleanup(*, scanner: ScannerChoice = "configured") -> CleanupReport:
    """One pass of the four sweeps; returns what it did."""
    report = CleanupReport()
    now = clock.now_iso()
    for document_id in _due(Sweep.UPLOAD, now):
        _count(report, _sweep_upload, document_id, scanner)
    for document_id in _due(Sweep.PURGE, now):
        _count(report, _purge, document_id)
    for key in storage.list_uploads(modified_before=clock.now() - ORPHAN_GRACE):
        _count(report, _remove_orphan, key)
    for document_id in _due(Sweep.SCAN, now):
        _count(report, scan_timeout.chase, document_id, scanner)
    logger.info("document cleanup", extra=report.as_dict())
    if report.failed:
        metrics.add_metric(name="DocumentCleanupFailures", unit="Count", value=report.failed)
    return report


def _count(report: CleanupReport, step: Callable[..., str | None], subject: str, *args: Any) -> None:
    """Run one step and count its outcome (the name of a report field, or None for nothing done)."""
    # One document that cannot be cleaned must not stop the others; the next run tries it again.
    try:
        outcome = step(subject, *args)
    except Exception:
        logger.exception("document cleanup step failed", extra={"subject": subject})
        report.failed += 1
        return
    if outcome is not None:
        setattr(report, outcome, getattr(report, outcome) + 1)


def _due(sweep: Sweep, now: str) -> list[str]:
    return store.due_for_sweep(sweep, now, BATCH)


def _sweep_upload(document_id: str, scanner: ScannerChoice) -> str | None:
    doc = store.find_document(document_id)
    if doc is None:
        return None
    if doc.status != DocStatus.AWAITING_UPLOAD:
        _clear_sweep(doc)  # moved on without clearing it (should not happen): just forget it
        return None
    lease_live = doc.processing_since and doc.processing_since > clock.isoformat(
        clock.now() - timedelta(seconds=LEASE_SECONDS)
    )
    if lease_live:
        return None  # being processed right now
    if storage.object_exists(doc.upload_key):  # it arrived, but its notification was lost
        process_upload(doc, None, scanner=scanner)
        return "reprocessed"
    now = clock.now_iso()
    store.commit(
        doc,
        EXPIRE_UPLOAD,
        SYSTEM,
        changes={
            "deleted_at": now,
            "deleted_by": SYSTEM.id,
            "purged_at": now,  # there is no file to keep
            "processing_since": None,
            "sweep": None,
            "sweep_at": None,
        },
        reason="the upload never completed",
    )
    return "expired"


def _purge(document_id: str) -> str | None:
    doc = store.find_document(document_id)
    if doc is None:
        return None
    if doc.status != DocStatus.DELETED or doc.purged_at:
        _clear_sweep(doc)
        return None
    removed = sum(
        storage.delete_all_versions(key)
        for key in (doc.upload_key, storage.document_key(doc.id), storage.preview_key(doc.id))
    )
    now = clock.now_iso()
    # The mark and its audit record are one DynamoDB transaction: a run dying before it leaves the
    # document due, and the next run (finding no versions left) records the purge then.
    record = audit_record(
        "DOCUMENT_PURGED", doc.id, SYSTEM, after={"purged_at": now, "object_versions_removed": removed}
    )
    store.update_in_state(doc, {"purged_at": now, "sweep": None, "sweep_at": None}, record=record)
    return "purged"


def _remove_orphan(key: str) -> str | None:
    document_id = storage.document_id_from_upload_key(key)
    doc = store.find_document(document_id) if document_id else None
    if doc is not None and doc.status not in _UPLOAD_DONE:
        return None  # still awaited, under scan, quarantined or kept until its purge
    storage.delete_all_versions(key)
    logger.info("removed an orphaned upload", extra={"key": key, "document_id": document_id})
    return "orphans"


def _clear_sweep(doc: DocumentRow) -> None:
    store.update_in_state(doc, {"sweep": None, "sweep_at": None})
