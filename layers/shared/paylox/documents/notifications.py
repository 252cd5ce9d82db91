"""Telling people about a quarantined document (the owner in their language, and the admins), and
the admins about a malware verdict that never came (``AdminAlert`` ``SCAN_TIMEOUT``).

Runs in the notifier subscribed to ``DocumentQuarantined`` and the documents' ``AdminAlert``, never
in the request path. The
notifier's shape is the one of :mod:`paylox.notify`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ConfigDict

from paylox.config import get_settings
from paylox.documents.emails import render_admins_quarantined, render_admins_scan_timeout, render_owner_quarantined
from paylox.events.envelope import BusEvent
from paylox.events.schemas import EventDetail
from paylox.notify.alerts import ALERT_EVENT
from paylox.notify.email import Email, EmailProvider, one_per_address
from paylox.notify.once import send_emails
from paylox.notify.recipients import RecipientOf, find_recipient

QUARANTINED = "DocumentQuarantined"


class DocumentDetail(EventDetail):
    """What every document event carries (:func:`paylox.documents.lifecycle.event_detail`); the
    templates read the rest (filename, purpose, threats), kept as extras."""

    model_config = ConfigDict(extra="allow")

    document_id: str
    owner_id: str


class DocumentEvent(BusEvent):
    detail: DocumentDetail


def notify(event: DocumentEvent, *, context: Any = None, provider: EmailProvider | None = None) -> int:
    """Send the emails of a ``DocumentQuarantined`` event, each at most once; returns how many."""
    planned = plan(event, find_recipient, get_settings().admin_notification_emails)
    return send_emails(planned, context=context, provider=provider)


def plan(event: DocumentEvent, recipient_of: RecipientOf, admins: Sequence[str]) -> list[Email]:
    """The owner's email (when they have an address) and the admins', one per address."""
    detail = event.detail.model_dump()
    if event.detail_type == ALERT_EVENT:
        content = render_admins_scan_timeout(detail)
        return one_per_address(Email.for_event(event.id, "admins_alert", address, content) for address in admins)
    if event.detail_type != QUARANTINED:
        return []  # the only other document event anyone is emailed about
    planned: list[Email] = []
    if (owner := recipient_of(event.detail.owner_id)) is not None:
        content = render_owner_quarantined(owner.locale, detail)
        planned.append(Email.for_event(event.detail.event_id, "owner_quarantined", owner.address, content))
    content = render_admins_quarantined(detail)
    planned.extend(Email.for_event(event.detail.event_id, "admins_quarantined", address, content) for address in admins)
    return one_per_address(planned)
