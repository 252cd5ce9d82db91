"""The document life cycle, as data.

AWAITING_UPLOAD → PENDING_SCAN → AVAILABLE → VERIFIED
AWAITING_UPLOAD → AVAILABLE                     (scanning off, or the verdict came first)
AWAITING_UPLOAD | PENDING_SCAN → REJECTED       (the stored bytes failed validation or the scan)
AWAITING_UPLOAD | PENDING_SCAN | REJECTED → QUARANTINED   (malware found)
AVAILABLE | VERIFIED → REJECTED                 (a reviewer's decision)
any but DELETED → DELETED                       (soft delete; files purged after retention)
"""

from __future__ import annotations

from enum import StrEnum

from paylox.statemachine import Move, move


class DocStatus(StrEnum):
    AWAITING_UPLOAD = "AWAITING_UPLOAD"
    PENDING_SCAN = "PENDING_SCAN"
    AVAILABLE = "AVAILABLE"
    VERIFIED = "VERIFIED"
    REJECTED = "REJECTED"
    QUARANTINED = "QUARANTINED"
    DELETED = "DELETED"


#: Only these may be downloaded, shared or attached as evidence.
DOWNLOADABLE = frozenset({DocStatus.AVAILABLE, DocStatus.VERIFIED})
#: The rejection code of a reviewer's decision (file rejections carry the file error's code).
REVIEW_REJECTION_CODE = "REJECTED_BY_REVIEW"


def _move(
    name: str, sources: set[DocStatus], target: DocStatus, audit: str, event: str | None = None
) -> Move[DocStatus]:
    return move(name, sources, target, audit=audit, event=event)


S = DocStatus
HOLD_FOR_SCAN = _move("hold_for_scan", {S.AWAITING_UPLOAD}, S.PENDING_SCAN, "DOCUMENT_PENDING_SCAN")
ACCEPT = _move("accept", {S.AWAITING_UPLOAD, S.PENDING_SCAN}, S.AVAILABLE, "DOCUMENT_AVAILABLE", "DocumentAvailable")
REJECT_FILE = _move("reject", {S.AWAITING_UPLOAD, S.PENDING_SCAN}, S.REJECTED, "DOCUMENT_REJECTED", "DocumentRejected")
QUARANTINE = _move(
    "quarantine",
    {S.AWAITING_UPLOAD, S.PENDING_SCAN, S.REJECTED},
    S.QUARANTINED,
    "DOCUMENT_QUARANTINED",
    "DocumentQuarantined",
)
VERIFY = _move("verify", {S.AVAILABLE}, S.VERIFIED, "DOCUMENT_VERIFIED", "DocumentVerified")
REJECT_REVIEW = _move("reject", {S.AVAILABLE, S.VERIFIED}, S.REJECTED, "DOCUMENT_REJECTED", "DocumentRejected")
DELETE = _move("delete", set(S) - {S.DELETED}, S.DELETED, "DOCUMENT_DELETED", "DocumentDeleted")
EXPIRE_UPLOAD = _move("expire", {S.AWAITING_UPLOAD}, S.DELETED, "DOCUMENT_UPLOAD_EXPIRED")
