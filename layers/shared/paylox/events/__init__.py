"""Domain events (``TransactionFunded``, ``DisputeOpened``, ...), sent through a transactional outbox.

A change never calls EventBridge. It writes its events as one outbox item
(:class:`~paylox.events.outbox.OutboxMessage`) in the same DynamoDB transaction as the change and
its audit record (:func:`write_in`, used by :func:`paylox.statemachine.commit_move` and
:func:`paylox.statemachine.commit_change`): the events exist exactly when the change does. The
outbox table's stream then hands each item to the relay (:mod:`paylox.events.relay`, the only
caller of ``PutEvents``), which puts its events on the bus with retries, and a dead-letter queue
and alarms behind them.

Every event's detail carries, beside the domain's payload:

- ``event_id``: the event's own id (``evt_...``), the same however often the relay or EventBridge
  delivers it. Consumers key their once-only work on it, never on the EventBridge envelope's ``id``
  (a retried ``PutEvents`` makes a new envelope).
- ``occurred_at``: when the change was committed (also the envelope's ``time``).
- ``request_id``: the API request that made the change (None for scheduled and stream work).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pynamodb.transactions import TransactWrite

from paylox.events.outbox import NEW_MESSAGE, OutboxMessage, message_for
from paylox.values import frozen

__all__ = ["DomainEvent", "OutboxMessage", "announce", "message_for", "write_in"]


@frozen
class DomainEvent:
    """An event a change announces (``detail_type`` on source ``paylox.<domain>``)."""

    detail_type: str
    detail: dict[str, Any]
    domain: str


def write_in(transaction: TransactWrite, events: Sequence[DomainEvent], *, aggregate_id: str | None = None) -> None:
    """Put ``events`` (if any) in ``transaction``, the DynamoDB transaction of the change they
    announce, as one outbox item: they leave for the bus only if the change commits.

    ``aggregate_id`` is the record the change is made on: its events reach the bus in the order
    they were committed (by default, the id the first event's detail names).
    """
    message = message_for(events, aggregate_id=aggregate_id)
    if message is not None:
        transaction.save(message, condition=NEW_MESSAGE)


def announce(events: Sequence[DomainEvent], *, aggregate_id: str | None = None) -> None:
    """Send ``events`` that go with no DynamoDB change of their own (an alert to staff about a
    delivery that changed nothing): one outbox item written by itself, relayed like any other."""
    message = message_for(events, aggregate_id=aggregate_id)
    if message is not None:
        message.save(condition=NEW_MESSAGE)
