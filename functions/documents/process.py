"""S3 notification for objects created under uploads/: validate the stored bytes and move the
document on (available, held for the malware scan, rejected or quarantined)."""

from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.data_classes import S3Event

from paylox.documents.processing import handle_uploaded_object
from paylox.observability import logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    outcomes = {}
    for record in S3Event(event).records:
        key = unquote_plus(record.s3.get_object.key)  # S3 notifications URL-encode keys
        doc = handle_uploaded_object(record.s3.bucket.name, key, record.s3.get_object.version_id)
        outcomes[key] = doc.status if doc else None
    return {"documents": outcomes}
