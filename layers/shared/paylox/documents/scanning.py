"""Malware scanning: who gives the verdict on an uploaded file, and how it reads.

- ``guardduty``: GuardDuty Malware Protection for S3 scans every object written under
  ``uploads/`` by itself and publishes the result on the default EventBridge bus; the document
  waits in ``PENDING_SCAN`` until :func:`parse_guardduty_event` reads that result.
- ``dev``: a stand-in for machines without GuardDuty. It answers at once and flags the EICAR
  antivirus test string, so the quarantine path can be exercised end to end.
- ``none``: no scanning; accepted files are available immediately.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from paylox import clock
from paylox.config import get_settings
from paylox.values import frozen

if TYPE_CHECKING:
    from paylox.documents.models import DocumentRow

#: The standard antivirus test file (harmless by design; every scanner reports it).
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
EICAR_THREAT = "EICAR-Test-File (not a virus)"
GUARDDUTY_SOURCE = "aws.guardduty"
GUARDDUTY_DETAIL_TYPE = "GuardDuty Malware Protection Object Scan Result"


class ScanStatus(StrEnum):
    """GuardDuty's ``scanResultStatus`` values."""

    NO_THREATS_FOUND = "NO_THREATS_FOUND"
    THREATS_FOUND = "THREATS_FOUND"
    UNSUPPORTED = "UNSUPPORTED"
    ACCESS_DENIED = "ACCESS_DENIED"
    FAILED = "FAILED"


@frozen
class ScanVerdict:
    status: ScanStatus
    threats: tuple[str, ...] = ()

    @property
    def clean(self) -> bool:
        return self.status is ScanStatus.NO_THREATS_FOUND

    @property
    def infected(self) -> bool:
        return self.status is ScanStatus.THREATS_FOUND


class Scanner(Protocol):
    def check_for_malware(self, data: bytes) -> ScanVerdict | None:
        """The verdict now, or ``None`` when it will arrive later as an event."""


class GuardDutyScanner:
    def check_for_malware(self, data: bytes) -> ScanVerdict | None:
        return None  # GuardDuty scans the stored object on its own and reports by event


class DevScanner:
    def check_for_malware(self, data: bytes) -> ScanVerdict | None:
        if EICAR in data:
            return ScanVerdict(ScanStatus.THREATS_FOUND, (EICAR_THREAT,))
        return ScanVerdict(ScanStatus.NO_THREATS_FOUND)


def get_scanner() -> Scanner | None:
    """The configured scanner; ``None`` when scanning is off."""
    kind = get_settings().document_scanner
    if kind == "guardduty":
        return GuardDutyScanner()
    if kind == "dev":
        return DevScanner()
    return None


@frozen
class ObjectScanResult:
    bucket: str
    key: str
    version_id: str | None
    verdict: ScanVerdict


def parse_guardduty_event(event: dict[str, Any]) -> ObjectScanResult | None:
    """The scan result in an EventBridge event from GuardDuty, or ``None`` for anything else."""
    if event.get("source") != GUARDDUTY_SOURCE or event.get("detail-type") != GUARDDUTY_DETAIL_TYPE:
        return None
    detail = event.get("detail") or {}
    target = detail.get("s3ObjectDetails") or {}
    result = detail.get("scanResultDetails") or {}
    if not target.get("bucketName") or not target.get("objectKey"):
        return None
    try:
        status = ScanStatus(str(result.get("scanResultStatus")))
    except ValueError:
        status = ScanStatus.FAILED  # an unknown outcome is not a clean one
    threats = tuple(str(threat.get("name", "unknown")) for threat in (result.get("threats") or []))
    return ObjectScanResult(
        bucket=str(target["bucketName"]),
        key=str(target["objectKey"]),
        version_id=target.get("versionId") or None,
        verdict=ScanVerdict(status, threats),
    )


def scan_deadline(sweep: str) -> dict[str, str]:
    """The sweep fields that have the cleanup chase a verdict not back by
    ``DOCUMENT_SCAN_TIMEOUT_MINUTES`` from now (:mod:`paylox.documents.scan_timeout`)."""
    minutes = get_settings().document_scan_timeout_minutes
    return {"sweep": sweep, "sweep_at": clock.isoformat(clock.now() + timedelta(minutes=minutes))}


def rescan_under_way(doc: DocumentRow | None) -> bool:
    """Whether ``doc`` waits for the verdict on a copy of its upload made to have it scanned again:
    that copy is the one upload it still expects."""
    return doc is not None and doc.status == "PENDING_SCAN" and bool(doc.scan_rescanned_at)
