"""The events Lambda's event source mappings hand a function, built from what boto3 returns,
and the helpers those mappings use (filter criteria, partial batch responses)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from moto.events.models import EventPattern

from devstack.template import REGION


def s3_filter(rules: Mapping[str, Any] | None) -> dict[str, Any]:
    key_rules = ((rules or {}).get("S3Key") or {}).get("Rules") or []
    if not key_rules:
        return {}
    return {"Filter": {"Key": {"FilterRules": [{"Name": r["Name"], "Value": r["Value"]} for r in key_rules]}}}


def sqs_record(message: Mapping[str, Any], queue_arn: str) -> dict[str, Any]:
    attributes = {}
    for name, value in (message.get("MessageAttributes") or {}).items():
        binary = value.get("BinaryValue")
        attributes[name] = {
            "stringValue": value.get("StringValue"),
            "binaryValue": base64.b64encode(binary).decode() if binary is not None else None,
            "stringListValues": value.get("StringListValues", []),
            "binaryListValues": [base64.b64encode(b).decode() for b in value.get("BinaryListValues", [])],
            "dataType": value.get("DataType"),
        }
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes") or {}),
        "messageAttributes": attributes,
        "md5OfBody": message.get("MD5OfBody"),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


def stream_record(record: Mapping[str, Any], stream_arn: str) -> dict[str, Any]:
    shaped: dict[str, Any] = jsonable(dict(record))
    shaped["awsRegion"] = REGION
    shaped["eventSourceARN"] = stream_arn
    return shaped


def jsonable(value: Any) -> Any:
    """boto3's parsed stream record back to the JSON Lambda receives (epoch seconds, base64)."""
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [jsonable(item) for item in value]
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    return value


def maybe_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def passes(filters: Iterable[str], record: Mapping[str, Any]) -> bool:
    """Lambda's event filtering: a record goes through if any filter pattern matches it."""
    patterns = list(filters)
    return not patterns or any(EventPattern.load(p).matches_event(dict(record)) for p in patterns)  # type: ignore[arg-type]


def failed_items(result: Any) -> set[str]:
    if not isinstance(result, dict):
        return set()
    return {str(item.get("itemIdentifier")) for item in result.get("batchItemFailures") or []}


def json_path(event: Mapping[str, Any], path: str) -> Any:
    """EventBridge's InputPath (``$.detail``, ``$.detail.x``)."""
    value: Any = event
    for part in path.removeprefix("$").strip(".").split("."):
        if part:
            value = value[part]
    return value
