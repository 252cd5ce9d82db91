"""Emails for transaction events (buyer, seller) and payment webhook alerts (admins).

Buyer and seller read theirs in their profile's language; admins (``ADMIN_NOTIFICATION_EMAILS``)
get alerts in Turkish then English. The notifier's shape is the one of :mod:`paylox.notify`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import ConfigDict, Discriminator, Tag

from paylox.config import get_settings
from paylox.events.envelope import BusEvent
from paylox.events.schemas import EventDetail
from paylox.notify.alert_event import AlertEvent
from paylox.notify.alerts import ALERT_EVENT
from paylox.notify.email import Email, EmailProvider, one_per_address
from paylox.notify.once import send_emails
from paylox.notify.recipients import RecipientOf, find_recipient
from paylox.transactions import emails


class TransactionDetail(EventDetail):
    """What every transaction event carries (:func:`paylox.transactions.service.event_detail`); the
    templates read the rest (amounts, reason), kept as extras."""

    model_config = ConfigDict(extra="allow")

    transaction_id: str
    buyer_id: str
    seller_id: str


class TransactionEvent(BusEvent):
    detail: TransactionDetail


def _event_kind(event: Any) -> str:
    detail_type = event.get("detail-type") if isinstance(event, dict) else getattr(event, "detail_type", None)
    return "alert" if detail_type == ALERT_EVENT else "transaction"


#: What the transaction notifier receives: a transaction event, or a payment webhook alert.
NotifierEvent = Annotated[
    Annotated[TransactionEvent, Tag("transaction")] | Annotated[AlertEvent, Tag("alert")],
    Discriminator(_event_kind),
]


def notify(event: TransactionEvent | AlertEvent, *, context: Any = None, provider: EmailProvider | None = None) -> int:
    """Send the emails one bus event calls for, each at most once; returns how many."""
    if isinstance(event, AlertEvent):
        planned = plan_alert(event, get_settings().admin_notification_emails)
    else:
        planned = plan(event, find_recipient)
    return send_emails(planned, context=context, provider=provider)


def plan(event: TransactionEvent, recipient_of: RecipientOf) -> list[Email]:
    """The emails of a transaction event: one to each party its templates address, in their
    language; a party without an address (``recipient_of`` gives None) is left out."""
    detail = event.detail.model_dump()
    planned: list[Email] = []
    for role in emails.RECIPIENTS.get(event.detail_type, ()):
        if (recipient := recipient_of(detail[f"{role}_id"])) is not None:
            content = emails.render(event.detail_type, role, recipient.locale, detail)
            planned.append(Email.for_event(event.detail.event_id, role, recipient.address, content))
    return one_per_address(planned)


def plan_alert(event: AlertEvent, admins: Sequence[str]) -> list[Email]:
    """The admins' emails about a payment webhook alert, one per address."""
    content = emails.render_alert(event.detail.model_dump())
    return one_per_address(Email.for_event(event.detail.event_id, "alert", address, content) for address in admins)
