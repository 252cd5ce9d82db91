"""GuardDuty Malware Protection for S3 scan results (default EventBridge bus): clean uploads
become available, infected ones are quarantined, unfinished scans are rejected."""

from typing import Any

from paylox.documents.processing import handle_scan_result
from paylox.documents.scanning import parse_guardduty_event
from paylox.observability import entry_point, logger


@entry_point()
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    result = parse_guardduty_event(event)
    if result is None:
        logger.warning("not a GuardDuty object scan result", extra={"detail_type": event.get("detail-type")})
        return {"document": None}
    doc = handle_scan_result(result)
    return {"document": doc.id if doc else None, "status": doc.status if doc else None}
