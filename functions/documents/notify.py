"""DocumentQuarantined (EventBridge): email the owner (in their language) and the admins."""

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser

from paylox.documents.notifications import DocumentEvent, notify
from paylox.observability import log_event_context, logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=DocumentEvent)
def handler(event: DocumentEvent, context: Any) -> dict[str, int]:
    log_event_context(event.id, event.detail_type, event.detail.request_id)
    return {"sent": notify(event, context=context)}
