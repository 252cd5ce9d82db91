"""The record of each email sent once (:mod:`paylox.notify.once`), in the idempotency table: the only
module that reads or writes these items.

One item per email key, laid out as Powertools' idempotency utility wrote it (the notifiers used
that utility until it cost each of them about 20 ms of its first event, boto3 included, for what
is three conditional writes), so a record written before keeps stopping a resend:

    id                      ``email#`` and the MD5 of the key's JSON (the key names the address)
    status                  INPROGRESS while the email is being sent, COMPLETED once it was
    expiration              epoch seconds: forgotten then (the table's TTL; an expired record
                            counts as absent, since TTL deletion lags)
    in_progress_expiration  epoch milliseconds: the sender's deadline (its function's time left);
                            an INPROGRESS record past it is a send that died with its function
    data                    the provider's message id, as JSON, once COMPLETED

Times are the service clock's (:mod:`paylox.clock`), the real time in AWS.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from botocore.exceptions import ClientError

from paylox import clock
from paylox.aws import client
from paylox.config import get_settings

PREFIX = "email"
IN_PROGRESS, COMPLETED = "INPROGRESS", "COMPLETED"
#: A record that changes while it is being read (it expired, its sender died) is claimed again.
CLAIM_ATTEMPTS = 3
_NAMES = {"#id": "id", "#expiry": "expiration", "#in_progress_expiry": "in_progress_expiration", "#status": "status"}
#: Claimed when there is no record, or it expired, or its sender's deadline passed.
_CLAIMABLE = (
    "attribute_not_exists(#id) OR #expiry < :now OR "
    "(#status = :inprogress AND attribute_exists(#in_progress_expiry) AND #in_progress_expiry < :now_in_millis)"
)


class SendInProgress(RuntimeError):
    """Another invocation is sending this email now (or its record keeps changing): try again later."""


def record_id(key: str) -> str:
    """The item id of the email keyed ``key``: Powertools' ``<prefix>#<md5 of the key as JSON>``."""
    digest = hashlib.md5(json.dumps(key, sort_keys=True).encode(), usedforsecurity=False).hexdigest()
    return f"{PREFIX}#{digest}"


def claim(key: str, remember_seconds: int, time_left_ms: int | None) -> bool:
    """Mark the email keyed ``key`` as being sent by this caller: True when the caller must now send
    it, False when it was sent already (and is remembered). ``time_left_ms`` is how long the caller
    may take (None: until the record expires).

    Raises :class:`SendInProgress` while another caller is sending it.
    """
    for _ in range(CLAIM_ATTEMPTS):
        existing = _put_in_progress(record_id(key), remember_seconds, time_left_ms)
        if existing is None:
            return True
        if _sent(existing):
            return False
    raise SendInProgress(f"the record of email {record_id(key)} changed while it was read")


def complete(key: str, message_id: str, remember_seconds: int) -> None:
    """Record the email keyed ``key`` as sent (the provider's ``message_id``), for ``remember_seconds``."""
    client("dynamodb").update_item(
        TableName=_table(),
        Key={"id": {"S": record_id(key)}},
        UpdateExpression="SET #response_data = :response_data, #expiry = :expiry, #status = :status",
        ExpressionAttributeNames={"#response_data": "data", "#expiry": "expiration", "#status": "status"},
        ExpressionAttributeValues={
            ":response_data": {"S": json.dumps(message_id, sort_keys=True)},
            ":expiry": {"N": str(clock.timestamp() + remember_seconds)},
            ":status": {"S": COMPLETED},
        },
    )


def release(key: str) -> None:
    """Forget the claim on the email keyed ``key`` (its send failed), so a retry sends it."""
    client("dynamodb").delete_item(TableName=_table(), Key={"id": {"S": record_id(key)}})


def _table() -> str:
    return get_settings().idempotency_table


def _now_ms() -> int:
    return int(clock.now().timestamp() * 1000)


def _put_in_progress(item_id: str, remember_seconds: int, time_left_ms: int | None) -> dict[str, Any] | None:
    """Write the INPROGRESS record unless a live one exists: None when written, else that record."""
    now, now_ms = clock.timestamp(), _now_ms()
    item = {"id": {"S": item_id}, "expiration": {"N": str(now + remember_seconds)}, "status": {"S": IN_PROGRESS}}
    if time_left_ms is not None:
        item["in_progress_expiration"] = {"N": str(now_ms + time_left_ms)}
    values = {":now": {"N": str(now)}, ":now_in_millis": {"N": str(now_ms)}, ":inprogress": {"S": IN_PROGRESS}}
    try:
        client("dynamodb").put_item(
            TableName=_table(),
            Item=item,
            ConditionExpression=_CLAIMABLE,
            ExpressionAttributeNames=_NAMES,
            ExpressionAttributeValues=values,
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise
        return dict(exc.response.get("Item") or _read(item_id))
    return None


def _read(item_id: str) -> dict[str, Any]:
    response = client("dynamodb").get_item(TableName=_table(), Key={"id": {"S": item_id}}, ConsistentRead=True)
    return dict(response.get("Item") or {})


def _sent(item: dict[str, Any]) -> bool:
    """True when ``item`` says the email was sent; False when it is gone or stale (claim again).

    Raises :class:`SendInProgress` when it is being sent now.
    """
    if not item or clock.timestamp() > int(item["expiration"]["N"]):
        return False  # deleted or expired since the write was refused
    status = item["status"]["S"]
    if status == COMPLETED:
        return True
    deadline = item.get("in_progress_expiration")
    if status == IN_PROGRESS and deadline is not None and int(deadline["N"]) < _now_ms():
        return False  # its sender died: claim it again
    raise SendInProgress(f"email {item['id']['S']} is being sent ({status})")
