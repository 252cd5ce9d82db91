"""Steps of the dashboard statistics tests: the stream consumer fed as its event source mappings
feed it (the dev stack's async wiring), and the stats route as staff call it."""

from __future__ import annotations

from typing import Any

from devstack.async_sources import StreamSource
from devstack.async_wiring import AsyncWiring
from devstack.invoker import Invoker
from devstack.stack import dev_stack
from functions.admin import dashboard_stats
from tests.apigw import AGENT, HttpResult, api_event, invoke

CONSUMER = "StatsStreamFunction"

_pump: tuple[AsyncWiring, list[StreamSource]] | None = None


def pump_stats() -> int:
    """Hand the statistics consumer every record its three streams got since the last call
    (retries, partial batch failures and the on-failure queue as the template sets them)."""
    global _pump
    if _pump is None:
        stack = dev_stack()
        wiring = AsyncWiring(stack, Invoker(stack).invoke, retry_delay=0.0)
        _pump = wiring, [source for source in wiring.wiring.streams if source.function_id == CONSUMER]
    wiring, sources = _pump
    return sum(wiring.pump_stream(source) for source in sources)


def reset_stats_pump() -> None:
    """Forget the stream positions (the tables were made anew)."""
    global _pump
    _pump = None


def stats(sub: str = AGENT, groups: tuple[str, ...] = ("support",), **query: str) -> HttpResult:
    """``sub`` asks for the dashboard statistics with ``query`` (period, from, to)."""
    event = api_event("admin/dashboard_stats.json", query=dict(query), sub=sub)
    event["requestContext"]["authorizer"]["jwt"]["claims"]["cognito:groups"] = "[" + " ".join(groups) + "]"
    return invoke(dashboard_stats, event)


def fresh_stats(**query: str) -> dict[str, Any]:
    """The statistics once the consumer has caught up, as support reads them."""
    pump_stats()
    result = stats(**query)
    assert result.status == 200, result.raw
    return dict(result.json)
