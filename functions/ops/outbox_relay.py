"""The outbox table's stream (DynamoDB event source): puts each committed change's domain events
on the bus. The only function that calls ``PutEvents``; see :mod:`paylox.events.relay`."""

from typing import Any

from paylox.events.relay import BatchResponse, relay
from paylox.observability import logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> BatchResponse:
    return relay(event["Records"])
