"""Chasing a malware verdict that never came: a document does not stay ``PENDING_SCAN`` forever.

Held for a scan, a document carries the ``scan`` sweep, due ``DOCUMENT_SCAN_TIMEOUT_MINUTES``
later; any verdict moves it on and clears the sweep. The hourly cleanup (:mod:`.cleanup`) takes
the documents still due:

1. the first time, the file is scanned again: GuardDuty scans only objects as they are written,
   so the validated version is copied onto its own key (a new version, which GuardDuty scans and
   whose verdict the document then waits for); a scanner that answers at once is simply asked
   again, and its verdict applied. The sweep is due again after another timeout.
2. the second time, staff are told (an ``AdminAlert`` ``SCAN_TIMEOUT``) and the sweep ends; the
   document stays unavailable until a verdict arrives or staff decide.

Each step is a conditional write on the document's status, so a run repeated or retried at any
point does each step once.
"""

from __future__ import annotations

from typing import Any

from paylox import clock
from paylox.audit import audit_record
from paylox.auth import SYSTEM
from paylox.config import get_settings
from paylox.documents import storage, store
from paylox.documents.models import DocumentRow, Sweep
from paylox.documents.processing import ScannerChoice, handle_scan_result
from paylox.documents.scanning import GuardDutyScanner, ObjectScanResult, get_scanner, scan_deadline
from paylox.documents.states import DocStatus
from paylox.events import DomainEvent
from paylox.notify.alerts import ALERT_EVENT
from paylox.observability import logger, metrics

SCAN_TIMEOUT = "SCAN_TIMEOUT"


def chase(document_id: str, scanner: ScannerChoice = "configured") -> str | None:
    """One step for a document whose verdict is overdue: ``"rescanned"``, ``"flagged"``, or None
    when there was nothing to do (it moved on meanwhile)."""
    doc = store.find_document(document_id)
    if doc is None or (doc.sweep == Sweep.SCAN and (doc.sweep_at or "") > clock.now_iso()):
        return None  # due later: another cleanup run took this step since the list was read
    if doc.status != DocStatus.PENDING_SCAN or doc.scan_flagged_at:
        store.update_in_state(doc, {"sweep": None, "sweep_at": None})
        return None
    if not doc.scan_rescanned_at:
        return "rescanned" if _rescan(doc, get_scanner() if scanner == "configured" else scanner) else None
    _flag(doc)
    return "flagged"


def _rescan(doc: DocumentRow, scanner: Any) -> bool:
    # Marked first (and due again): the copy's S3 notification must find it expected. Of two
    # cleanup runs at once, the one that marks it rescans (False for the other).
    record = audit_record("DOCUMENT_RESCANNED", doc.id, SYSTEM, reason="no malware verdict in time")
    if not store.mark_rescanned(doc, {"scan_rescanned_at": clock.now_iso(), **scan_deadline(Sweep.SCAN)}, record):
        return False
    metrics.add_metric(name="DocumentRescans", unit="Count", value=1)
    if scanner is None or isinstance(scanner, GuardDutyScanner):
        metadata = {"document-id": doc.id, "rescan-of": doc.upload_version or ""}
        copied = storage.copy_object(
            doc.upload_key, doc.upload_version, doc.upload_key, doc.content_type or "", metadata
        )
        store.update_in_state(doc, {"upload_version": copied or None})
        return True
    stored = storage.read_object(doc.upload_key, doc.upload_version, max_bytes=get_settings().document_max_bytes)
    verdict = scanner.check_for_malware(stored.data) if stored is not None and stored.data is not None else None
    if verdict is not None:
        bucket = get_settings().documents_bucket
        handle_scan_result(ObjectScanResult(bucket, doc.upload_key, doc.upload_version, verdict))
    return True


def _flag(doc: DocumentRow) -> None:
    alert = DomainEvent(
        ALERT_EVENT,
        {
            "kind": SCAN_TIMEOUT,
            "reason": "no malware verdict after a rescan; the document stays unavailable",
            "document_id": doc.id,
            "owner_id": doc.owner_id,
            "purpose": doc.purpose,
            "filename": doc.filename,
            "held_since": doc.updated_at,
            "rescanned_at": doc.scan_rescanned_at,
        },
        "documents",
    )
    record = audit_record("DOCUMENT_SCAN_OVERDUE", doc.id, SYSTEM, reason="no malware verdict after a rescan")
    changes = {"scan_flagged_at": clock.now_iso(), "sweep": None, "sweep_at": None}
    store.update_in_state(doc, changes, record=record, events=[alert])
    metrics.add_metric(name="DocumentScanTimeouts", unit="Count", value=1)
    logger.warning("malware verdict overdue after a rescan", extra={"document_id": doc.id})
