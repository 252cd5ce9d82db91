"""paylox.cache: values kept for their time to live by the service clock, on DynamoDB or on a real
Redis server, and a cache that is down costs a recomputation, never a failed request."""

from __future__ import annotations

from collections.abc import Callable

import boto3
import pytest

from devstack import dev_clock
from paylox import cache
from paylox.config import SettingsError, get_settings
from tests.integration.stats_steps import stats
from tests.redis_server import RedisServer, free_port, redis_server, start_redis, stop_redis  # noqa: F401 - the fixture


def counting() -> tuple[list[int], Callable[[], dict[str, int]]]:
    calls: list[int] = []

    def compute() -> dict[str, int]:
        calls.append(1)
        return {"n": len(calls)}

    return calls, compute


@pytest.fixture(params=["dynamodb", "redis"])
def backend(request: pytest.FixtureRequest, settings_env: Callable[..., None]) -> str:
    """Each test runs on both backends, as the settings choose them."""
    if request.param == "redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        settings_env(CACHE_BACKEND="redis", REDIS_URL=server.url)
        cache._redis(server.url).client.flushdb()  # what an earlier test cached
    return str(request.param)


def test_a_value_is_served_until_its_time_to_live_has_passed_on_the_service_clock(backend: str):
    calls, compute = counting()

    assert cache.get_or_compute("k", 300, compute) == {"n": 1}
    assert cache.get_or_compute("k", 300, compute) == {"n": 1}
    dev_clock.advance(299)
    assert cache.get("k") == {"n": 1}
    dev_clock.advance(2)
    assert cache.get("k") is None  # expired by the service clock, whatever the store still holds
    assert cache.get_or_compute("k", 300, compute) == {"n": 2}
    assert len(calls) == 2


def test_set_and_get_keep_json_values_apart_by_key(backend: str):
    cache.set("a", {"x": [1, "ş"]}, 60)
    cache.set("b", 7, 60)

    assert (cache.get("a"), cache.get("b"), cache.get("c")) == ({"x": [1, "ş"]}, 7, None)


def test_a_dead_redis_server_degrades_to_computing(settings_env: Callable[..., None]):
    settings_env(CACHE_BACKEND="redis", REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")  # nobody listens
    _, compute = counting()

    assert cache.get_or_compute("k", 300, compute) == {"n": 1}
    assert cache.get_or_compute("k", 300, compute) == {"n": 2}
    with pytest.raises(cache.CacheUnavailable):
        cache.get("k")


def test_a_redis_server_killed_under_a_running_function_degrades_to_computing(
    tmp_path_factory: pytest.TempPathFactory, settings_env: Callable[..., None]
):
    server = start_redis(tmp_path_factory.mktemp("redis-killed"))
    settings_env(CACHE_BACKEND="redis", REDIS_URL=server.url)
    _, compute = counting()
    try:
        assert cache.get_or_compute("k", 300, compute) == {"n": 1}
        assert cache.get_or_compute("k", 300, compute) == {"n": 1}  # cached
    finally:
        stop_redis(server)

    assert cache.get_or_compute("k", 300, compute) == {"n": 2}  # the same client, its server gone


def test_the_statistics_answer_when_the_cache_table_is_gone():
    boto3.client("dynamodb", region_name="eu-central-1").delete_table(TableName=get_settings().cache_table)

    assert stats().status == 200


def test_the_statistics_answer_when_redis_is_down(settings_env: Callable[..., None]):
    settings_env(CACHE_BACKEND="redis", REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")

    first, second = stats(), stats()
    assert (first.status, second.status) == (200, 200)


def test_redis_without_a_url_fails_the_cold_start(settings_env: Callable[..., None]):
    settings_env(CACHE_BACKEND="redis", REDIS_URL="")

    with pytest.raises(SettingsError, match="REDIS_URL"):
        get_settings()
