"""Telling the admins that something needs a person: one event name, whatever domain raises it.

A publisher puts ``AdminAlert`` on the bus with its own source (``paylox.<domain>``) and a
``detail.kind`` saying what happened (``AMOUNT_MISMATCH``, ...) beside the facts to act on; the
notifier subscribed to that source's alerts emails ``ADMIN_NOTIFICATION_EMAILS``.
"""

from __future__ import annotations

from pydantic import ConfigDict

from paylox.events.envelope import BusEvent
from paylox.events.schemas import EventDetail

ALERT_EVENT = "AdminAlert"


class AlertDetail(EventDetail):
    """What every alert carries; the facts beside ``kind`` are the publisher's (kept as extras)."""

    model_config = ConfigDict(extra="allow")

    kind: str
    reason: str | None = None


class AlertEvent(BusEvent):
    detail: AlertDetail
