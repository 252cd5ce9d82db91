"""DocumentQuarantined (EventBridge): email the owner (in their language) and the admins."""

from typing import Any

from paylox.documents.notifications import DocumentEvent, notify
from paylox.events.envelope import parse_bus_event
from paylox.observability import entry_point, log_event_context


@entry_point()
def handler(delivered: dict[str, Any], context: Any) -> dict[str, int]:
    event: DocumentEvent = parse_bus_event(DocumentEvent, delivered)
    log_event_context(event.id, event.detail_type, event.detail.request_id)
    return {"sent": notify(event, context=context)}
