"""Domain events on the EventBridge bus (``TransactionFunded``, ``DisputeOpened``, ...).

Consumers (notifications, statistics, next workflow steps) subscribe with rules in the template.
Publishing happens after the state change is committed; a failed publish is logged and counted
(alarm ``EventPublishFailures``) but does not undo or fail the committed change.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from paylox import clock
from paylox.aws import client
from paylox.config import get_settings
from paylox.observability import logger, metrics


def publish(detail_type: str, detail: dict[str, Any], *, domain: str) -> bool:
    """Put one event on the bus with source ``paylox.<domain>``; True when it was accepted."""
    settings = get_settings()
    entry = {
        "EventBusName": settings.event_bus_name,
        "Source": f"{settings.event_source}.{domain}",
        "DetailType": detail_type,
        "Detail": json.dumps({**detail, "occurred_at": clock.now_iso()}, ensure_ascii=False, default=str),
    }
    try:
        result = client("events").put_events(Entries=[entry])
        accepted = int(result.get("FailedEntryCount", 0)) == 0
    except Exception:  # the change is committed; losing the side effect must not fail the caller
        logger.exception("event publish failed", extra={"detail_type": detail_type})
        accepted = False
    if not accepted:
        metrics.add_metric(name="EventPublishFailures", unit="Count", value=1)
    return accepted


@dataclass(frozen=True)
class DomainEvent:
    """An event a committed change announces (``detail_type`` on source ``paylox.<domain>``)."""

    detail_type: str
    detail: dict[str, Any]
    domain: str


def announce(events: Iterable[DomainEvent]) -> None:
    """Publish what a committed change announces, in order.

    The one place a state move hands its events over; when events leave through a transactional
    outbox, this becomes a Put in the move's DynamoDB transaction.
    """
    for event in events:
        publish(event.detail_type, event.detail, domain=event.domain)
