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


class _SharedClients:
    """The botocore session PynamoDB's connections are given: the environment's one session, whose
    clients are shared by the connections that ask for the same one.

    PynamoDB makes a botocore session per model (and per thread): each loaded botocore's endpoint
    and service data again, most of a cold start, hence the environment's session (which makes
    clients under a lock, ``paylox.aws``, so threads stay safe). It also makes a client per model's
    connection: about 4 ms of CPU each, and a route reads and writes through three to six models
    (the caller's profile, its rows, the transaction of its writes). Connections of the same
    settings (region, endpoint, timeouts, retries) now share one; botocore clients are thread-safe.
    """

    def __init__(self) -> None:
        self._clients: dict[tuple[Any, ...], Any] = {}

    def __call__(self) -> _SharedClients:
        return self  # PynamoDB calls ``get_session()``

    def __getattr__(self, name: str) -> Any:
        return getattr(aws.botocore_session(), name)

    def create_client(self, service_name: str, region_name: str | None = None, **kwargs: Any) -> Any:
        """The client of these settings, made on first use (and made again, as PynamoDB does, while
        it has no credentials: botocore keeps a client's empty credentials for good)."""
        config = kwargs.get("config")
        key = (service_name, region_name, kwargs.get("endpoint_url"), _settings(config))
        with aws.lock:
            made = self._clients.get(key)
            if made is None or (made._request_signer and not made._request_signer._credentials):
                made = self._clients[key] = aws.botocore_session().create_client(service_name, region_name, **kwargs)
            return made


def _settings(config: Any) -> tuple[Any, ...] | None:
    if config is None:
        return None
    fields = ("connect_timeout", "read_timeout", "max_pool_connections", "parameter_validation")
    return (*(getattr(config, field) for field in fields), repr(config.retries))


pynamodb.connection.base.get_session = _SharedClients()  # type: ignore[attr-defined]


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
