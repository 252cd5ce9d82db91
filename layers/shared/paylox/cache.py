"""A small shared cache: get/set with a time to live, and get-or-compute.

Two backends, chosen by ``CACHE_BACKEND``: ``dynamodb`` (the default: ``CacheTable``, with a TTL
attribute) and ``redis`` (``REDIS_URL``, ElastiCache Serverless in AWS). Values are JSON.

Expiry is judged on read by the service clock (:mod:`paylox.clock`) in both backends: DynamoDB's
TTL deletion lags by up to 48 hours (and moto never deletes), Redis expires by the wall clock,
and the dev stack's clock can be moved forward. Each entry therefore carries its own expiry.

A cache is an optimisation, never a dependency: when the backend fails (down, throttled, timing
out) :func:`get_or_compute` logs it, counts it and computes the value, so a request never fails
because of its cache.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache as memoize
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError
from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PynamoDBException
from pynamodb.models import Model

from paylox import clock
from paylox.config import get_settings
from paylox.db import TableName
from paylox.observability import logger, metrics

#: Redis connect and read timeouts, in seconds: a dead cache must cost a request little.
REDIS_TIMEOUT_SECONDS = 0.25


class CacheUnavailable(Exception):
    """The cache backend could not be reached or refused the operation."""


class Backend(Protocol):
    """Where entries live. ``get`` returns the stored text and its expiry (Unix seconds)."""

    def get(self, key: str) -> tuple[str, int] | None: ...

    def set(self, key: str, value: str, expires_at: int) -> None: ...


class CacheEntry(Model):
    class Meta:
        table_name = TableName("cache_table")

    key = UnicodeAttribute(hash_key=True)
    value = UnicodeAttribute()
    expires_at = NumberAttribute()  # the table's TTL attribute; Unix seconds


class DynamoDBBackend:
    """Entries as items of ``CacheTable``, deleted by DynamoDB's TTL some time after they expire."""

    def get(self, key: str) -> tuple[str, int] | None:
        try:
            entry = CacheEntry.get(key)
        except CacheEntry.DoesNotExist:
            return None
        except (PynamoDBException, BotoCoreError) as exc:  # unreachable, throttled, no table
            raise CacheUnavailable(str(exc)) from exc
        return entry.value, int(entry.expires_at)

    def set(self, key: str, value: str, expires_at: int) -> None:
        try:
            CacheEntry(key, value=value, expires_at=expires_at).save()
        except (PynamoDBException, BotoCoreError) as exc:
            raise CacheUnavailable(str(exc)) from exc


class RedisBackend:
    """Entries as Redis strings holding ``{"v": value, "exp": expiry}``; Redis's own expiry (by
    the wall clock) only frees memory, a little after the service clock's."""

    def __init__(self, url: str) -> None:
        import redis  # only the functions configured for Redis load the client

        self.errors: tuple[type[Exception], ...] = (redis.exceptions.RedisError,)
        self.client = redis.Redis.from_url(
            url,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            retry_on_timeout=False,
        )

    def get(self, key: str) -> tuple[str, int] | None:
        try:
            raw = self.client.get(key)
        except self.errors as exc:
            raise CacheUnavailable(str(exc)) from exc
        if raw is None:
            return None
        stored = json.loads(raw)
        return str(stored["v"]), int(stored["exp"])

    def set(self, key: str, value: str, expires_at: int) -> None:
        seconds = max(expires_at - clock.timestamp(), 1)
        try:
            self.client.set(key, json.dumps({"v": value, "exp": expires_at}), ex=seconds + 60)
        except self.errors as exc:
            raise CacheUnavailable(str(exc)) from exc


@memoize
def _redis(url: str) -> RedisBackend:
    # One client (and its connection pool) per URL for the life of the execution environment.
    return RedisBackend(url)


def backend() -> Backend:
    """The backend the settings choose."""
    settings = get_settings()
    if settings.cache_backend == "redis":
        assert settings.redis_url is not None  # the settings refuse redis without a URL
        return _redis(settings.redis_url)
    return DynamoDBBackend()


def get(key: str, *, using: Backend | None = None) -> Any | None:
    """The value cached under ``key``, or None when there is none or it has expired by the
    service clock. Raises :class:`CacheUnavailable` when the backend fails."""
    found = (using or backend()).get(key)
    if found is None:
        return None
    text, expires_at = found
    if expires_at <= clock.timestamp():
        return None
    return json.loads(text)


def set(key: str, value: Any, ttl_seconds: int, *, using: Backend | None = None) -> None:
    """Cache ``value`` (JSON-serialisable) under ``key`` for ``ttl_seconds`` of the service clock.
    Raises :class:`CacheUnavailable` when the backend fails."""
    expires_at = clock.timestamp() + ttl_seconds
    (using or backend()).set(key, json.dumps(value, ensure_ascii=False, separators=(",", ":")), expires_at)


def get_or_compute[T](key: str, ttl_seconds: int, compute: Callable[[], T], *, using: Backend | None = None) -> T:
    """The cached value of ``key``, else ``compute()``, cached for ``ttl_seconds``.

    A backend that fails is logged and counted (metric ``CacheUnavailable``) and the value is
    computed: the caller never sees the cache's failure. Two callers missing at once both compute;
    the last write wins, which is harmless for values that are equal by construction.
    """
    chosen = using or _backend_or_none()
    if chosen is not None:
        try:
            hit = get(key, using=chosen)
        except CacheUnavailable as exc:
            _report(exc, "get")
            chosen = None
        else:
            if hit is not None:
                return hit  # type: ignore[no-any-return]
    value = compute()
    if chosen is not None:
        try:
            set(key, value, ttl_seconds, using=chosen)
        except CacheUnavailable as exc:
            _report(exc, "set")
    return value


def _backend_or_none() -> Backend | None:
    try:
        return backend()
    except ValueError as exc:  # a client that cannot even be built (a malformed URL): compute instead
        _report(CacheUnavailable(str(exc)), "connect")
        return None


def _report(exc: CacheUnavailable, operation: str) -> None:
    logger.warning("cache unavailable, computing instead", extra={"operation": operation, "error": str(exc)})
    metrics.add_metric(name="CacheUnavailable", unit="Count", value=1)
