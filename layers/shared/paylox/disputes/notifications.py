"""Who is emailed about a dispute event, and the sending itself (the notify function's logic).

- admins (``ADMIN_NOTIFICATION_EMAILS``) as soon as a dispute opens, and when nobody took it on
  in time; senior admins (``DISPUTE_SENIOR_ADMIN_EMAILS``, else the admins) on escalation;
- both parties on every update and on the resolution, with the outcome;
- the awaited party when information is requested from them, and reminded until they answer.

Parties read their email in their profile's language; admin addresses have no profile and get
Turkish. Each (event, address) is sent at most once, however often EventBridge delivers the event
(:mod:`paylox.notify.once`): when one address fails the function fails, the event is retried, and
only the addresses not yet served are sent again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from paylox.config import get_settings
from paylox.disputes.emails import Email, render
from paylox.notify.once import Sender, send_email_once
from paylox.observability import logger, mask_email
from paylox.types import Locale
from paylox.users.service import find_profile

_PARTY_UPDATES = frozenset(
    {
        "DisputeOpened",
        "DisputeAssigned",
        "DisputeInfoProvided",
        "DisputeMessagePosted",
        "DisputeEvidenceAdded",
        "DisputeEscalated",
    }
)


@dataclass(frozen=True)
class Delivery:
    to: str
    email: Email


class NotificationFailed(RuntimeError):
    """Some addresses could not be served; raising makes EventBridge retry the event."""


def plan(detail_type: str, detail: dict[str, Any]) -> list[Delivery]:
    """The emails an event causes, one per address (an address listed twice gets the first)."""
    settings = get_settings()
    parties = {"BUYER": detail.get("buyer_id"), "SELLER": detail.get("seller_id")}
    awaited = parties.get(detail.get("awaiting") or "")
    planned: list[Delivery] = []

    def to_admins(addresses: list[str], kind: str) -> None:
        planned.extend(Delivery(address, render(kind, "tr", detail, detail_type)) for address in addresses)

    def to_user(user_id: str | None, kind: str) -> None:
        if (recipient := _user_address(user_id)) is not None:
            address, locale = recipient
            planned.append(Delivery(address, render(kind, locale, detail, detail_type)))

    if detail_type == "DisputeOpened":
        to_admins(settings.admin_notification_emails, "admin_opened")
    elif detail_type == "DisputeFirstResponseOverdue":
        to_admins(settings.admin_notification_emails, "admin_first_response")
    elif detail_type == "DisputeEscalated":
        to_admins(settings.dispute_escalation_emails, "admin_escalated")

    if detail_type in _PARTY_UPDATES:
        for user_id in parties.values():
            to_user(user_id, "party_update")
    elif detail_type == "DisputeInfoRequested":
        for user_id in parties.values():
            to_user(user_id, "info_requested" if user_id == awaited else "party_update")
    elif detail_type == "DisputeInfoReminder":
        to_user(awaited, "info_reminder")
    elif detail_type == "DisputeResolved":
        for user_id in parties.values():
            to_user(user_id, "party_resolved")

    unique: dict[str, Delivery] = {}
    for delivery in planned:
        unique.setdefault(delivery.to.lower(), delivery)
    return list(unique.values())


def notify(event: dict[str, Any], *, send: Sender | None = None, context: Any = None) -> int:
    """Send the emails of one EventBridge event; returns how many addresses were served."""
    detail_type, detail, event_id = event["detail-type"], event.get("detail") or {}, event["id"]
    deliveries = plan(detail_type, detail)
    failed: list[str] = []
    for delivery in deliveries:
        try:
            key = f"{event_id}:{delivery.to}"
            send_email_once(key, delivery.to, delivery.email.subject, delivery.email.body, context=context, send=send)
        except Exception:  # one bad address must not stop the others; the retry serves it
            logger.exception("dispute email failed", extra={"to": mask_email(delivery.to), "event": detail_type})
            failed.append(delivery.to)
    if failed:
        raise NotificationFailed(f"{len(failed)} of {len(deliveries)} emails failed for {detail_type} {event_id}")
    return len(deliveries)


def _user_address(user_id: str | None) -> tuple[str, Locale] | None:
    profile = find_profile(user_id) if user_id else None
    if profile is None or not profile.email:
        logger.warning("no email address for a dispute party", extra={"user_id": user_id})
        return None
    return profile.email, "en" if profile.locale == "en" else "tr"
