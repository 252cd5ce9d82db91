"""Settings: validated once per cold start from the environment the template gives each function.

A missing resource name fails the cold start loudly (``SettingsError``) instead of surfacing later
as a confusing AWS error. Secrets are not settings: see :mod:`paylox.secrets`.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


CsvList = Annotated[list[str], BeforeValidator(_split_csv)]


class SettingsError(RuntimeError):
    """The function's environment is incomplete or invalid."""


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    stage: Literal["dev", "staging", "prod"] = Field(alias="PAYLOX_STAGE")
    aws_region: str = Field(alias="AWS_REGION")
    users_table: str = Field(alias="USERS_TABLE", min_length=1)
    transactions_table: str = Field(alias="TRANSACTIONS_TABLE", min_length=1)
    audit_table: str = Field(alias="AUDIT_TABLE", min_length=1)
    idempotency_table: str = Field(alias="IDEMPOTENCY_TABLE", min_length=1)
    event_bus_name: str = Field(alias="EVENT_BUS_NAME", min_length=1)
    event_source: str = Field(alias="EVENT_SOURCE", default="paylox")
    payment_gateway: Literal["sandbox", "jetcheckout"] = Field(alias="PAYMENT_GATEWAY", default="sandbox")
    sender_email: str = Field(alias="SENDER_EMAIL", default="no-reply@paylox.com.tr")
    admin_notification_emails: CsvList = Field(alias="ADMIN_NOTIFICATION_EMAILS", default_factory=list)
    # Disputes: the table and the service-level agreement (hours). Escalations go to the senior
    # admins, or to ADMIN_NOTIFICATION_EMAILS when no senior list is configured.
    disputes_table: str = Field(alias="DISPUTES_TABLE", min_length=1)
    dispute_escalation_hours: float = Field(alias="DISPUTE_ESCALATION_HOURS", default=48, gt=0)
    dispute_first_response_hours: float = Field(alias="DISPUTE_FIRST_RESPONSE_HOURS", default=2, gt=0)
    dispute_info_reminder_hours: float = Field(alias="DISPUTE_INFO_REMINDER_HOURS", default=24, gt=0)
    dispute_senior_admin_emails: CsvList = Field(alias="DISPUTE_SENIOR_ADMIN_EMAILS", default_factory=list)

    @property
    def is_dev(self) -> bool:
        return self.stage == "dev"

    @property
    def dispute_escalation_emails(self) -> list[str]:
        return self.dispute_senior_admin_emails or self.admin_notification_emails


@cache
def get_settings() -> Settings:
    """The settings of this execution environment, read and validated on first use."""
    try:
        return Settings.model_validate(dict(os.environ))
    except ValidationError as exc:
        missing = ", ".join(str(err["loc"][0]) for err in exc.errors())
        raise SettingsError(f"invalid or missing settings: {missing}") from exc
