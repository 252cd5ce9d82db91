"""Emails for transaction events and payment webhook alerts (EventBridge rules on the domain bus).

Buyer and seller in their own language; admins for alerts. Each email at most once per event and
recipient.
"""

from typing import Any

from paylox.events.envelope import parse_bus_event
from paylox.notify.alert_event import AlertEvent
from paylox.observability import entry_point, log_event_context
from paylox.transactions.notifications import NotifierEvent, TransactionEvent, notify


@entry_point()
def handler(delivered: dict[str, Any], context: Any) -> dict[str, int]:
    event: TransactionEvent | AlertEvent = parse_bus_event(NotifierEvent, delivered)
    log_event_context(event.id, event.detail_type, event.detail.request_id)
    return {"sent": notify(event, context=context)}
