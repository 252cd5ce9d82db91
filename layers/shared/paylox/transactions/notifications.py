"""Emails for transaction events and webhook alerts, sent by an EventBridge consumer.

Buyers and sellers get them in their profile's language (``tr`` when unknown); admins
(``ADMIN_NOTIFICATION_EMAILS``) get alerts in both. Each email is sent at most once per event and
recipient (:mod:`paylox.notify.once`, keyed ``<event id>:<role>:<address>``), so a redelivered
event, or a retry after one of two emails failed, sends only what is still missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from paylox.config import get_settings
from paylox.notify.once import send_email_once
from paylox.observability import logger, metrics
from paylox.transactions import emails
from paylox.types import Locale
from paylox.users.service import find_profile

ALERT_EVENT = "PaymentWebhookAlert"


class BusEvent(BaseModel):
    """The parts of an EventBridge event the notifier reads; the rest is not its business."""

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
    messages = _messages(parsed.id, parsed.detail_type, parsed.detail)
    for message in messages:
        send_email_once(message.key, message.to, message.subject, message.body, context=context)
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
            # No verified email at registration (or, with an external issuer, not seen yet): no address.
            logger.warning("no email address for a notification", extra={"role": role, "event": detail_type})
            metrics.add_metric(name="NotificationSkipped", unit="Count", value=1)
            continue
        locale: Locale = "en" if profile.locale == "en" else "tr"
        email = emails.render(detail_type, role, locale, detail)
        messages.append(Message(f"{event_id}:{role}:{profile.email}", profile.email, email.subject, email.body))
    return messages
