"""The report ``GET /api/admin/health`` answers and ``HealthCheckFunction`` returns and stores."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Status = Literal["ok", "degraded", "down"]


class DependencyHealth(BaseModel):
    """One dependency: ``dynamodb:UsersTable``, ``sms:twilio``, ``ssm:CAPTCHA_SECRET``, ..."""

    name: str
    status: Status
    latency_ms: int = Field(ge=0)
    detail: str = ""


class HealthReport(BaseModel):
    status: Status
    checked_at: str
    dependencies: list[DependencyHealth]

    @property
    def all_ok(self) -> bool:
        return self.status == "ok"

    def names_with(self, status: Status) -> list[str]:
        """The dependencies in ``status``, for logs and alarms."""
        return [dependency.name for dependency in self.dependencies if dependency.status == status]


def overall(dependencies: list[DependencyHealth]) -> Status:
    """``down`` when any dependency is down, ``degraded`` when any is slow, else ``ok``."""
    statuses = {dependency.status for dependency in dependencies}
    if "down" in statuses:
        return "down"
    return "degraded" if "degraded" in statuses else "ok"
