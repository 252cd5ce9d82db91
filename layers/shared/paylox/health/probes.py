"""What a stage depends on, and one cheap read-only probe of each.

Only ``HealthCheckFunction`` runs these: it alone holds the permissions they need (DescribeTable,
HeadBucket, DescribeEventBus, DescribeParameters and the provider secrets). No probe reads a
record, a document or a secret's value into its detail.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from functools import partial
from typing import Any

from botocore.config import Config

from paylox import aws
from paylox.config import Settings
from paylox.health.runner import Check, Degraded
from paylox.otp.captcha import SITEVERIFY_URLS
from paylox.otp.sms.messagebird import MESSAGES_URL
from paylox.payments.jetcheckout import JetcheckoutGateway
from paylox.secrets import get_secret

#: Setting → the template's logical id, which names the check (``dynamodb:UsersTable``).
TABLES = {
    "users_table": "UsersTable",
    "transactions_table": "TransactionsTable",
    "audit_table": "AuditTable",
    "idempotency_table": "IdempotencyTable",
    "outbox_table": "OutboxTable",
    "webhook_deliveries_table": "WebhookDeliveriesTable",
    "otp_table": "OtpTable",
    "otp_limits_table": "OtpLimitsTable",
    "otp_blocklist_table": "OtpBlocklistTable",
    "documents_table": "DocumentsTable",
    "document_shares_table": "DocumentSharesTable",
    "disputes_table": "DisputesTable",
    "health_table": "HealthTable",
    "cache_table": "CacheTable",
    "statistics_table": "StatisticsTable",
    "exports_table": "ExportsTable",
}
MESSAGEBIRD_BALANCE_URL = MESSAGES_URL.removesuffix("/messages") + "/balance"
#: A probe order id no real order has: Jetcheckout answers "not found", which proves it answers.
PROBE_ORDER_ID = "paylox-health-probe"
#: botocore's own retries would outlast the run's bound: one attempt, short timeouts.
_AWS_CONFIG = Config(connect_timeout=2, read_timeout=2, retries={"total_max_attempts": 1})


_clients: dict[str, Any] = {}


def _aws_client(service: str) -> Any:
    """A client of its own (not :func:`paylox.aws.client`): short timeouts, no retries. Made once
    per execution environment, from the environment's one session, under its lock: the probes of
    one service start at the same moment."""
    with aws.lock:
        if service not in _clients:
            _clients[service] = aws.new_client(service, config=_AWS_CONFIG)
        return _clients[service]


# ---------------------------------------------------------------------- AWS
def _table(name: str, _timeout: float) -> str:
    status = _aws_client("dynamodb").describe_table(TableName=name)["Table"]["TableStatus"]
    if status not in ("ACTIVE", "UPDATING"):
        raise RuntimeError(f"table status {status}")
    return ""


def _bucket(name: str, _timeout: float) -> str:
    _aws_client("s3").head_bucket(Bucket=name)
    return ""


def _bus(name: str, _timeout: float) -> str:
    _aws_client("events").describe_event_bus(Name=name)
    return ""


def _secret(name: str, _timeout: float) -> str:
    """Present, never read: the environment (dev) or the SSM parameter's existence."""
    if os.environ.get(name):
        return "from the environment"
    parameter = os.environ.get(f"{name}_PARAMETER")
    if not parameter:
        raise RuntimeError(f"neither {name} nor {name}_PARAMETER is set")
    filters = [{"Key": "Name", "Option": "Equals", "Values": [parameter]}]
    if not _aws_client("ssm").describe_parameters(ParameterFilters=filters)["Parameters"]:
        raise RuntimeError(f"parameter {parameter} does not exist")
    return ""


# ---------------------------------------------------------------------- providers
def _twilio(timeout: float) -> str:
    """Twilio's account fetch: authenticated, read-only, and says whether the account is active."""
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client

    sid = get_secret("TWILIO_ACCOUNT_SID")
    twilio = Client(sid, get_secret("TWILIO_AUTH_TOKEN"), http_client=TwilioHttpClient(timeout=timeout))
    status = str(twilio.api.v2010.accounts(sid).fetch().status)
    if status != "active":
        raise RuntimeError(f"account {status}")
    return ""


def _messagebird(timeout: float) -> str:
    """MessageBird's balance: authenticated, read-only; an empty balance sends nothing."""
    import requests  # only where a real provider is probed: the dev stage's checks do without it

    response = requests.get(
        MESSAGEBIRD_BALANCE_URL,
        headers={"Authorization": f"AccessKey {get_secret('MESSAGEBIRD_ACCESS_KEY')}", "Accept": "application/json"},
        timeout=timeout,
    )
    response.raise_for_status()
    amount = float(response.json().get("amount", 0))
    if amount <= 0:
        raise Degraded(f"balance {amount:g}")
    return ""


def _jetcheckout(timeout: float) -> str:
    gateway = dataclasses.replace(JetcheckoutGateway.from_settings(), timeout_seconds=timeout)
    gateway.payment_status(order_id=PROBE_ORDER_ID)  # raises when unreachable or unreadable
    return ""


def _captcha(provider: str, timeout: float) -> str:
    """A siteverify with a dummy token: ``invalid-input-secret`` means our secret is wrong."""
    import requests

    form = {"secret": get_secret("CAPTCHA_SECRET"), "response": "paylox-health-probe"}
    response = requests.post(SITEVERIFY_URLS[provider], data=form, timeout=timeout)
    response.raise_for_status()
    codes = response.json().get("error-codes") or []
    if any("secret" in str(code) for code in codes):
        raise RuntimeError(f"secret refused: {', '.join(map(str, codes))}")
    return ""


def _development(kind: str, _timeout: float) -> str:
    return f"{kind} provider of the dev stage: nothing leaves"


# ---------------------------------------------------------------------- what the stage uses
def _sms_providers(settings: Settings) -> list[str]:
    """The providers OTP sends go through, as paylox.otp.sms picks them (console has no fallback)."""
    if settings.sms_provider == "console":
        return ["console"]
    fallback = settings.sms_fallback_provider
    return [settings.sms_provider, *([fallback] if fallback not in ("none", settings.sms_provider) else [])]


def _sms_checks(settings: Settings) -> list[Check]:
    probes: dict[str, Callable[[float], str]] = {"twilio": _twilio, "messagebird": _messagebird}
    return [Check(f"sms:{name}", probes.get(name, partial(_development, name))) for name in _sms_providers(settings)]


def _secret_names(settings: Settings) -> list[str]:
    names = ["OTP_HASH_KEY"]
    providers = set(_sms_providers(settings))
    if "twilio" in providers:
        names += ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"]
    if "messagebird" in providers:
        names.append("MESSAGEBIRD_ACCESS_KEY")
    if settings.payment_gateway == "jetcheckout":
        names += ["JETCHECKOUT_API_KEY", "JETCHECKOUT_API_SECRET", "JETCHECKOUT_WEBHOOK_SECRET"]
    if settings.document_delivery == "cloudfront":
        names.append("CLOUDFRONT_SIGNING_KEY")
    if not settings.is_dev:
        names.append("CAPTCHA_SECRET")  # dev accepts its documented token without a secret
    return names


def _provider_checks(settings: Settings) -> list[Check]:
    gateway = settings.payment_gateway
    payments = _jetcheckout if gateway == "jetcheckout" else partial(_development, gateway)
    captcha = partial(_development, "captcha") if settings.is_dev else partial(_captcha, settings.captcha_provider)
    return [
        *_sms_checks(settings),
        Check(f"payments:{gateway}", payments),
        Check(f"captcha:{settings.captcha_provider}", captcha),
    ]


def checks_for(settings: Settings) -> list[Check]:
    """Every dependency of the stage these settings describe, each with its probe."""
    return [
        *(
            Check(f"dynamodb:{logical_id}", partial(_table, getattr(settings, field)))
            for field, logical_id in TABLES.items()
        ),
        Check("s3:documents", partial(_bucket, settings.documents_bucket)),
        Check("events:bus", partial(_bus, settings.event_bus_name)),
        *(Check(f"ssm:{name}", partial(_secret, name)) for name in _secret_names(settings)),
        *_provider_checks(settings),
    ]
