"""Running the checks (``HealthCheckFunction``) and answering ``GET /api/admin/health``."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from paylox import aws, clock
from paylox.config import get_settings
from paylox.health import store
from paylox.health.probes import checks_for
from paylox.health.runner import RUN_TIMEOUT_SECONDS, run_checks
from paylox.health.schemas import DependencyHealth, HealthReport, overall
from paylox.observability import count_per, logger, metrics

#: A stored report younger than this is answered as it is; an older one is refreshed first.
FRESH_SECONDS = 30
#: Waiting for the check function: its run is bounded, plus a cold start.
_INVOKE_CONFIG = Config(connect_timeout=2, read_timeout=RUN_TIMEOUT_SECONDS + 6, retries={"total_max_attempts": 1})

Invoke = Callable[[], HealthReport]


def check_now() -> HealthReport:
    """Check every dependency, publish one metric per dependency and store the report."""
    dependencies = run_checks(checks_for(get_settings()))
    report = HealthReport(status=overall(dependencies), checked_at=clock.now_iso(), dependencies=dependencies)
    for dependency in dependencies:
        # One metric per dependency (its own dimension) for the dashboard...
        count_per("DependencyDown", "Dependency", dependency.name, int(dependency.status == "down"))
    # ...and their sum, which one alarm watches: any dependency down twice in a row.
    metrics.add_metric(
        name="DependenciesDown", unit=MetricUnit.Count, value=sum(dep.status == "down" for dep in dependencies)
    )
    store.save_report(report)
    return report


def invoke_check_function() -> HealthReport:
    """Run ``HealthCheckFunction`` now and wait for its report (the route holds no probe permission)."""
    lambda_client = aws.new_client("lambda", config=_INVOKE_CONFIG)
    answer: dict[str, Any] = lambda_client.invoke(
        FunctionName=get_settings().health_check_function, InvocationType="RequestResponse", Payload=b"{}"
    )
    payload = json.loads(answer["Payload"].read() or b"{}")
    if answer.get("FunctionError"):
        raise RuntimeError(f"HealthCheckFunction failed: {payload.get('errorType', 'error')}")
    return HealthReport.model_validate(payload)


def current_report(invoke: Invoke | None = None) -> HealthReport:
    """The stored report when under 30 seconds old, else a fresh one from the check function; when
    that cannot be had, a report saying so (``health:check-function`` down), never an error."""
    if stored := store.latest_report(FRESH_SECONDS):
        return stored
    started = clock.now()
    try:
        return (invoke or invoke_check_function)()
    except (BotoCoreError, ClientError, RuntimeError, ValueError) as exc:
        logger.exception("health check function failed")
        latency_ms = int((clock.now() - started).total_seconds() * 1000)
        failed = DependencyHealth(
            name="health:check-function", status="down", latency_ms=max(latency_ms, 0), detail=type(exc).__name__
        )
        return HealthReport(status="down", checked_at=clock.now_iso(), dependencies=[failed])
