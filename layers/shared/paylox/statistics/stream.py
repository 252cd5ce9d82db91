"""The statistics stream consumer: each record of the transactions', disputes' and users' streams
adds its effect (:mod:`.facts`) to the day buckets, exactly once (:func:`.store.apply_once`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pynamodb.exceptions import PynamoDBException

from paylox.config import get_settings
from paylox.observability import logger, metrics
from paylox.statistics import store
from paylox.statistics.facts import Facts, Item, dispute_facts, transaction_facts, user_facts
from paylox.statistics.wire import plain_item

BatchResponse = dict[str, list[dict[str, str]]]


def _table_of(record: Mapping[str, Any]) -> str:
    # arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL
    return str(record["eventSourceARN"]).split(":", 5)[5].split("/")[1]


def _facts_by_table() -> dict[str, Callable[[Item | None], Facts]]:
    settings = get_settings()
    return {
        settings.transactions_table: transaction_facts,
        settings.disputes_table: dispute_facts,
        settings.users_table: user_facts,
    }


def _image(record: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    image = record["dynamodb"].get(name)
    return plain_item(image) if image else None


def effect_of(record: Mapping[str, Any]) -> Facts:
    """What one stream record changes in the statistics: facts(new) - facts(old)."""
    facts = _facts_by_table().get(_table_of(record))
    if facts is None:
        return Facts()
    return facts(_image(record, "NewImage")) - facts(_image(record, "OldImage"))


def consume(records: Sequence[Mapping[str, Any]]) -> BatchResponse:
    """Apply ``records`` in order. Returns Lambda's partial batch response: empty when all were
    applied (or had been), else the sequence number of the first that failed, retried from there
    (the records before it are marked, so their redelivery counts nothing)."""
    for record in records:
        try:
            applied = store.apply_once(str(record["eventID"]), effect_of(record))
        except PynamoDBException:
            logger.exception("statistics record not applied, retried from here", extra={"event_id": record["eventID"]})
            return {"batchItemFailures": [{"itemIdentifier": str(record["dynamodb"]["SequenceNumber"])}]}
        if not applied:
            metrics.add_metric(name="StatisticsRecordRedelivered", unit="Count", value=1)
    return {"batchItemFailures": []}
