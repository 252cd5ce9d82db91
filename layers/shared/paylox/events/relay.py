"""The relay: from the outbox table's stream to the event bus. The only caller of ``PutEvents``.

Lambda hands it a batch of stream records in order (per partition key, i.e. per record of the
domain). Each new outbox item's events are put on the bus, up to ten entries per call; entries the
bus refuses (``FailedEntryCount``) are tried again by themselves, a few times. Should some still
fail, the relay stops there and reports that item as the batch's first failure
(``ReportBatchItemFailures``): Lambda retries the batch from it (bisecting, then the on-failure
destination after ``MaximumRetryAttempts``), so nothing after it overtakes it, and nothing before
it is sent again. An item is sent again only when its own call failed part-way; consumers are
idempotent by ``detail.event_id`` for that, and for EventBridge's own at-least-once delivery.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from paylox.aws import client
from paylox.config import get_settings
from paylox.events.outbox import entries_of
from paylox.observability import count_per, logger, metrics
from paylox.values import frozen

#: ``PutEvents`` takes at most ten entries per call.
MAX_ENTRIES = 10
#: Calls per entry before its item is handed back to Lambda's retries.
ATTEMPTS = 3

PutEvents = Callable[..., Mapping[str, Any]]
BatchResponse = dict[str, list[dict[str, str]]]


@frozen
class Message:
    """One outbox item as the stream delivered it."""

    sequence_number: str
    aggregate_id: str
    entries: list[dict[str, Any]]


def messages_of(records: Iterable[Mapping[str, Any]]) -> list[Message]:
    """The new outbox items among stream ``records`` (a TTL deletion is no news), in order."""
    messages = []
    for record in records:
        if record.get("eventName") != "INSERT":
            continue
        stream = record["dynamodb"]
        image = stream["NewImage"]
        entries = entries_of(image["events"]["S"])
        messages.append(Message(stream["SequenceNumber"], image["aggregate_id"]["S"], entries))
    return messages


def relay(
    records: Sequence[Mapping[str, Any]],
    *,
    put_events: PutEvents | None = None,
    pause: Callable[[float], None] = time.sleep,
) -> BatchResponse:
    """Put the events of the outbox items in ``records`` on the bus, in order.

    Returns Lambda's partial batch response: empty when every event was accepted, else the
    sequence number of the first item not wholly sent (Lambda retries from there).
    """
    put = put_events or client("events").put_events
    bus = get_settings().event_bus_name
    for chunk in _chunks(messages_of(records)):
        failed = _send(put, bus, chunk, pause)
        if failed is not None:
            logger.warning("outbox item not relayed, retried from here", extra={"aggregate_id": failed.aggregate_id})
            return {"batchItemFailures": [{"itemIdentifier": failed.sequence_number}]}
    return {"batchItemFailures": []}


def _chunks(messages: Sequence[Message]) -> Iterable[list[Message]]:
    """Consecutive items that can share a call: at most ten entries in all, and one item per
    aggregate, so that an aggregate's later event is never sent before its earlier one succeeded."""
    chunk: list[Message] = []
    for message in messages:
        entries = sum(len(m.entries) for m in chunk)
        if chunk and (entries + len(message.entries) > MAX_ENTRIES or message.aggregate_id in _ids(chunk)):
            yield chunk
            chunk = []
        chunk.append(message)
    if chunk:
        yield chunk


def _ids(chunk: Sequence[Message]) -> set[str]:
    return {message.aggregate_id for message in chunk}


def _send(put: PutEvents, bus: str, chunk: Sequence[Message], pause: Callable[[float], None]) -> Message | None:
    """Send ``chunk``'s entries, retrying refused ones only; the first item left unsent, if any."""
    pending = [(index, {**entry, "EventBusName": bus}) for index, m in enumerate(chunk) for entry in m.entries]
    for attempt in range(ATTEMPTS):
        if attempt:
            pause(0.1 * 2**attempt)
        pending = [item for part in _slices(pending) for item in _refused(put, part)]
        if not pending:
            metrics.add_metric(name="EventsRelayed", unit="Count", value=sum(len(m.entries) for m in chunk))
            _count_by_type(chunk)
            return None
    metrics.add_metric(name="EventPublishFailures", unit="Count", value=len(pending))
    return chunk[min(index for index, _ in pending)]


def _slices(pending: list[tuple[int, dict[str, Any]]]) -> Iterable[list[tuple[int, dict[str, Any]]]]:
    for start in range(0, len(pending), MAX_ENTRIES):
        yield pending[start : start + MAX_ENTRIES]


def _refused(put: PutEvents, part: list[tuple[int, dict[str, Any]]]) -> list[tuple[int, dict[str, Any]]]:
    """The entries of ``part`` the bus did not accept (all of them when the call failed)."""
    try:
        result = put(Entries=[entry for _, entry in part])
    except (BotoCoreError, ClientError):
        logger.exception("PutEvents failed", extra={"entries": len(part)})
        return part
    answers = result.get("Entries") or []
    refused = [item for item, answer in zip(part, answers, strict=False) if answer.get("ErrorCode")]
    if refused:
        codes = sorted({str(answer.get("ErrorCode")) for answer in answers if answer.get("ErrorCode")})
        logger.warning("PutEvents refused entries", extra={"refused": len(refused), "codes": codes})
    return refused


def _count_by_type(chunk: Sequence[Message]) -> None:
    """``DomainEvents`` per ``DetailType``: the dashboard's business rates (transactions created,
    funded, completed; disputes opened, escalated), counted where every event passes once."""
    counts = Counter(str(entry.get("DetailType")) for message in chunk for entry in message.entries)
    for detail_type, count in counts.items():
        count_per("DomainEvents", "DetailType", detail_type, count)
