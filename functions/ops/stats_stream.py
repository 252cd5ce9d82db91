"""The transactions', disputes' and users' streams (DynamoDB event sources) into the dashboard's
day buckets, each record exactly once; see :mod:`paylox.statistics.stream`."""

from typing import Any

from paylox.observability import entry_point
from paylox.statistics.stream import BatchResponse, consume


@entry_point()
def handler(event: dict[str, Any], context: Any) -> BatchResponse:
    return consume(event["Records"])
