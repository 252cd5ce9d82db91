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

#: What PynamoDB configures on the clients it asks for: clients that agree on these are one.
_CLIENT_SETTINGS = ("connect_timeout", "read_timeout", "max_pool_connections", "retries", "parameter_validation")


class _SharedClients:
    """The botocore session PynamoDB's connections get: the environment's one session, whose
    DynamoDB client is made once for every connection with the same settings.

    PynamoDB makes a connection per model (and per thread) and a client per connection: a function
    that claims a webhook, reads its transaction and writes both in one transaction made three
    DynamoDB clients, about 4 ms of CPU each after the first. Their settings are PynamoDB's
    (timeouts, retries, pool size), the same for every model, so one client serves them all; a
    botocore client is safe to share between threads.
    """

    def __init__(self) -> None:
        self._clients: dict[tuple[str, str | None, str | None, str], Any] = {}

    def create_client(self, service_name: str, region_name: str | None = None, **kwargs: Any) -> Any:
        config = kwargs.get("config")
        settings = repr([getattr(config, name, None) for name in _CLIENT_SETTINGS])
        key = (service_name, region_name, kwargs.get("endpoint_url"), settings)
        with aws.lock:
            made = self._clients.get(key)
            # Made again, as PynamoDB does, while it has no credentials: botocore keeps a client's
            # empty credentials for good.
            if made is None or (made._request_signer and not made._request_signer._credentials):
                made = self._clients[key] = aws.botocore_session().create_client(service_name, region_name, **kwargs)
            return made

    def __getattr__(self, name: str) -> Any:
        return getattr(aws.botocore_session(), name)


_shared_clients = _SharedClients()
# PynamoDB makes a botocore session per model (and per thread): each loads botocore's endpoint and
# service data again, most of a cold start. Its connections take the environment's one session
# instead, which makes clients under a lock (paylox.aws), so threads stay safe, and one DynamoDB
# client for them all.
pynamodb.connection.base.get_session = lambda: _shared_clients  # type: ignore[attr-defined]


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
