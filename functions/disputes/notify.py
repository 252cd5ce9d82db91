"""EventBridge consumer of ``Dispute*`` events: emails the admins and the parties (tr/en).

The model to copy for a new notifier: parse the event, plan its emails, send each once.
"""

from typing import Any

from paylox.disputes.notifications import DisputeEvent, notify
from paylox.events.envelope import parse_bus_event
from paylox.observability import entry_point, log_event_context


@entry_point()
def handler(delivered: dict[str, Any], context: Any) -> dict[str, int]:
    event: DisputeEvent = parse_bus_event(DisputeEvent, delivered)
    log_event_context(event.id, event.detail_type, event.detail.request_id)
    return {"sent": notify(event, context=context)}
