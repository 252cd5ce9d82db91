"""S3 notification for objects created under uploads/: validate the stored bytes and move the
document on (available, held for the malware scan, rejected or quarantined)."""

from typing import Any

from paylox.documents.processing import handle_uploaded_object
from paylox.documents.storage import notified_objects
from paylox.observability import logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    outcomes = {}
    for uploaded in notified_objects(event):
        doc = handle_uploaded_object(uploaded.bucket, uploaded.key, uploaded.version_id)
        outcomes[uploaded.key] = doc.status if doc else None
    return {"documents": outcomes}
