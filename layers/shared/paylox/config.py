"""Settings: validated once per cold start from the environment the template gives each function.

A missing resource name fails the cold start loudly (``SettingsError``) instead of surfacing later
as a confusing AWS error. Secrets are not settings: see :mod:`paylox.secrets`.
"""

from __future__ import annotations

import ipaddress
import os
from functools import cache
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


CsvList = Annotated[list[str], BeforeValidator(_split_csv)]


def _valid_networks(value: list[str]) -> list[str]:
    for network in value:
        ipaddress.ip_network(network, strict=False)  # a typo must fail the cold start, not every webhook
    return value


def _empty_is_none(value: object) -> object:
    return None if value == "" else value


#: Comma-separated CIDR blocks (``203.0.113.0/24, 2001:db8::/32``), checked at cold start.
CidrList = Annotated[CsvList, AfterValidator(_valid_networks)]
OptionalUrl = Annotated[str | None, BeforeValidator(_empty_is_none)]


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
    # ---- payment webhooks and the Jetcheckout client (docs/webhooks.md)
    webhook_deliveries_table: str = Field(alias="WEBHOOK_DELIVERIES_TABLE", min_length=1)
    jetcheckout_ip_allowlist: CidrList = Field(alias="JETCHECKOUT_IP_ALLOWLIST")
    jetcheckout_base_url: OptionalUrl = Field(alias="JETCHECKOUT_BASE_URL", default=None)
    jetcheckout_timeout_seconds: float = Field(alias="JETCHECKOUT_TIMEOUT_SECONDS", default=5.0, gt=0, le=8)
    payment_return_url: OptionalUrl = Field(alias="PAYMENT_RETURN_URL", default=None)

    @model_validator(mode="after")
    def _gateway_is_configured(self) -> Settings:
        if self.payment_gateway == "jetcheckout" and not self.jetcheckout_base_url:
            raise ValueError("JETCHECKOUT_BASE_URL is required when PAYMENT_GATEWAY is jetcheckout")
        return self

    @property
    def is_dev(self) -> bool:
        return self.stage == "dev"


@cache
def get_settings() -> Settings:
    """The settings of this execution environment, read and validated on first use."""
    try:
        return Settings.model_validate(dict(os.environ))
    except ValidationError as exc:
        missing = ", ".join(str(err["loc"][0]) if err["loc"] else err["msg"] for err in exc.errors())
        raise SettingsError(f"invalid or missing settings: {missing}") from exc
