"""Who is emailed about a dispute event, and with which template (the dispute notifier's logic).

- admins (``ADMIN_NOTIFICATION_EMAILS``) as soon as a dispute opens, and when nobody took it on
  in time; senior admins (``DISPUTE_SENIOR_ADMIN_EMAILS``, else the admins) on escalation;
- both parties on every update and on the resolution, with the outcome;
- the awaited party when information is requested from them, and reminded until they answer.

Parties read their email in their profile's language; admin addresses have no profile and get
Turkish. The notifier's shape is the one of :mod:`paylox.notify`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ConfigDict

from paylox.config import get_settings
from paylox.disputes.emails import render
from paylox.events.envelope import BusEvent
from paylox.events.schemas import EventDetail
from paylox.notify.email import Email, EmailProvider, one_per_address
from paylox.notify.once import send_emails
from paylox.notify.recipients import RecipientOf, find_recipient

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
#: The admins' template per event type; escalations go to the senior admins.
_ADMIN_TEMPLATES = {
    "DisputeOpened": "admin_opened",
    "DisputeFirstResponseOverdue": "admin_first_response",
    "DisputeEscalated": "admin_escalated",
}


class DisputeDetail(EventDetail):
    """What every dispute event carries (:func:`paylox.disputes.service.event_detail`); the
    templates read the rest (reason, amounts, outcome, ...), kept as extras."""

    model_config = ConfigDict(extra="allow")

    dispute_id: str
    transaction_id: str
    buyer_id: str
    seller_id: str
    awaiting: str | None = None  # BUYER or SELLER while information is awaited


class DisputeEvent(BusEvent):
    detail: DisputeDetail


def notify(event: DisputeEvent, *, context: Any = None, provider: EmailProvider | None = None) -> int:
    """Send the emails of one dispute event, each at most once; returns how many."""
    settings = get_settings()
    planned = plan(event, find_recipient, settings.admin_notification_emails, settings.dispute_escalation_emails)
    return send_emails(planned, context=context, provider=provider)


def plan(
    event: DisputeEvent, recipient_of: RecipientOf, admins: Sequence[str], senior_admins: Sequence[str]
) -> list[Email]:
    """The emails a dispute event causes, one per address (an address listed twice gets the first)."""
    kind, detail = event.detail_type, event.detail.model_dump()
    planned: list[Email] = []
    if template := _ADMIN_TEMPLATES.get(kind):
        content = render(template, "tr", detail, kind)
        addresses = senior_admins if kind == "DisputeEscalated" else admins
        planned.extend(Email.for_event(event.detail.event_id, template, address, content) for address in addresses)
    for user_id, template in _party_templates(kind, event.detail):
        if (recipient := recipient_of(user_id)) is not None:
            content = render(template, recipient.locale, detail, kind)
            planned.append(Email.for_event(event.detail.event_id, template, recipient.address, content))
    return one_per_address(planned)


def _party_templates(kind: str, detail: DisputeDetail) -> list[tuple[str, str]]:
    """``(user id, template)`` for each party told about an event of type ``kind``."""
    parties = [detail.buyer_id, detail.seller_id]
    awaited = {"BUYER": detail.buyer_id, "SELLER": detail.seller_id}.get(detail.awaiting or "")
    if kind in _PARTY_UPDATES:
        return [(user_id, "party_update") for user_id in parties]
    if kind == "DisputeInfoRequested":
        return [(user_id, "info_requested" if user_id == awaited else "party_update") for user_id in parties]
    if kind == "DisputeInfoReminder":
        return [(awaited, "info_reminder")] if awaited else []
    if kind == "DisputeResolved":
        return [(user_id, "party_resolved") for user_id in parties]
    return []
