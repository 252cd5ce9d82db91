"""The outbox table's stream (DynamoDB event source): puts each committed change's domain events
on the bus. The only function that calls ``PutEvents``; see :mod:`paylox.events.relay`."""

from typing import Any

from paylox.events.relay import BatchResponse, relay
from paylox.observability import entry_point


@entry_point()
def handler(event: dict[str, Any], context: Any) -> BatchResponse:
    return relay(event["Records"])
