"""DocumentQuarantined (EventBridge): email the owner (in their language) and the admins."""

from typing import Any

from paylox.documents.notifications import DocumentEvent, notify
from paylox.events.envelope import parse_bus_event
from paylox.observability import log_event_context, logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(delivered: dict[str, Any], context: Any) -> dict[str, int]:
    event: DocumentEvent = parse_bus_event(DocumentEvent, delivered)
    log_event_context(event.id, event.detail_type, event.detail.request_id)
    return {"sent": notify(event, context=context)}
