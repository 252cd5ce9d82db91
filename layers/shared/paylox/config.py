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

    # Documents (docs/documents.md). Sizes in bytes; the URL lifetimes are capped by the rules.
    documents_table: str = Field(alias="DOCUMENTS_TABLE", min_length=1)
    document_shares_table: str = Field(alias="DOCUMENT_SHARES_TABLE", min_length=1)
    documents_bucket: str = Field(alias="DOCUMENTS_BUCKET", min_length=3)
    document_scanner: Literal["none", "guardduty", "dev"] = Field(alias="DOCUMENT_SCANNER")
    # Empty: links point at the API's own share route on the domain the request came to.
    share_link_base_url: str = Field(alias="SHARE_LINK_BASE_URL", pattern=r"^(https?://\S+)?$")
    document_max_bytes: int = Field(alias="DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024, gt=0)
    document_multipart_max_bytes: int = Field(alias="DOCUMENT_MULTIPART_MAX_BYTES", default=4 * 1024 * 1024, gt=0)
    document_upload_url_seconds: int = Field(alias="DOCUMENT_UPLOAD_URL_SECONDS", default=900, gt=0, le=900)
    document_download_url_seconds: int = Field(alias="DOCUMENT_DOWNLOAD_URL_SECONDS", default=300, gt=0, le=300)
    document_retention_days: int = Field(alias="DOCUMENT_RETENTION_DAYS", default=30, ge=0)

    @property
    def is_dev(self) -> bool:
        return self.stage == "dev"


@cache
def get_settings() -> Settings:
    """The settings of this execution environment, read and validated on first use."""
    try:
        return Settings.model_validate(dict(os.environ))
    except ValidationError as exc:
        missing = ", ".join(str(err["loc"][0]) for err in exc.errors())
        raise SettingsError(f"invalid or missing settings: {missing}") from exc
