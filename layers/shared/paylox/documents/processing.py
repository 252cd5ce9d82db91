"""Server-side processing of what lands in ``uploads/``.

Whatever the client declared, and whatever the presigned policy allowed, the stored object is
read back and validated here: size, emptiness, the type its bytes really are and whether that is
the type declared. Then the malware verdict decides: clean files are copied out of quarantine to
``documents/`` (with a preview for images) and become ``AVAILABLE``; infected ones are
``QUARANTINED``; unfinished scans and invalid files are ``REJECTED`` with a reason.

Delivery is at least once and in any order: the S3 notification, the multipart request that
stored the file, a retry, the cleanup and GuardDuty's verdict can all arrive for one document.
So processing first takes a short lease on the document (one processor at a time), every move is
a conditional write, a lost race re-reads and decides again, and each object version is judged
once: a second upload to the same key never replaces the version that was validated.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any, Literal
from urllib.parse import quote

from paylox import clock
from paylox.auth import SYSTEM
from paylox.config import get_settings
from paylox.documents import previews, scanning, storage, store, validation
from paylox.documents.errors import FileError, ScanFailed
from paylox.documents.models import DocumentRow, Sweep
from paylox.documents.scanning import ObjectScanResult, Scanner, ScanStatus, ScanVerdict, get_scanner
from paylox.documents.states import (
    ACCEPT,
    HOLD_FOR_SCAN,
    QUARANTINE,
    REJECT_FILE,
    REVIEW_REJECTION_CODE,
    DocStatus,
)
from paylox.observability import logger, metrics
from paylox.statemachine import LOST_RACE
from paylox.values import frozen

#: How long a processor may hold a document before another may take over (> the function timeout).
LEASE_SECONDS = 90
_ATTEMPTS = 3
# Uploads whose object is kept in uploads/ while in these states (the scan's subject, the evidence).
_KEEPS_UPLOAD = frozenset({DocStatus.PENDING_SCAN, DocStatus.QUARANTINED})

ScannerChoice = Scanner | None | Literal["configured"]


@frozen
class Facts:
    """What the stored bytes turned out to be."""

    version_id: str | None
    size: int
    sha256: str
    content_type: str
    filename: str

    def changes(self) -> dict[str, Any]:
        return {
            "upload_version": self.version_id,
            "size": self.size,
            "sha256": self.sha256,
            "content_type": self.content_type,
            "filename": self.filename,
        }


def _scanner(choice: ScannerChoice) -> Scanner | None:
    return get_scanner() if choice == "configured" else choice


# ---------------------------------------------------------------------------- entry points
def handle_uploaded_object(
    bucket: str, key: str, version_id: str | None, *, scanner: ScannerChoice = "configured"
) -> DocumentRow | None:
    """An object was created under ``uploads/`` (S3 notification)."""
    document_id = storage.document_id_from_upload_key(key)
    if bucket != get_settings().documents_bucket or document_id is None:
        logger.warning("ignoring an object that is not an upload", extra={"bucket": bucket, "key": key})
        return None
    doc = store.find_document(document_id)
    if doc is None or doc.status != DocStatus.AWAITING_UPLOAD:
        _discard_if_stray(doc, key, version_id)
        return doc
    return process_upload(doc, version_id, scanner=scanner)


def process_upload(doc: DocumentRow, version_id: str | None, *, scanner: ScannerChoice = "configured") -> DocumentRow:
    """Validate the stored upload of ``doc`` (the given version, or the current one) and move
    the document on. A no-op when another processor holds the document or it moved on."""
    if not _claim(doc, DocStatus.AWAITING_UPLOAD):
        return doc
    settings = get_settings()
    stored = storage.read_object(doc.upload_key, version_id, max_bytes=settings.document_max_bytes)
    if stored is None:  # not there (any more): the cleanup looks again when the upload window ends
        store.release_lease(doc)
        return doc
    try:
        validation.check_size(stored.size, settings.document_max_bytes)
        assert stored.data is not None  # read in full whenever the size is acceptable
        detected = validation.validate_file(
            stored.data, declared=doc.declared_content_type, max_bytes=settings.document_max_bytes
        )
    except FileError as error:
        return _reject(doc, stored.version_id, error, size=stored.size)
    return accept_received(doc, stored.data, stored.version_id, detected, scanner=scanner)


def accept_received(
    doc: DocumentRow,
    data: bytes,
    version_id: str | None,
    content_type: str,
    *,
    scanner: ScannerChoice = "configured",
) -> DocumentRow:
    """``data`` (stored as ``version_id``) passed validation: scan it, then make the document
    available, hold it for the scan's result, or quarantine it. The caller holds the lease."""
    facts = Facts(
        version_id=version_id,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content_type=content_type,
        filename=validation.sanitise_filename(doc.filename, content_type),
    )
    active = _scanner(scanner)
    immediate = active.check_for_malware(data) if active is not None else None
    for attempt in range(_ATTEMPTS):
        if doc.status != DocStatus.AWAITING_UPLOAD:
            return doc
        verdict = _recorded_verdict(doc, version_id) or immediate
        try:
            if verdict is None and active is None:  # scanning is off
                return _promote(doc, data, facts)
            if verdict is None:
                return store.commit(
                    doc,
                    HOLD_FOR_SCAN,
                    SYSTEM,
                    changes={**facts.changes(), **_SETTLED, **scanning.scan_deadline(Sweep.SCAN)},
                    audit_after={"content_type": facts.content_type, "size": facts.size},
                )
            return _apply_verdict(doc, verdict, facts, data)
        except LOST_RACE:
            if attempt == _ATTEMPTS - 1:
                raise  # retried by Lambda; the lease expires meanwhile
    return doc


def handle_scan_result(result: ObjectScanResult) -> DocumentRow | None:
    """GuardDuty's verdict on an object under ``uploads/``."""
    document_id = storage.document_id_from_upload_key(result.key)
    if result.bucket != get_settings().documents_bucket or document_id is None:
        return None
    doc = store.find_document(document_id)
    if doc is None:
        return None
    metrics.add_metric(name=f"DocumentScan{result.verdict.status.title().replace('_', '')}", unit="Count", value=1)
    for attempt in range(_ATTEMPTS):
        try:
            return _apply_scan_result(doc, result)
        except LOST_RACE:  # ``doc`` was re-read: decide again on what it is now
            if attempt == _ATTEMPTS - 1:
                raise
    return doc


# ---------------------------------------------------------------------------- decisions
def _apply_scan_result(doc: DocumentRow, result: ObjectScanResult) -> DocumentRow:
    status = DocStatus(doc.status)
    verdict, version = result.verdict, result.version_id
    if status == DocStatus.AWAITING_UPLOAD:
        if verdict.infected:
            return _quarantine(doc, verdict, version)
        # The verdict beat the processing: keep it for that version; processing will use it.
        return store.update_in_state(
            doc,
            {
                "scan_result": verdict.status.value,
                "scan_version": version or None,
                "scan_threats": list(verdict.threats),
            },
        )
    if version and doc.upload_version and version != doc.upload_version:
        logger.info("scan result for another version", extra={"document_id": doc.id})
        return doc
    if status == DocStatus.PENDING_SCAN:
        if verdict.clean:
            return _promote_scanned(doc)
        return _apply_verdict(doc, verdict, None, None)
    if status == DocStatus.REJECTED and verdict.infected and doc.rejection_code != REVIEW_REJECTION_CODE:
        return _quarantine(doc, verdict, version)
    return doc  # a repeated result, or one for a document that moved on


def _apply_verdict(doc: DocumentRow, verdict: ScanVerdict, facts: Facts | None, data: bytes | None) -> DocumentRow:
    if verdict.clean:
        assert facts is not None and data is not None
        return _promote(doc, data, facts)
    if verdict.infected:
        return _quarantine(doc, verdict, facts.version_id if facts else doc.upload_version, facts)
    version = facts.version_id if facts else doc.upload_version
    return _reject(doc, version, ScanFailed(scan_status=verdict.status.value), facts=facts)


def _recorded_verdict(doc: DocumentRow, version_id: str | None) -> ScanVerdict | None:
    if not doc.scan_result or (doc.scan_version or None) != version_id:
        return None
    return ScanVerdict(ScanStatus(doc.scan_result), tuple(doc.scan_threats or ()))


# ---------------------------------------------------------------------------- moves
def _promote(doc: DocumentRow, data: bytes, facts: Facts) -> DocumentRow:
    """Copy the validated version out of quarantine, add a preview, and make it available.

    The copies come first so an ``AVAILABLE`` document always has its file; if the move then
    loses a race, the copies are removed again.
    """
    object_key = storage.document_key(doc.id)
    metadata = {
        "document-id": doc.id,
        "owner-id": doc.owner_id,
        "sha256": facts.sha256,
        "filename": quote(facts.filename),
    }
    object_version = storage.copy_object(doc.upload_key, facts.version_id, object_key, facts.content_type, metadata)
    preview_key, preview_version = None, None
    if validation.FILE_TYPES[facts.content_type].previewable and (preview := previews.make_preview(data)):
        preview_key = storage.preview_key(doc.id)
        preview_version = storage.put_object(preview_key, preview, storage.PREVIEW_CONTENT_TYPE)
    try:
        doc = store.commit(
            doc,
            ACCEPT,
            SYSTEM,
            changes={
                **facts.changes(),
                "object_key": object_key,
                "object_version": object_version or None,
                "preview_key": preview_key or None,
                **_SETTLED,
            },
            audit_after={"content_type": facts.content_type, "size": facts.size, "sha256": facts.sha256},
        )
    except LOST_RACE:
        storage.delete_version(object_key, object_version)
        if preview_key:
            storage.delete_version(preview_key, preview_version)
        raise
    storage.delete_version(doc.upload_key, facts.version_id)  # out of quarantine now
    logger.info("document available", extra={"document_id": doc.id, "bytes": facts.size})
    return doc


def _promote_scanned(doc: DocumentRow) -> DocumentRow:
    """The held document's scan came back clean: promote the version that was validated."""
    if not _claim(doc, DocStatus.PENDING_SCAN):
        return doc
    settings = get_settings()
    stored = storage.read_object(doc.upload_key, doc.upload_version, max_bytes=settings.document_max_bytes)
    if stored is None or stored.data is None:
        store.release_lease(doc)
        raise RuntimeError(f"the scanned upload of {doc.id} is gone")  # retried, then dead-lettered
    facts = Facts(
        version_id=doc.upload_version,
        size=stored.size,
        sha256=hashlib.sha256(stored.data).hexdigest(),
        content_type=doc.content_type or validation.sniff(stored.data) or "",
        filename=doc.filename,
    )
    return _promote(doc, stored.data, facts)


def _quarantine(
    doc: DocumentRow, verdict: ScanVerdict, version_id: str | None, facts: Facts | None = None
) -> DocumentRow:
    """Never downloadable; the file stays in uploads/ (tagged by GuardDuty) until S3 expires it."""
    metrics.add_metric(name="DocumentsQuarantined", unit="Count", value=1)
    return store.commit(
        doc,
        QUARANTINE,
        SYSTEM,
        changes={
            **(facts.changes() if facts else {"upload_version": version_id}),
            "scan_result": verdict.status.value,
            "scan_threats": list(verdict.threats),
            **_SETTLED,
        },
        reason="malware found: " + ", ".join(verdict.threats or ("unnamed threat",)),
        audit_after={"threats": list(verdict.threats)},
        event_extra={"threats": list(verdict.threats)},
    )


def _reject(
    doc: DocumentRow, version_id: str | None, error: FileError, *, size: int | None = None, facts: Facts | None = None
) -> DocumentRow:
    """Refuse the stored file; nothing of it is kept."""
    metrics.add_metric(name="DocumentsRejected", unit="Count", value=1)
    changes: dict[str, Any] = {
        **(facts.changes() if facts else {}),
        "rejection_code": error.code,
        "rejection_reason": error.message("en"),
        "rejection_reason_tr": error.message("tr"),
        **_SETTLED,
    }
    if facts is None:
        changes["upload_version"] = version_id
        if size is not None:
            changes["size"] = size
    doc = store.commit(
        doc,
        REJECT_FILE,
        SYSTEM,
        changes=changes,
        reason=error.message("en"),
        audit_after={"code": error.code},
        event_extra={"code": error.code},
    )
    storage.delete_version(doc.upload_key, version_id)
    return doc


#: What every move out of processing clears: the lease and the upload sweep.
_SETTLED: dict[str, Any] = {"processing_since": None, "sweep": None, "sweep_at": None}


# ---------------------------------------------------------------------------- lease
def _claim(doc: DocumentRow, status: DocStatus) -> bool:
    """Take the processing lease on ``doc`` while it is in ``status``; False when someone else
    holds a live lease or the document moved on (``doc`` is then re-read)."""
    for _ in range(_ATTEMPTS):
        if doc.status != status.value:
            return False
        now = clock.now()
        stale = clock.isoformat(now - timedelta(seconds=LEASE_SECONDS))
        if store.claim_lease(doc, status, clock.isoformat(now), stale):
            return True
        if doc.processing_since and doc.processing_since >= stale:
            return False
    return False


def _discard_if_stray(doc: DocumentRow | None, key: str, version_id: str | None) -> None:
    """An upload nobody is waiting for (no document, a second upload to a used key, a late
    upload to a deleted document) is deleted: only the validated version is ever kept."""
    keeps = doc is not None and doc.status in _KEEPS_UPLOAD and (version_id or None) == (doc.upload_version or None)
    keeps = keeps or scanning.rescan_under_way(doc)  # the copy made to have the file scanned again
    if not keeps:
        logger.info("discarding a stray upload", extra={"key": key, "document_id": doc.id if doc else None})
        storage.delete_version(key, version_id)
