"""The transactions', disputes' and users' streams (DynamoDB event sources) into the dashboard's
day buckets, each record exactly once; see :mod:`paylox.statistics.stream`."""

from typing import Any

from paylox.observability import logger, metrics, tracer
from paylox.statistics.stream import BatchResponse, consume


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> BatchResponse:
    return consume(event["Records"])
