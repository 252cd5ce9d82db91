"""Running checks concurrently, each bounded, so that one hung provider cannot hang the report."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait

from paylox.health.schemas import DependencyHealth
from paylox.observability import logger
from paylox.values import frozen

#: Each probe's own network timeout (connect and read), in seconds.
PROBE_TIMEOUT_SECONDS = 2.0
#: The whole run's bound: a probe not back by then is reported down, whatever its client does.
RUN_TIMEOUT_SECONDS = 4.0
#: An answer slower than this is ``degraded``: users would feel it.
DEGRADED_AFTER_MS = 1500


class Degraded(Exception):
    """The dependency answered, but with a warning (low balance, slow) worth a look."""


@frozen
class Check:
    """``probe(timeout)`` returns a short detail when the dependency is fine and raises when not."""

    name: str
    probe: Callable[[float], str]


def _timed(check: Check) -> DependencyHealth:
    started = time.monotonic()
    try:
        detail = check.probe(PROBE_TIMEOUT_SECONDS)
        status = "ok"
    except Degraded as exc:
        detail, status = str(exc), "degraded"
    except Exception as exc:
        logger.warning("dependency down", extra={"dependency": check.name, "error": type(exc).__name__})
        detail, status = f"{type(exc).__name__}: {exc}"[:300], "down"
    latency_ms = int((time.monotonic() - started) * 1000)
    if status == "ok" and latency_ms > DEGRADED_AFTER_MS:
        status, detail = "degraded", f"answered in {latency_ms} ms"
    return DependencyHealth(name=check.name, status=status, latency_ms=latency_ms, detail=detail)


def run_checks(checks: list[Check], *, timeout: float | None = None) -> list[DependencyHealth]:
    """Every check at once; those not back within ``timeout`` seconds (default
    ``RUN_TIMEOUT_SECONDS``) are ``down``, in check order."""
    if not checks:
        return []
    timeout = RUN_TIMEOUT_SECONDS if timeout is None else timeout
    executor = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="health")
    futures: dict[str, Future[DependencyHealth]] = {check.name: executor.submit(_timed, check) for check in checks}
    wait(futures.values(), timeout=timeout)
    # Not waiting for stragglers: a hung thread is abandoned (Lambda freezes it with the environment).
    executor.shutdown(wait=False, cancel_futures=True)
    late_ms = int(timeout * 1000)
    return [
        future.result()
        if future.done()
        else DependencyHealth(name=name, status="down", latency_ms=late_ms, detail=f"no answer within {timeout:g} s")
        for name, future in futures.items()
    ]
