"""HealthCheckFunction: every dependency of the stage, checked concurrently with short timeouts.

Scheduled every five minutes, and invoked by ``GET /api/admin/health`` when the stored report is
older than 30 seconds: publishes one metric per dependency, stores the report and returns it.
"""

from typing import Any

from paylox.health.service import check_now
from paylox.observability import entry_point, logger


@entry_point()
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    report = check_now()
    logger.info("health checked", extra={"status": report.status, "down": report.names_with("down")})
    return report.model_dump(mode="json")
