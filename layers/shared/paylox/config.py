"""Settings: validated once per cold start from the environment the template gives each function.

A missing resource name fails the cold start loudly (``SettingsError``) instead of surfacing later
as a confusing AWS error. Secrets are not settings: see :mod:`paylox.secrets`.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from functools import cache
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator


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


def _true_or_false(value: object) -> object:
    if isinstance(value, str):
        if value.strip().lower() not in ("true", "false"):
            raise ValueError("expected true or false")
        return value.strip().lower() == "true"
    return value


#: A switch written exactly ``true`` or ``false``: a typo must fail the cold start, not read as off.
TrueOrFalse = Annotated[bool, BeforeValidator(_true_or_false)]
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
    outbox_table: str = Field(alias="OUTBOX_TABLE", min_length=1)
    payment_gateway: Literal["sandbox", "jetcheckout"] = Field(alias="PAYMENT_GATEWAY", default="sandbox")
    # Email: through SES, or in development to the log and the dev outbox (paylox.notify.email).
    email_provider: Literal["ses", "console"] = Field(alias="EMAIL_PROVIDER", default="ses")
    sender_email: str = Field(alias="SENDER_EMAIL", default="no-reply@paylox.com.tr")
    admin_notification_emails: CsvList = Field(alias="ADMIN_NOTIFICATION_EMAILS", default_factory=list)

    # ---------------------------------------------------------------- payments (docs/webhooks.md)
    webhook_deliveries_table: str = Field(alias="WEBHOOK_DELIVERIES_TABLE", min_length=1)
    jetcheckout_ip_allowlist: CidrList = Field(alias="JETCHECKOUT_IP_ALLOWLIST")
    jetcheckout_base_url: OptionalUrl = Field(alias="JETCHECKOUT_BASE_URL", default=None)
    # The API's public base URL (template parameter ApiBaseUrl): Jetcheckout sends the buyer's
    # browser back to <API_BASE_URL>/api/payment/return/<transaction id>, which asks the status.
    api_base_url: OptionalUrl = Field(alias="API_BASE_URL", default=None)
    jetcheckout_timeout_seconds: float = Field(alias="JETCHECKOUT_TIMEOUT_SECONDS", default=5.0, gt=0, le=8)
    # The unit of amounts in Jetcheckout's answers is not documented (docs/payments.md): check it in test mode.
    jetcheckout_response_amount_unit: Literal["lira", "kurus"] = Field(
        alias="JETCHECKOUT_RESPONSE_AMOUNT_UNIT", default="lira"
    )
    payment_return_url: OptionalUrl = Field(alias="PAYMENT_RETURN_URL", default=None)
    # Given only to the browser return functions: public, they hold no gateway credential and ask
    # PaymentConfirmFunction (docs/webhooks.md, "The browser return").
    payment_confirm_function: str = Field(alias="PAYMENT_CONFIRM_FUNCTION", default="")
    # The reconciler asks the gateway about payments pending this long, and tells staff about those
    # still unknown after the second limit (docs/webhooks.md).
    payment_reconcile_after_minutes: int = Field(alias="PAYMENT_RECONCILE_AFTER_MINUTES", default=30, ge=1)
    payment_unknown_alert_minutes: int = Field(alias="PAYMENT_UNKNOWN_ALERT_MINUTES", default=180, ge=1)

    # ---------------------------------------------------------------- OTP (docs/otp.md)
    otp_table: str = Field(alias="OTP_TABLE", min_length=1)
    otp_limits_table: str = Field(alias="OTP_LIMITS_TABLE", min_length=1)
    otp_blocklist_table: str = Field(alias="OTP_BLOCKLIST_TABLE", min_length=1)
    sms_provider: Literal["twilio", "messagebird", "console"] = Field(alias="SMS_PROVIDER", default="console")
    sms_fallback_provider: Literal["twilio", "messagebird", "none"] = Field(
        alias="SMS_FALLBACK_PROVIDER", default="messagebird"
    )
    sms_sender_id: str = Field(alias="SMS_SENDER_ID", default="Paylox", min_length=1, max_length=34)
    twilio_status_callback_url: str = Field(alias="TWILIO_STATUS_CALLBACK_URL", default="")
    sms_request_timeout_seconds: float = Field(alias="SMS_REQUEST_TIMEOUT_SECONDS", default=4.0, gt=0, le=30)
    sms_max_attempts: int = Field(alias="SMS_MAX_ATTEMPTS", default=3, ge=1, le=6)
    sms_retry_base_seconds: float = Field(alias="SMS_RETRY_BASE_SECONDS", default=0.25, ge=0, le=5)
    sms_retry_max_seconds: float = Field(alias="SMS_RETRY_MAX_SECONDS", default=2.0, ge=0, le=10)
    sms_hourly_budget: int = Field(alias="SMS_HOURLY_BUDGET", default=100, ge=1)
    # The share of the hourly budget only codes that confirm money moves may use (docs/otp.md).
    sms_budget_reserved_percent: int = Field(alias="SMS_BUDGET_RESERVED_PERCENT", default=20, ge=0, le=90)
    otp_code_ttl_seconds: int = Field(alias="OTP_CODE_TTL_SECONDS", default=300, ge=60, le=900)
    otp_max_attempts: int = Field(alias="OTP_MAX_ATTEMPTS", default=3, ge=1, le=10)
    otp_resend_cooldown_seconds: int = Field(alias="OTP_RESEND_COOLDOWN_SECONDS", default=60, ge=1)
    otp_hourly_limit_per_phone: int = Field(alias="OTP_HOURLY_LIMIT_PER_PHONE", default=5, ge=1)
    otp_hourly_limit_per_user: int = Field(alias="OTP_HOURLY_LIMIT_PER_USER", default=10, ge=1)
    otp_hourly_limit_per_ip: int = Field(alias="OTP_HOURLY_LIMIT_PER_IP", default=20, ge=1)
    otp_allowed_countries: CsvList = Field(alias="OTP_ALLOWED_COUNTRIES", default_factory=lambda: ["+90"])
    otp_captcha_after_failures: int = Field(alias="OTP_CAPTCHA_AFTER_FAILURES", default=3, ge=1)
    otp_autoblock_failed_verifications: int = Field(alias="OTP_AUTOBLOCK_FAILED_VERIFICATIONS", default=10, ge=1)
    otp_autoblock_sends: int = Field(alias="OTP_AUTOBLOCK_SENDS", default=20, ge=1)
    otp_autoblock_seconds: int = Field(alias="OTP_AUTOBLOCK_SECONDS", default=86400, ge=60)
    otp_token_ttl_seconds: int = Field(alias="OTP_TOKEN_TTL_SECONDS", default=300, ge=30, le=3600)
    # A confirmation phone that is not the verified registered number approves no money move for this long.
    phone_change_cool_off_hours: float = Field(alias="PHONE_CHANGE_COOL_OFF_HOURS", default=24, ge=0, le=24 * 30)
    captcha_provider: Literal["turnstile", "hcaptcha", "recaptcha"] = Field(
        alias="CAPTCHA_PROVIDER", default="turnstile"
    )
    captcha_min_score: float = Field(alias="CAPTCHA_MIN_SCORE", default=0.5, ge=0, le=1)

    # ---------------------------------------------------------------- documents (docs/documents.md)
    # Sizes in bytes; the URL lifetimes are capped by the rules.
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
    # A verdict not back this long after the hold is chased: a rescan, then, after as long again, staff.
    document_scan_timeout_minutes: int = Field(alias="DOCUMENT_SCAN_TIMEOUT_MINUTES", default=30, gt=0)
    # How download and preview URLs are made: presigned S3 (the dev stack) or CloudFront signed URLs
    # on the documents distribution (its domain name from the template); see docs/documents.md.
    # (s3 by default: it needs nothing more; the template always says which.)
    document_delivery: Literal["s3", "cloudfront"] = Field(alias="DOCUMENT_DELIVERY", default="s3")
    documents_cdn_domain: str = Field(alias="DOCUMENTS_CDN_DOMAIN", default="", pattern=r"^[A-Za-z0-9.-]*$")

    # ---------------------------------------------------------------- disputes (docs/disputes.md)
    disputes_table: str = Field(alias="DISPUTES_TABLE", min_length=1)
    # The service-level agreement, in hours.
    dispute_escalation_hours: float = Field(alias="DISPUTE_ESCALATION_HOURS", default=48, gt=0)
    dispute_first_response_hours: float = Field(alias="DISPUTE_FIRST_RESPONSE_HOURS", default=2, gt=0)
    dispute_info_reminder_hours: float = Field(alias="DISPUTE_INFO_REMINDER_HOURS", default=24, gt=0)
    # Told about escalations; ADMIN_NOTIFICATION_EMAILS when empty (see dispute_escalation_emails).
    dispute_senior_admin_emails: CsvList = Field(alias="DISPUTE_SENIOR_ADMIN_EMAILS", default_factory=list)

    # ---------------------------------------------------------------- users (README: Identity)
    # Required, never defaulted: whether an unknown caller is registered by their first request
    # or refused (403 NOT_REGISTERED) is decided by the template, from where identities come from.
    profile_on_first_request: TrueOrFalse = Field(alias="PROFILE_ON_FIRST_REQUEST")

    # ---------------------------------------------------------------- operations (docs/operations.md)
    # The browser origins the HTTP API allows (template parameter CorsAllowOrigins), read here only
    # so that a localhost origin outside dev fails the cold start instead of every browser call.
    cors_allow_origins: CsvList = Field(alias="CORS_ALLOW_ORIGINS", default_factory=list)
    # The latest deep-health report (paylox.health), written by HealthCheckFunction.
    health_table: str = Field(alias="HEALTH_TABLE", min_length=1)
    # Given only to the function of GET /api/admin/health, which invokes it for a fresh report.
    health_check_function: str = Field(alias="HEALTH_CHECK_FUNCTION", default="")

    # ---------------------------------------------------------------- cache and statistics (docs/admin.md)
    cache_table: str = Field(alias="CACHE_TABLE", min_length=1)
    cache_backend: Literal["dynamodb", "redis"] = Field(alias="CACHE_BACKEND", default="dynamodb")
    redis_url: OptionalUrl = Field(alias="REDIS_URL", default=None, pattern=r"^rediss?://\S+$")
    statistics_table: str = Field(alias="STATISTICS_TABLE", min_length=1)
    # How long a dashboard statistics answer is served from the cache.
    stats_cache_seconds: int = Field(alias="STATS_CACHE_SECONDS", default=300, ge=0, le=3600)

    # ---------------------------------------------------------------- admin exports (docs/admin.md)
    exports_table: str = Field(alias="EXPORTS_TABLE", min_length=1)
    exports_bucket: str = Field(alias="EXPORTS_BUCKET", min_length=3)
    export_download_url_seconds: int = Field(alias="EXPORT_DOWNLOAD_URL_SECONDS", default=300, gt=0, le=300)

    # ---------------------------------------------------------------- per-user quotas (paylox.quotas)
    # Creations per user per hour (429 QUOTA_EXCEEDED beyond): generous for real use, a ceiling for abuse.
    transaction_quota_per_hour: int = Field(alias="TRANSACTION_QUOTA_PER_HOUR", default=60, ge=1)
    upload_quota_per_hour: int = Field(alias="UPLOAD_QUOTA_PER_HOUR", default=60, ge=1)
    dispute_quota_per_hour: int = Field(alias="DISPUTE_QUOTA_PER_HOUR", default=10, ge=1)

    # ---------------------------------------------------------------- checks across fields
    @model_validator(mode="after")
    def _gateway_is_configured(self) -> Settings:
        if self.payment_gateway == "jetcheckout" and not self.jetcheckout_base_url:
            raise ValueError(
                "JETCHECKOUT_BASE_URL is required when PAYMENT_GATEWAY is jetcheckout: "
                "set the template parameter JetcheckoutBaseUrl"
            )
        return self

    @model_validator(mode="after")
    def _check_otp(self) -> Settings:
        for entry in self.otp_allowed_countries:
            if not (entry.startswith("+") and entry[1:].isdigit()) and not (len(entry) == 2 and entry.isalpha()):
                raise ValueError(f"OTP_ALLOWED_COUNTRIES: {entry!r} is neither a calling code (+90) nor a region (TR)")
        return self

    @model_validator(mode="after")
    def _refuse_dev_only_outside_dev(self) -> Settings:
        # Each refusal names the template parameter to set: the operator reads it in the cold-start
        # error (and the profiles contract test), not in this file.
        if self.stage != "dev":
            problems = [problem for check in _DEV_ONLY_CHECKS if (problem := check(self))]
            if problems:
                raise ValueError(f"not allowed when PAYLOX_STAGE={self.stage}: " + "; ".join(problems))
        return self

    @model_validator(mode="after")
    def _check_cache(self) -> Settings:
        if self.cache_backend == "redis" and not self.redis_url:
            raise ValueError("REDIS_URL is required when CACHE_BACKEND is redis")
        return self

    @model_validator(mode="after")
    def _check_document_delivery(self) -> Settings:
        if self.document_delivery == "cloudfront" and not self.documents_cdn_domain:
            raise ValueError("DOCUMENTS_CDN_DOMAIN is required when DOCUMENT_DELIVERY is cloudfront")
        return self

    @property
    def is_dev(self) -> bool:
        return self.stage == "dev"

    @property
    def sms_budget_for_other_codes(self) -> int:
        """SMS per hour for codes other than money confirmations: the budget less its reserved share."""
        return self.sms_hourly_budget - self.sms_hourly_budget * self.sms_budget_reserved_percent // 100

    @property
    def dispute_escalation_emails(self) -> list[str]:
        return self.dispute_senior_admin_emails or self.admin_notification_emails


# ---------------------------------------------------------------- what only makes sense in dev
def _console_sms(settings: Settings) -> str | None:
    if settings.sms_provider == "console":
        return "SMS_PROVIDER=console sends no SMS: set the template parameter SmsProvider to twilio or messagebird"
    return None


def _console_email(settings: Settings) -> str | None:
    if settings.email_provider == "console":
        return "EMAIL_PROVIDER=console sends no email: set the template parameter EmailProvider to ses"
    return None


def _sandbox_gateway(settings: Settings) -> str | None:
    if settings.payment_gateway == "sandbox":
        return "PAYMENT_GATEWAY=sandbox moves no money: set the template parameter PaymentGateway to jetcheckout"
    return None


def _dev_scanner(settings: Settings) -> str | None:
    if settings.document_scanner in ("dev", "none"):
        return (
            f"DOCUMENT_SCANNER={settings.document_scanner} scans no document for malware: "
            "set the template parameter MalwareScanner to guardduty (or auto)"
        )
    return None


def _loopback_allowlist(settings: Settings) -> str | None:
    networks = [ipaddress.ip_network(network, strict=False) for network in settings.jetcheckout_ip_allowlist]
    if all(network.is_loopback for network in networks):
        return (
            "JETCHECKOUT_IP_ALLOWLIST is empty or loopback only, so every real webhook is refused: "
            "set the template parameter JetcheckoutIpAllowlist to Jetcheckout's ranges"
        )
    return None


def _local_cors(settings: Settings) -> str | None:
    local = [origin for origin in settings.cors_allow_origins if _is_local_origin(origin)]
    if local or not settings.cors_allow_origins:
        return (
            f"CORS_ALLOW_ORIGINS allows {', '.join(local) or 'no origin'}: "
            "set the template parameter CorsAllowOrigins to the web app's https origins"
        )
    return None


def _is_local_origin(origin: str) -> bool:
    host = (urlsplit(origin).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


_DEV_ONLY_CHECKS = (_console_sms, _console_email, _sandbox_gateway, _dev_scanner, _loopback_allowlist, _local_cors)


def load_settings(environment: Mapping[str, str]) -> Settings:
    """Settings from ``environment``; ``SettingsError`` naming every missing or refused value (and,
    for what only dev may use, the template parameter to set)."""
    try:
        return Settings.model_validate(dict(environment))
    except ValidationError as exc:
        missing = ", ".join(str(err["loc"][0]) if err["loc"] else err["msg"] for err in exc.errors())
        raise SettingsError(f"invalid or missing settings: {missing}") from exc


@cache
def get_settings() -> Settings:
    """The settings of this execution environment, read and validated on first use."""
    return load_settings(os.environ)
