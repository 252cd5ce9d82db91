"""PynamoDB plumbing shared by every store.

Table names come from the settings when a model first touches DynamoDB, not at import time, so
importing a model never requires the environment to be set up.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

import pynamodb.connection.base
from pynamodb.connection import Connection
from pynamodb.exceptions import PynamoDBException
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from paylox import aws
from paylox.config import get_settings
from paylox.snapstart import after_restore, before_snapshot

# PynamoDB makes a botocore session per model (and per thread): each loads botocore's endpoint and
# service data again, most of a cold start. Its connections take the environment's one session
# instead, which makes clients under a lock (paylox.aws), so threads stay safe.
pynamodb.connection.base.get_session = aws.botocore_session  # type: ignore[attr-defined]

_make_client = Connection.client.fget  # type: ignore[attr-defined]  # a property
_clients: dict[tuple[Any, ...], Any] = {}


def _shared_client(connection: Connection) -> Any:
    """PynamoDB's ``Connection.client``, but one botocore client per configuration for the whole
    environment: PynamoDB makes one per model (and per TransactWrite connection), each about 3 ms
    of CPU to make and more on its first call (its own endpoint resolution), and a route touches
    three to five models. Connections configured alike (region, endpoint, timeouts, retries, extra
    headers) are interchangeable; the first one's headers hook serves them all."""
    headers = tuple(sorted((connection._extra_headers or {}).items()))
    key = (
        connection.region,
        connection.host,
        connection._connect_timeout_seconds,
        connection._read_timeout_seconds,
        connection._max_retry_attempts_exception,
        repr(connection._retry_configuration),
        connection._max_pool_connections,
        headers,
    )
    with aws.lock:
        made = _clients.get(key)
        # As PynamoDB does: a client whose credentials came back empty is made again.
        if made is None or (made._request_signer and not made._request_signer._credentials):
            connection._client = None
            made = _clients[key] = _make_client(connection)
        connection._client = made
        return made


Connection.client = property(_shared_client)  # type: ignore[assignment,method-assign]


class TableName:
    """Descriptor for ``Meta.table_name``: resolved from :func:`paylox.config.get_settings`."""

    def __init__(self, setting: str) -> None:
        self.setting = setting

    def __get__(self, instance: object, owner: type | None = None) -> str:
        return str(getattr(get_settings(), self.setting))


@cache
def connection() -> Connection:
    """The PynamoDB connection of every ``TransactWrite`` and batched call: made on first use, once per
    execution environment, so a warm function does not build a botocore client per transaction."""
    return Connection()


def is_condition_failure(exc: PynamoDBException) -> bool:
    """True when a write was refused by its condition expression (a lost race, a wrong state)."""
    if getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException":
        return True
    # Inside TransactWriteItems the reason is reported per item.
    reasons: Any = getattr(exc, "cancellation_reasons", None) or []
    return any(reason is not None and reason.code == "ConditionalCheckFailed" for reason in reasons)


def set_actions(model: type[Model], changes: Mapping[str, Any]) -> list[Action]:
    """The update that writes ``changes`` (attribute name → value; None removes the attribute)."""
    return [
        getattr(model, name).remove() if value is None else getattr(model, name).set(value)
        for name, value in changes.items()
    ]


def _loaded_models(base: type[Model] = Model) -> Iterator[type[Model]]:
    for model in base.__subclasses__():
        if isinstance(getattr(model, "Meta", None), type) and "table_name" in vars(model.Meta):
            yield model
        yield from _loaded_models(model)


@before_snapshot
def _connect_models() -> None:
    """SnapStart: the settings and each loaded model's connection and botocore client (its service
    model parsed, its endpoint resolved) are made once before the snapshot, not in the first request
    of every restored environment. No request is sent: there is no connection to go stale."""
    get_settings()
    for model in _loaded_models():
        _ = model._get_connection().connection.client


@after_restore
def _drop_model_connections() -> None:
    # Any connection a model opened before the snapshot is dead in a restored copy: emptied pools.
    for model in _loaded_models():
        table = model._connection
        if table is not None:
            table.connection.client.close()
    if connection.cache_info().currsize:  # the shared one of transactions and batches
        connection().client.close()
