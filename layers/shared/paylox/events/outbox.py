"""The outbox: the events of one committed change, stored as one item until the relay sends them.

One item per change (not per event) because DynamoDB Streams orders the records of one partition
key but says nothing of the order of items written by one transaction: the events of a change stay
in the order they were announced, inside the item. The partition key is the record the change was
made on (``txn_...``, ``dsp_...``), so a record's changes reach the relay in commit order.

Items expire (TTL) a week after they were written: the stream keeps a record for 24 hours, so by
then the relay has sent it, or sent the batch to its dead-letter queue, whose sequence numbers lead
an operator to the items still here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from paylox import clock
from paylox.config import get_settings
from paylox.context import request_meta
from paylox.db import TableName
from paylox.ids import new_id

if TYPE_CHECKING:
    from paylox.events import DomainEvent

#: How long an item outlives its stream record (24 hours), for an operator's redrive.
RETENTION = timedelta(days=7)

#: What the outbox adds to every event's detail; a domain's payload must not use these names.
RESERVED = frozenset({"event_id", "occurred_at", "request_id"})

#: Which id in an event's detail names the record it is about, per domain.
_AGGREGATE_KEYS = {
    "transactions": "transaction_id",
    "disputes": "dispute_id",
    "documents": "document_id",
    "users": "user_id",
    "webhooks": "transaction_id",
}


class OutboxMessage(Model):
    """The events of one change. Written once with the change, read only through the stream."""

    class Meta:
        table_name = TableName("outbox_table")

    aggregate_id = UnicodeAttribute(hash_key=True)  # the record the change was made on
    message_id = UnicodeAttribute(range_key=True)  # time-sortable
    events = UnicodeAttribute()  # JSON: the PutEvents entries, in order, without the bus
    created_at = UnicodeAttribute()
    expires_at = NumberAttribute()  # TTL, epoch seconds

    def entries(self) -> list[dict[str, Any]]:
        """The events as ``PutEvents`` entries (``Source``, ``DetailType``, ``Detail``, ``Time``)."""
        return entries_of(self.events)


#: An outbox item is written once: an id collision must never overwrite one.
NEW_MESSAGE = OutboxMessage.message_id.does_not_exist()


def message_for(events: Sequence[DomainEvent], *, aggregate_id: str | None = None) -> OutboxMessage | None:
    """The outbox item of ``events`` (None when there are none), not yet stored.

    Each event gets its id, the time and the current request's id in its detail. Raises
    ``ValueError`` when a detail already uses one of those names (:data:`RESERVED`).
    """
    if not events:
        return None
    now = clock.now()
    occurred_at = clock.isoformat(now)
    request_id = request_meta().request_id
    source = get_settings().event_source
    entries = [_entry(event, source, occurred_at, request_id) for event in events]
    return OutboxMessage(
        aggregate_id or _aggregate_of(events[0], entries[0]),
        new_id("obx"),
        events=json.dumps(entries, ensure_ascii=False, default=str),
        created_at=occurred_at,
        expires_at=int((now + RETENTION).timestamp()),
    )


def entries_of(events: str) -> list[dict[str, Any]]:
    """The ``PutEvents`` entries of an outbox item's ``events`` attribute."""
    return [
        {
            "Source": event["source"],
            "DetailType": event["detail_type"],
            "Detail": json.dumps(event["detail"], ensure_ascii=False),
            "Time": clock.parse_iso(event["detail"]["occurred_at"]),
        }
        for event in json.loads(events)
    ]


def _entry(event: DomainEvent, source: str, occurred_at: str, request_id: str | None) -> dict[str, Any]:
    clash = RESERVED & event.detail.keys()
    if clash:
        raise ValueError(f"{event.detail_type}'s detail uses the outbox's names {sorted(clash)}")
    detail = {**event.detail, "event_id": new_id("evt"), "occurred_at": occurred_at, "request_id": request_id}
    return {"source": f"{source}.{event.domain}", "detail_type": event.detail_type, "detail": detail}


def _aggregate_of(event: DomainEvent, entry: dict[str, Any]) -> str:
    key = _AGGREGATE_KEYS.get(event.domain)
    named = event.detail.get(key) if key else None
    return str(named or entry["detail"]["event_id"])
