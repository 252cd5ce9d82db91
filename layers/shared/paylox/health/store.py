"""DynamoDB side of the health checks: the latest report, written by the check function, read by
``GET /api/admin/health``."""

from __future__ import annotations

from paylox import clock
from paylox.health.models import StoredReport
from paylox.health.schemas import HealthReport

_KEY = "latest"
_RETENTION_SECONDS = 24 * 3600


def save_report(report: HealthReport) -> None:
    """Keep ``report`` as the latest one (last writer wins: each run is a complete picture)."""
    checked = clock.parse_iso(report.checked_at).timestamp()
    StoredReport(
        _KEY,
        checked_at_ts=checked,
        report=report.model_dump_json(),
        expiration=int(checked) + _RETENTION_SECONDS,
    ).save()


def latest_report(max_age_seconds: float) -> HealthReport | None:
    """The latest report when it is younger than ``max_age_seconds``, else None."""
    try:
        stored = StoredReport.get(_KEY, consistent_read=True)
    except StoredReport.DoesNotExist:
        return None
    if clock.now().timestamp() - float(stored.checked_at_ts) >= max_age_seconds:
        return None
    return HealthReport.model_validate_json(stored.report)
