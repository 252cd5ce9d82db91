"""HealthCheckFunction: every dependency of the stage, checked concurrently with short timeouts.

Scheduled every five minutes, and invoked by ``GET /api/admin/health`` when the stored report is
older than 30 seconds: publishes one metric per dependency, stores the report and returns it.
"""

from typing import Any

from paylox.health.service import check_now
from paylox.observability import logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    report = check_now()
    logger.info("health checked", extra={"status": report.status, "down": report.names_with("down")})
    return report.model_dump(mode="json")
