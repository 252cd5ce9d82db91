"""S3 notification for objects created under uploads/: validate the stored bytes and move the
document on (available, held for the malware scan, rejected or quarantined)."""

from typing import Any

from paylox.documents.processing import handle_uploaded_object
from paylox.documents.storage import notified_objects
from paylox.observability import entry_point


@entry_point()
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    outcomes = {}
    for uploaded in notified_objects(event):
        doc = handle_uploaded_object(uploaded.bucket, uploaded.key, uploaded.version_id)
        outcomes[uploaded.key] = doc.status if doc else None
    return {"documents": outcomes}
