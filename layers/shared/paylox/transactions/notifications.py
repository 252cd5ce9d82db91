"""Emails for transaction events and webhook alerts, sent by an EventBridge consumer.

Buyers and sellers get them in their profile's language (``tr`` when unknown); admins
(``ADMIN_NOTIFICATION_EMAILS``) get alerts in both. Each email is sent at most once per event and
recipient: Powertools idempotency on ``<event id>:<role>:<address>`` in the idempotency table, so a
redelivered event, or a retry after one of two emails failed, sends only what is still missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any, cast

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from pydantic import BaseModel, ConfigDict, Field

from paylox.aws import client
from paylox.config import get_settings
from paylox.notify.email import send_email
from paylox.observability import logger, metrics
from paylox.transactions import emails
from paylox.types import Locale
from paylox.users.service import find_profile

ALERT_EVENT = "PaymentWebhookAlert"
#: Longer than EventBridge keeps retrying an event (its retry policy stops after an hour).
REMEMBER_SECONDS = 7 * 24 * 3600


class BusEvent(BaseModel):
    """The parts of an EventBridge event the notifier reads (lenient about the rest: the dev stack's
    events, like moto's, carry no ``account``)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str = Field(min_length=1)
    detail_type: str = Field(alias="detail-type")
    detail: dict[str, Any]


@dataclass(frozen=True)
class Message:
    key: str  # <event id>:<role>:<address>: what makes a send unique
    to: str
    subject: str
    body: str


def notify(event: dict[str, Any], context: Any = None) -> list[str]:
    """Send the emails one bus event calls for; returns the addresses (each sent at most once)."""
    parsed = BusEvent.model_validate(event)
    send, config = _sender()
    if context is not None:
        config.register_lambda_context(context)  # an unfinished send may be retried once we time out
    messages = _messages(parsed.id, parsed.detail_type, parsed.detail)
    for message in messages:
        send(message=asdict(message))
    return [message.to for message in messages]


def _messages(event_id: str, detail_type: str, detail: dict[str, Any]) -> list[Message]:
    if detail_type == ALERT_EVENT:
        email = emails.render_alert(detail)
        return [
            Message(f"{event_id}:admin:{address}", address, email.subject, email.body)
            for address in get_settings().admin_notification_emails
        ]
    messages = []
    for role in emails.RECIPIENTS.get(detail_type, ()):
        user_id = str(detail.get(f"{role}_id", ""))
        profile = find_profile(user_id) if user_id else None
        if profile is None or not profile.email:
            # Profiles are created on a user's first request; without one there is no address.
            logger.warning("no email address for a notification", extra={"role": role, "event": detail_type})
            metrics.add_metric(name="NotificationSkipped", unit="Count", value=1)
            continue
        locale: Locale = "en" if profile.locale == "en" else "tr"
        email = emails.render(detail_type, role, locale, detail)
        messages.append(Message(f"{event_id}:{role}:{profile.email}", profile.email, email.subject, email.body))
    return messages


@cache
def _sender() -> tuple[Callable[..., Any], IdempotencyConfig]:
    """The send-once function, built on first use (not at import: settings and clients come later)."""
    persistence = DynamoDBPersistenceLayer(table_name=get_settings().idempotency_table, boto3_client=client("dynamodb"))
    config = IdempotencyConfig(event_key_jmespath="key", expires_after_seconds=REMEMBER_SECONDS)

    def send(message: dict[str, str]) -> dict[str, str]:
        return {"message_id": send_email([message["to"]], message["subject"], message["body"])}

    send_once = idempotent_function(
        send, data_keyword_argument="message", persistence_store=persistence, config=config, key_prefix="notify"
    )
    return cast(Callable[..., Any], send_once), config
